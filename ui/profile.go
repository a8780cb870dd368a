package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// Profiles (XEP-0054's vCard text fields), as Gajim's Profile window and
// Dino's contact details show them: label and value rows, the website a
// link opened only by a click (the same rules as links in messages), the
// last fetched profile at once while a fresh one is asked for.

// ProfileField names one field: Key as the backend knows it, Label as
// people read it.
type ProfileField struct {
	Key, Label string
}

// ContactProfile is a profile: Values by field key ("" or absent: not
// set), None when nothing is published, Fetched when it was read (zero:
// never), Cut the fields shown cut (longer than Clove shows).
type ContactProfile struct {
	Values  map[string]string
	None    bool
	Fetched time.Time
	Cut     []string
}

// Profiler is what a Backend that reads and writes profiles offers. Its
// methods are called off the UI goroutine and may block.
type Profiler interface {
	// ProfileFields lists the fields in the order shown.
	ProfileFields() []ProfileField
	// CachedProfile is the last fetched profile of peer (the account's
	// own when peer is the account); ok false when there is none.
	CachedProfile(ctx context.Context, peer string) (p ContactProfile, ok bool, err error)
	// FetchProfile asks peer's server for their profile now.
	FetchProfile(ctx context.Context, peer string) (ContactProfile, error)
	// SetProfile changes the account's own fields in changes (""
	// removes one); the rest of its vCard (the avatar) stays.
	SetProfile(ctx context.Context, changes map[string]string) (ContactProfile, error)
}

func (a *Pane) profiler() Profiler {
	p, _ := a.backend.(Profiler)
	return p
}

// profileView is the body of a contact's profile dialog: a status line
// over the label/value rows.
type profileView struct {
	a      *Pane
	status *widget.Label
	rows   *fyne.Container
	body   *fyne.Container
}

func (a *Pane) newProfileView() *profileView {
	v := &profileView{a: a, status: widget.NewLabel(""), rows: container.New(layout.NewFormLayout())}
	v.status.Wrapping = fyne.TextWrapWord
	v.status.Importance = widget.LowImportance
	v.body = container.NewVBox(v.rows, v.status)
	return v
}

// show fills the rows from p.
func (v *profileView) show(fields []ProfileField, p ContactProfile) {
	v.rows.RemoveAll()
	for _, f := range fields {
		val := strings.TrimSpace(p.Values[f.Key])
		if val == "" {
			continue
		}
		label := widget.NewLabelWithStyle(f.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		v.rows.Add(label)
		v.rows.Add(v.value(f.Key, val))
	}
	v.rows.Refresh()
}

// value is a field's value: selectable text, or for the website a link
// when the whole value is what a message would show as one (a web, xmpp:
// or I2P address; a click opens it as a link in a message does: an I2P
// site only after saying what it needs).
func (v *profileView) value(key, val string) fyne.CanvasObject {
	if ls := v.a.findLinks(val); key == "url" && len(ls) == 1 && ls[0].start == 0 && ls[0].end == len(val) {
		if u, err := url.Parse(linkURL(val)); err == nil {
			h := widget.NewHyperlink(val, u)
			h.OnTapped = func() { v.a.openLink(val) }
			h.Wrapping = fyne.TextWrapBreak
			return h
		}
	}
	l := widget.NewLabel(val)
	l.Wrapping = fyne.TextWrapWord
	l.Selectable = true
	return l
}

// fetchedText says how old a kept profile is.
func fetchedText(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return "as fetched " + at.Local().Format("2 Jan 2006 15:04")
}

// showProfile opens peer's profile: the kept one at once, then what their
// server says now (bounded by the backend's timeout), or why not.
func (a *Pane) showProfile(peer string) {
	pr := a.profiler()
	if pr == nil {
		return
	}
	v := a.newProfileView()
	v.status.SetText("Asking " + peer + "'s server for their profile…")
	var buttons []fyne.CanvasObject
	if a.encryptor() != nil && !a.isRoom(peer) {
		buttons = append(buttons, widget.NewButton("Encryption keys…", func() { a.showEncryption(peer) }))
	}
	body := container.NewVScroll(container.NewVBox(v.body, container.NewHBox(buttons...)))
	d := dialog.NewCustom("Profile — "+peer, "Close", body, a.win)
	d.Resize(fyne.NewSize(min(520, a.win.Canvas().Size().Width-20), min(440, a.win.Canvas().Size().Height-20)))
	showDialog(a.win, d)
	a.async(func() {
		fields := pr.ProfileFields()
		kept, ok, _ := pr.CachedProfile(a.ctx, peer)
		if ok {
			a.do(func() { v.show(fields, kept) })
		}
		p, err := pr.FetchProfile(a.ctx, peer)
		a.do(func() {
			switch {
			case err != nil && ok:
				v.status.SetText(fmt.Sprintf("Not updated (%v); shown %s.", err, fetchedText(kept.Fetched)))
			case err != nil:
				v.status.SetText("No profile shown: " + err.Error())
			case p.None:
				v.show(fields, p)
				v.status.SetText(peer + " has not published a profile.")
			default:
				v.show(fields, p)
				v.status.SetText(cutText(p.Cut, fields))
			}
			body.Refresh()
			fitDialog(a.win, d, body, body.Content, 520)
		})
	})
}

// showChatProfile opens the open chat's contact's profile (a click on
// the header's avatar); nothing in a room.
func (a *Pane) showChatProfile() {
	if a.chat == nil || a.isRoom(a.chat.peer) || a.profiler() == nil {
		return
	}
	a.showProfile(a.chat.peer)
}

// cutText says which fields are shown cut ("" none).
func cutText(cut []string, fields []ProfileField) string {
	if len(cut) == 0 {
		return ""
	}
	names := make([]string, 0, len(cut))
	for _, k := range cut {
		for _, f := range fields {
			if f.Key == k {
				names = append(names, f.Label)
			}
		}
	}
	return strings.Join(names, ", ") + ": longer than Clove shows, cut."
}

// showMyProfile edits the account's own profile: its fields as its
// server has them, each change saved (only the fields changed; the
// avatar stays). The form scrolls: eleven fields do not fit a small
// window.
func (a *Pane) showMyProfile() {
	pr := a.profiler()
	if pr == nil {
		return
	}
	fields := pr.ProfileFields()
	entries := make(map[string]*dialogEntry, len(fields))
	form := widget.NewForm()
	var list []*dialogEntry
	for _, f := range fields {
		e := newDialogEntry()
		if f.Key == "note" {
			e.MultiLine, e.Wrapping = true, fyne.TextWrapWord
			e.SetMinRowsVisible(3)
		}
		entries[f.Key] = e
		if !e.MultiLine { // Enter in the note is a new line, not Save
			list = append(list, e)
		}
		form.Append(f.Label, e)
	}
	status := widget.NewLabel("Asking your server for your profile…")
	status.Importance = widget.LowImportance
	status.Wrapping = fyne.TextWrapWord
	var loaded map[string]string // nil until read: nothing to save against
	save := func() {
		if loaded == nil {
			showError(a.win, errors.New("your profile could not be read from your server, so nothing was changed"), nil)
			return
		}
		changes := map[string]string{}
		for k, e := range entries {
			if t := strings.TrimSpace(e.Text); t != strings.TrimSpace(loaded[k]) {
				changes[k] = t
			}
		}
		if len(changes) == 0 {
			return
		}
		a.async(func() {
			_, err := pr.SetProfile(a.ctx, changes)
			a.do(func() {
				if err != nil {
					showError(a.win, fmt.Errorf("profile not saved: %w", err), nil)
					return
				}
				a.showNotice("Your profile is saved.")
			})
		})
	}
	body := container.NewVScroll(container.NewVBox(form, status))
	d := dialog.NewCustomConfirm("My profile — "+a.account, "Save", "Cancel", body, func(ok bool) {
		if ok {
			save()
		}
	}, a.win)
	submit := func() { d.Hide(); save() }
	for _, e := range list {
		e.OnSubmitted = func(string) { submit() }
	}
	showDialogKeys(a.win, d, nil, submit, list...)
	fitDialog(a.win, d, body, body.Content, 560)
	a.win.Canvas().Focus(list[0])
	a.async(func() {
		p, err := pr.FetchProfile(a.ctx, a.account)
		a.do(func() {
			if err != nil {
				status.SetText("Your profile could not be read, so it cannot be changed now: " + err.Error())
				return
			}
			loaded = p.Values
			if loaded == nil {
				loaded = map[string]string{}
			}
			for k, e := range entries {
				if e.Text == "" { // what was typed while it loaded stays
					e.SetText(loaded[k])
				}
			}
			status.SetText("What you fill in here is public: anyone who knows your address can read it.")
		})
	})
}
