package ui

import (
	"context"
	"fmt"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// A room's information (XEP-0045 §6.4), as Gajim's "Information" shows
// it: "Room information…" in the ⋮ menu asks the room what it says of
// itself and shows it in words — its title, description and subject, how
// many are there, and what it means for you: who sees your address,
// whether it keeps an archive, is for members only, moderated, needs a
// password, is listed, stays when empty.

// RoomDetails is what a room says of itself.
type RoomDetails struct {
	Name, Description, Subject, Language string
	Occupants                            int // -1: not said
	Public, MembersOnly, Moderated, PasswordProtected, Persistent,
	AddressesShown, Archived bool
}

// RoomInfoBackend is a Backend that can ask a room about itself.
type RoomInfoBackend interface {
	RoomDetails(ctx context.Context, room string) (RoomDetails, error)
}

func (a *Pane) roomInfoBackend() RoomInfoBackend {
	b, _ := a.backend.(RoomInfoBackend)
	return b
}

// showRoomInfo asks room about itself and shows the answer.
func (a *Pane) showRoomInfo(room string) {
	b := a.roomInfoBackend()
	a.async(func() {
		d, err := b.RoomDetails(a.ctx, room)
		a.do(func() {
			if err != nil {
				showError(a.win, err, nil) // it names the room
				return
			}
			if d.Subject == "" {
				d.Subject = a.room(room).subject // prosody 0.12 does not put it in its info
			}
			a.roomInfoDialog(room, d)
		})
	})
}

// roomInfoLines is d in words, for the dialog: a label and its text each.
func roomInfoLines(d RoomDetails) [][2]string {
	var out [][2]string
	add := func(label, text string) {
		if text != "" {
			out = append(out, [2]string{label, text})
		}
	}
	add("Title", d.Name)
	add("Description", d.Description)
	add("Subject", d.Subject)
	if d.Occupants >= 0 {
		add("People here", fmt.Sprint(d.Occupants))
	}
	if d.AddressesShown {
		add("Your address", "seen by everyone in the room")
	} else {
		add("Your address", "seen by the room's moderators only")
	}
	if d.Archived {
		add("Archive", "the room keeps what is said")
	} else {
		add("Archive", "none")
	}
	yesNo := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	add("Who may join", yesNo(d.MembersOnly, "members only", "anyone")+yesNo(d.PasswordProtected, ", with the password", ""))
	add("Who may speak", yesNo(d.Moderated, "those given voice (moderated)", "everyone in it"))
	add("Listed", yesNo(d.Public, "in the service's public list", "no (only who knows the address finds it)"))
	add("When empty", yesNo(d.Persistent, "it stays", "it ends"))
	add("Language", d.Language)
	return out
}

// roomInfoDialog shows d, one label and text a row, the texts aligned.
func (a *Pane) roomInfoDialog(room string, d RoomDetails) {
	c := a.win.Canvas().Size()
	width := fyne.Min(480, c.Width-6*theme.Padding())
	rows := container.New(layout.NewFormLayout())
	lines := roomInfoLines(d)
	var labelW float32
	for _, kv := range lines {
		labelW = fyne.Max(labelW, fyne.MeasureText(kv[0], theme.TextSize(), fyne.TextStyle{Bold: true}).Width)
	}
	// A wrapped label's own height is that of its narrowest wrapping:
	// the height is counted here, by lines at the value column's width.
	textW := fyne.Max(width-labelW-6*theme.Padding(), 40)
	lineH := widget.NewLabel("X").MinSize().Height - 2*theme.InnerPadding() + theme.Padding()
	var height float32
	for _, kv := range lines {
		l := widget.NewLabel(kv[0])
		l.TextStyle = fyne.TextStyle{Bold: true}
		v := widget.NewLabel(kv[1])
		v.Wrapping = fyne.TextWrapWord
		rows.Add(l)
		rows.Add(v)
		n := math.Ceil(float64(fyne.MeasureText(kv[1], theme.TextSize(), fyne.TextStyle{}).Width / textW))
		height += l.MinSize().Height + float32(max(n, 1)-1)*lineH + theme.Padding()
	}
	scroll := container.NewVScroll(rows)
	scroll.SetMinSize(fyne.NewSize(width, fyne.Min(height, fyne.Max(c.Height-140, 80))))
	showDialog(a.win, dialog.NewCustom(room, "Close", scroll, a.win))
}
