package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// RoomBrowser is what a Backend that can discover rooms (XEP-0045
// §6.1–6.4) offers the Join-a-room dialog's "Browse…". Its methods are
// called off the UI goroutine and may block.
type RoomBrowser interface {
	// RoomServices returns the chat room services of the account's server.
	RoomServices(ctx context.Context) ([]string, error)
	// ListRooms returns the public rooms of service.
	ListRooms(ctx context.Context, service string) ([]RoomListing, error)
}

// RoomListing is a public room a service lists.
type RoomListing struct {
	Address string
	Name    string // "" when the service gives none
	// Occupants is how many are in the room, -1 when unknown.
	Occupants int
}

func (a *Pane) roomBrowser() RoomBrowser {
	b, _ := a.backend.(RoomBrowser)
	return b
}

// withBrowse is the Join-a-room dialog's address entry with "Browse…"
// beside it, which fills addr with the room picked; addr alone when the
// backend cannot browse.
func (a *Pane) withBrowse(addr *dialogEntry) fyne.CanvasObject {
	if a.roomBrowser() == nil {
		return addr
	}
	browse := newDialogButton("Browse…", func() {
		a.showRoomBrowser(func(room string) {
			addr.SetText(room)
			a.win.Canvas().Focus(addr)
		})
	})
	return container.NewBorder(nil, nil, nil, browse, addr)
}

// roomRowText is a listed room's row: its name (or address) and how many are there.
func roomRowText(r RoomListing) (string, string) {
	label := r.Address
	if n := strings.Join(strings.Fields(r.Name), " "); n != "" && n != r.Address {
		label = n + "  ·  " + r.Address
	}
	switch r.Occupants {
	case -1:
		return label, ""
	case 1:
		return label, "1 person"
	default:
		return label, fmt.Sprintf("%d people", r.Occupants)
	}
}

// showRoomBrowser lists the public rooms of the server's first room
// service (another can be typed); picking one calls picked and closes.
func (a *Pane) showRoomBrowser(picked func(room string)) {
	rb := a.roomBrowser()
	var rooms []RoomListing
	var d dialog.Dialog
	status := widget.NewLabel("Looking for your server's chat room services…")
	status.Wrapping = fyne.TextWrapWord
	list := newDialogList(
		func() int { return len(rooms) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewLabel(""), name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(rooms) {
				c := o.(*fyne.Container)
				label, count := roomRowText(rooms[id])
				c.Objects[0].(*widget.Label).SetText(label)
				c.Objects[1].(*widget.Label).SetText(count)
			}
		})
	list.OnSelected = func(id widget.ListItemID) {
		list.UnselectAll()
		if id < len(rooms) {
			d.Hide()
			picked(rooms[id].Address)
		}
	}
	service := newDialogEntry()
	service.SetPlaceHolder("conference.example.org")
	seq := 0
	service.OnSubmitted = func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		seq++
		mine := seq
		status.SetText("Asking " + s + " for its rooms…")
		a.async(func() {
			got, err := rb.ListRooms(a.ctx, s)
			a.do(func() {
				if mine != seq {
					return // a newer listing is on its way
				}
				rooms = got
				switch {
				case err != nil:
					status.SetText(fmt.Sprintf("could not list the rooms: %v", err))
				case len(got) == 0:
					status.SetText(s + " lists no public rooms.")
				default:
					status.SetText(fmt.Sprintf("%d public rooms on %s; pick one to join it.", len(got), s))
				}
				list.Refresh()
				list.ScrollToTop()
			})
		})
	}
	a.async(func() {
		svcs, err := rb.RoomServices(a.ctx)
		a.do(func() {
			switch {
			case seq > 0: // the user asked for a service meanwhile
			case err != nil:
				status.SetText(fmt.Sprintf("could not look for room services: %v", err))
			case len(svcs) == 0:
				status.SetText("Your server offers no chat room service; type one above.")
			default:
				service.SetText(svcs[0])
				service.OnSubmitted(svcs[0])
			}
		})
	})
	// A dialogButton from the start: passKeys does not swap Fyne's
	// buttons for them inside a Border layout (which holds the old one
	// and would lay the new one out wrong), so it would get no keys.
	ask := newDialogButton("", func() { service.OnSubmitted(service.Text) })
	ask.SetIcon(theme.SearchIcon())
	top := container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel("Service"), ask, service), status)
	d = dialog.NewCustom("Browse rooms", "Close", container.NewBorder(top, nil, nil, nil, list), a.win)
	d.Resize(fyne.NewSize(560, 440))
	showDialog(a.win, d, service)
	a.win.Canvas().Focus(service)
}
