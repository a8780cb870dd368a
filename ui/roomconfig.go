package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// A room's settings (XEP-0045 §10.2): an owner's ⋮ menu offers "Room
// settings…", which shows the room's own configuration form — whatever
// fields its server sends, each by its label, as Gajim's and Dino's
// "Configure room" do — and sends it back changed.

// Form is a data form (XEP-0004) to fill in.
type Form struct {
	Title, Instructions string
	Fields              []FormField
}

// FormField is one field of a Form: Type as XEP-0004 names it ("boolean",
// "fixed", "hidden", "jid-multi", "jid-single", "list-multi",
// "list-single", "text-multi", "text-private", "text-single"); a
// boolean's Values is "1" or "0".
type FormField struct {
	Var, Type, Label, Desc string
	Values                 []string
	Options                []FormOption
	Required               bool
}

// FormOption is one choice of a list field.
type FormOption struct{ Label, Value string }

// RoomConfigurer is what a Backend that can change a room's settings
// offers. Called off the UI goroutine; may block.
type RoomConfigurer interface {
	RoomConfig(ctx context.Context, room string) (Form, error)
	SetRoomConfig(ctx context.Context, room string, f Form) error
}

func (a *Pane) roomConfigurer() RoomConfigurer {
	r, _ := a.backend.(RoomConfigurer)
	return r
}

// showRoomConfig asks the room for its form and shows it.
func (a *Pane) showRoomConfig(room string) {
	rc := a.roomConfigurer()
	a.async(func() {
		f, err := rc.RoomConfig(a.ctx, room)
		a.do(func() {
			if err != nil {
				showError(a.win, err, nil)
				return
			}
			a.editRoomConfig(room, f)
		})
	})
}

// editRoomConfig shows f, room's settings, to change; Save sends it back
// (an error brings the dialog back with what was changed).
func (a *Pane) editRoomConfig(room string, f Form) {
	// One field under another, its label above it and its description
	// below, both wrapped (a two-column form ran off a narrow window:
	// prosody's labels and descriptions are long).
	var rows []fyne.CanvasObject
	var entries []*dialogEntry
	var collect []func() // each writes its widget's value back into f
	wrapped := func(text string, style fyne.TextStyle) *widget.Label {
		l := widget.NewLabel(text)
		l.Wrapping, l.TextStyle = fyne.TextWrapWord, style
		return l
	}
	for i := range f.Fields {
		fd := &f.Fields[i]
		label := fd.Label
		if label == "" {
			label = fd.Var
		}
		if fd.Required {
			label += " *"
		}
		var w fyne.CanvasObject
		switch fd.Type {
		case "hidden":
			continue
		case "fixed":
			if t := strings.TrimSpace(strings.Join(fd.Values, "\n")); t != "" {
				h := widget.NewLabel(t)
				h.TextStyle, h.Importance, h.Wrapping = fyne.TextStyle{Bold: true}, widget.HighImportance, fyne.TextWrapWord
				rows = append(rows, h)
			}
			continue
		case "boolean":
			c := newDialogCheck(label, nil)
			c.SetChecked(len(fd.Values) > 0 && fd.Values[0] == "1")
			collect = append(collect, func() {
				fd.Values = []string{"0"}
				if c.Checked {
					fd.Values[0] = "1"
				}
			})
			label, w = "", c // the check box says it
		case "list-single":
			labels := make([]string, len(fd.Options))
			for j, o := range fd.Options {
				labels[j] = optionLabel(o)
			}
			s := newDialogSelect(labels, nil)
			for j, o := range fd.Options {
				if len(fd.Values) > 0 && o.Value == fd.Values[0] {
					s.SetSelectedIndex(j)
				}
			}
			collect = append(collect, func() {
				if j := s.SelectedIndex(); j >= 0 {
					fd.Values = []string{fd.Options[j].Value}
				}
			})
			w = s
		case "list-multi":
			var boxes []fyne.CanvasObject
			for _, o := range fd.Options {
				c := newDialogCheck(optionLabel(o), nil)
				c.SetChecked(slices.Contains(fd.Values, o.Value))
				boxes = append(boxes, c)
			}
			collect = append(collect, func() {
				fd.Values = nil
				for j, b := range boxes {
					if b.(*dialogCheck).Checked {
						fd.Values = append(fd.Values, fd.Options[j].Value)
					}
				}
			})
			w = container.NewVBox(boxes...)
		case "text-multi", "jid-multi":
			e := newDialogEntry()
			e.MultiLine, e.Wrapping = true, fyne.TextWrapWord
			e.SetText(strings.Join(fd.Values, "\n"))
			e.SetMinRowsVisible(3)
			collect = append(collect, func() { fd.Values = nonEmptyLines(e.Text) })
			w = e
		default: // text-single, text-private, jid-single, and any other
			e := newDialogEntry()
			if fd.Type == "text-private" {
				e = newDialogPasswordEntry()
			}
			e.SetText(strings.Join(fd.Values, ""))
			entries = append(entries, e)
			collect = append(collect, func() {
				fd.Values = nil
				if t := strings.TrimSpace(e.Text); t != "" {
					fd.Values = []string{t}
				}
			})
			w = e
		}
		if label != "" {
			rows = append(rows, wrapped(label, fyne.TextStyle{Bold: true}))
		}
		rows = append(rows, w)
		if fd.Desc != "" && fd.Desc != fd.Label {
			d := wrapped(fd.Desc, fyne.TextStyle{Italic: true})
			d.Importance = widget.LowImportance
			rows = append(rows, d)
		}
	}
	var top []fyne.CanvasObject
	if f.Instructions != "" {
		top = append(top, wrapped(f.Instructions, fyne.TextStyle{}))
	}
	body := container.NewBorder(container.NewVBox(top...), nil, nil, nil, container.NewVScroll(container.NewVBox(rows...)))
	var d dialog.Dialog
	save := func() {
		for _, c := range collect {
			c()
		}
		d.Hide()
		a.saveRoomConfig(room, f)
	}
	d = dialog.NewCustomConfirm("Settings of "+room, "Save", "Cancel", body, func(ok bool) {
		if ok {
			save()
		}
	}, a.win)
	for _, e := range entries {
		e.OnSubmitted = func(string) { save() }
	}
	d.Resize(a.dialogSize())
	showDialogKeys(a.win, d, nil, save, entries...)
	if len(entries) > 0 {
		a.win.Canvas().Focus(entries[0])
	}
}

// saveRoomConfig sends f to room off the UI goroutine; an error is shown,
// then the dialog again with f as changed.
func (a *Pane) saveRoomConfig(room string, f Form) {
	rc := a.roomConfigurer()
	a.async(func() {
		err := rc.SetRoomConfig(a.ctx, room, f)
		a.do(func() {
			if err != nil {
				a.showErrorThen(fmt.Errorf("the settings of %s were not saved: %w", room, err), func() { a.editRoomConfig(room, f) })
				return
			}
			a.addNote(room, "Room settings saved.")
		})
	})
}

// optionLabel is how a list option is shown: its label, else its value.
func optionLabel(o FormOption) string {
	if o.Label != "" {
		return o.Label
	}
	return o.Value
}

// nonEmptyLines is text's lines, trimmed, without the empty ones.
func nonEmptyLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
