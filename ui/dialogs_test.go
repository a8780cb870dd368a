package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// press types key as the window's driver does: to the focused widget, or
// to the canvas with nothing focused.
func press(win fyne.Window, key fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: key}
	if f := win.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
	} else if h := win.Canvas().OnTypedKey(); h != nil {
		h(ev)
	}
}

// typeFocused types s into the focused widget.
func typeFocused(t *testing.T, win fyne.Window, s string) {
	t.Helper()
	f := win.Canvas().Focused()
	if f == nil {
		t.Fatal("nothing has the focus")
	}
	test.Type(f, s)
}

// Enter submits every form dialog and Escape closes every dialog, with the
// text typed in it or nothing focused (a confirmation, an error).
func TestDialogsEnterSubmitsEscapeCloses(t *testing.T) {
	type result struct{ added, renamed, joined, removed, password string }
	for _, tc := range []struct {
		name  string
		open  func(a *Pane, r *fakeRooms, got *result)
		typed string
		key   fyne.KeyName
		want  result
	}{
		{"add contact, Enter", func(a *Pane, _ *fakeRooms, _ *result) { a.showAddContact("", "") }, "dave@example.org", fyne.KeyReturn, result{added: "dave@example.org"}},
		{"add contact, Escape", func(a *Pane, _ *fakeRooms, _ *result) { a.showAddContact("", "") }, "dave@example.org", fyne.KeyEscape, result{}},
		{"rename, Enter", func(a *Pane, _ *fakeRooms, _ *result) { a.showRename("bob@example.org", "") }, "Bobby", fyne.KeyReturn, result{renamed: "Bobby"}},
		{"rename, Escape", func(a *Pane, _ *fakeRooms, _ *result) { a.showRename("bob@example.org", "") }, "Bobby", fyne.KeyEscape, result{}},
		{"join room, Enter", func(a *Pane, _ *fakeRooms, _ *result) { a.showJoinRoom("", "", false) }, lounge, fyne.KeyReturn, result{joined: lounge + ` as "" create=false`}},
		{"join room, Escape", func(a *Pane, _ *fakeRooms, _ *result) { a.showJoinRoom("", "", false) }, lounge, fyne.KeyEscape, result{}},
		{"password, Enter", func(a *Pane, _ *fakeRooms, got *result) {
			a.AskPassword(RememberOffer{}, func(pw string, _, ok bool) { got.password = map[bool]string{true: pw, false: "cancelled"}[ok] })
		}, "s3cret", fyne.KeyReturn, result{password: "s3cret"}},
		{"password, Escape", func(a *Pane, _ *fakeRooms, got *result) {
			a.AskPassword(RememberOffer{}, func(pw string, _, ok bool) { got.password = map[bool]string{true: pw, false: "cancelled"}[ok] })
		}, "s3cret", fyne.KeyEscape, result{password: "cancelled"}},
		{"search, Escape", func(a *Pane, _ *fakeRooms, _ *result) { a.showSearch() }, "message", fyne.KeyEscape, result{}},
		{"remove contact, Escape", func(a *Pane, _ *fakeRooms, _ *result) { a.confirmRemovePeer("bob@example.org") }, "", fyne.KeyEscape, result{}},
		{"error, Escape", func(a *Pane, _ *fakeRooms, got *result) {
			showError(a.win, errors.New("you are offline"), func() { got.password = "error read" })
		}, "", fyne.KeyEscape, result{password: "error read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRooms()
			a, _ := newTestApp(t, &roomsSearcher{r, &fakeSearcher{fakeBackend: r.fakeBackend}})
			selectContact(t, a, "bob@example.org")
			var got result
			tc.open(a, r, &got)
			if a.win.Canvas().Overlays().Top() == nil {
				t.Fatal("no dialog shown")
			}
			if tc.typed != "" {
				typeFocused(t, a.win, tc.typed)
			}
			press(a.win, tc.key)
			if top := a.win.Canvas().Overlays().Top(); top != nil {
				t.Errorf("a dialog is still shown after %s: %q", tc.key, overlayTexts(a))
			}
			for _, c := range r.contacts {
				switch {
				case c.JID == "dave@example.org":
					got.added = c.JID
				case c.JID == "bob@example.org" && c.Name == "Bobby":
					got.renamed = c.Name
				}
			}
			if len(r.joined) > 0 {
				got.joined = r.joined[0]
			}
			if len(r.removed) > 0 {
				got.removed = r.removed[0]
			}
			if got != tc.want {
				t.Errorf("after %s: %+v; want %+v", tc.key, got, tc.want)
			}
			// The dialog's Escape handler went with it.
			if h := a.win.Canvas().OnTypedKey(); h != nil {
				t.Error("a key handler was left on the canvas")
			}
		})
	}
}

// roomsSearcher is a backend that edits the roster, joins rooms and
// searches.
type roomsSearcher struct {
	*fakeRooms
	s *fakeSearcher
}

func (r *roomsSearcher) Search(ctx context.Context, peer, query string, limit int) ([]Message, error) {
	return r.s.Search(ctx, peer, query, limit)
}

// The login prompt offers to keep the password as the backend can (the
// keyring ticked; the profile unticked, with its warning) and tells the
// choice.
func TestPasswordPromptOffersToRemember(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	var pw string
	var remember, ok bool
	a.AskPassword(RememberOffer{Label: "No system keyring here: save the password in the profile", Warning: "stored unencrypted in /p/passwords"},
		func(p string, r, o bool) { pw, remember, ok = p, r, o })
	got := strings.Join(overlayTexts(a), "\n")
	for _, want := range []string{"No system keyring here", "stored unencrypted in /p/passwords"} {
		if !strings.Contains(got, want) {
			t.Errorf("the prompt does not say %q: %q", want, got)
		}
	}
	var check *dialogCheck
	var entry *dialogEntry
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *dialogCheck:
				check = x
			case *dialogEntry:
				entry = x
			}
		})
	}
	if check == nil || entry == nil || check.Checked {
		t.Fatalf("the box: %v (ticked: %v), the entry: %v", check != nil, check != nil && check.Checked, entry != nil)
	}
	check.SetChecked(true)
	test.Type(entry, "s3cret")
	entry.OnSubmitted(entry.Text)
	if pw != "s3cret" || !remember || !ok {
		t.Errorf("done got %q remember=%v ok=%v", pw, remember, ok)
	}
}

// Escape closes the join dialog also while its check box has the focus
// (a focused check box takes the keys; Fyne's ignores Escape).
func TestEscapeFromTheJoinDialogsCheckBox(t *testing.T) {
	a, _ := newTestApp(t, &fakeRooms{fakeEditor: &fakeEditor{fakeBackend: threeContacts()}})
	a.showJoinRoom("", "", false)
	var mk *dialogCheck
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if c, ok := o.(*dialogCheck); ok {
				mk = c
			}
		})
	}
	if mk == nil {
		t.Fatal("no check box in the join dialog")
	}
	a.win.Canvas().Focus(mk)
	mk.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := a.win.Canvas().Overlays().Top(); top != nil && top.Visible() {
		t.Error("the join dialog is still open after Escape on its check box")
	}
}

// focusables are the widgets of the dialog on top that can have the focus.
func focusables(a *Pane) []fyne.Focusable {
	var out []fyne.Focusable
	top := a.win.Canvas().Overlays().Top()
	walkShown(top, func(o fyne.CanvasObject) {
		if f, ok := o.(fyne.Focusable); ok {
			if d, ok := o.(fyne.Disableable); !ok || !d.Disabled() {
				out = append(out, f)
			}
		}
	})
	return out
}

// Escape closes every dialog whatever widget has the focus in it (an
// entry, a check box, a radio button, a button — Fyne's own or ours —, a
// list), and Enter on a check box submits a form, on a button presses it.
// overlayButton is the button labelled text in the window's dialogs (not
// in the window under them).
func overlayButton(t *testing.T, a *Pane, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			switch b := o.(type) {
			case *widget.Button:
				if found == nil && b.Text == text {
					found = b
				}
			case *dialogButton:
				if found == nil && b.Text == text {
					found = &b.Button
				}
			}
		})
	}
	if found == nil {
		t.Fatalf("no button %q in a dialog: %q", text, overlayTexts(a))
	}
	return found
}

// everyDialog lists the window's dialogs, each with how to open it on a
// pane showing Bob's chat.
func everyDialog() []namedDialog {
	u, _ := url.Parse("http://stats.i2p/x")
	return []namedDialog{
		{"add contact", func(a *Pane) { a.showAddContact("", "") }},
		{"rename", func(a *Pane) { a.showRename("bob@example.org", "") }},
		{"remove contact", func(a *Pane) { a.confirmRemovePeer("bob@example.org") }},
		{"block", func(a *Pane) { a.confirmBlock("bob@example.org") }},
		{"join room", func(a *Pane) { a.showJoinRoom("", "", false) }},
		{"password", func(a *Pane) { a.AskPassword(RememberOffer{Label: "Remember it"}, func(string, bool, bool) {}) }},
		{"status message", func(a *Pane) { a.showStatusMessage() }},
		{"search", func(a *Pane) { a.showSearch() }},
		{"error", func(a *Pane) { showError(a.win, errors.New("you are offline"), nil) }},
		{"I2P link", func(a *Pane) { a.askI2PLink(u) }},
		{"preferences", func(a *Pane) {
			a.shell.OnForgetPasswords(func() string { return "kept in the keyring" }, func() {})
			a.shell.ShowPreferences()
		}},
		{"remove account", func(a *Pane) { a.shell.confirmRemoveAccount(a) }},
		{"start group", func(a *Pane) { a.showStartGroup("bob@example.org", []string{"bob@example.org"}, "") }},
		{"invite", func(a *Pane) { a.showInvite(lounge, "", "", true) }},
		{"change nick", func(a *Pane) { a.showChangeNick(lounge, "me") }},
		{"change subject", func(a *Pane) { a.showChangeSubject(lounge, "Talk about I2P") }},
		{"room information", func(a *Pane) {
			a.roomInfoDialog(lounge, RoomDetails{Name: "Info desk", Description: "Questions and answers about running a node over I2P", Occupants: 3, AddressesShown: true})
		}},
		{"members", func(a *Pane) {
			a.membersDialog(lounge, []RoomMember{{JID: "alice@example.org", Affiliation: "owner"}, {JID: "bob@example.org", Affiliation: "member", Nick: "Bobby"}})
		}},
		{"emoji", func(a *Pane) { a.showEmojiPicker("Insert emoji", func(string) {}) }},
		{"delete history", func(a *Pane) { a.confirmDeleteChat("bob@example.org") }},
		{"delete for everyone", func(a *Pane) { a.confirmRetract("bob@example.org", a.chat.msgs[1]) }},
		{"message someone", func(a *Pane) { a.showStartChat("") }},
		{"remove from room", func(a *Pane) { a.confirmKick(lounge, "zoe") }},
		{"room settings", func(a *Pane) {
			a.editRoomConfig(lounge, Form{Fields: []FormField{
				{Var: "muc#roomconfig_roomname", Type: "text-single", Label: "Title", Values: []string{"Lounge"}},
				{Var: "muc#roomconfig_roomdesc", Type: "text-single", Label: "Description"},
				{Var: "muc#roomconfig_roomsecret", Type: "text-private", Label: "Password"},
				{Var: "muc#roomconfig_moderatedroom", Type: "boolean", Label: "Moderated (require permission to speak)", Values: []string{"0"}},
				{Var: "muc#roomconfig_membersonly", Type: "boolean", Label: "Only allow members to join", Values: []string{"0"}},
				{Var: "muc#roomconfig_whois", Type: "list-single", Label: "Addresses (JIDs) of room occupants may be viewed by:",
					Values: []string{"moderators"}, Options: []FormOption{{"Moderators only", "moderators"}, {"Anyone", "anyone"}}},
			}})
		}},
	}
}

// Every dialog fits a 420×320 window: nothing in it lies outside the
// window (a scrolled list or entry counts as its frame). Seen before:
// the group start's list and the Preferences' labels ran off its edge.
func TestEveryDialogFitsASmallWindow(t *testing.T) {
	const w, h = 420, 320
	for _, tc := range everyDialog() {
		t.Run(tc.name, func(t *testing.T) {
			r := newRooms()
			a, _ := newTestApp(t, &roomsSearcher{r, &fakeSearcher{fakeBackend: r.fakeBackend}})
			selectContact(t, a, "bob@example.org")
			a.win.Resize(fyne.NewSize(w, h))
			tc.open(a)
			mustFitWindow(t, a)
		})
	}
}

// mustFitWindow fails for each thing in the open dialog that lies outside
// the window.
func mustFitWindow(t *testing.T, a *Pane) {
	t.Helper()
	w, h := a.win.Canvas().Size().Width, a.win.Canvas().Size().Height
	top := a.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog")
	}
	drv := fyne.CurrentApp().Driver()
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		if _, ok := o.(*layout.Spacer); ok {
			return // nothing drawn (Fyne's dialog title bar has one)
		}
		at, sz := drv.AbsolutePositionForObject(o), o.Size()
		if sz.Width > 0 && sz.Height > 0 && (at.X < -0.5 || at.Y < -0.5 || at.X+sz.Width > w+0.5 || at.Y+sz.Height > h+0.5) {
			desc := fmt.Sprintf("%T", o)
			switch x := o.(type) {
			case *canvas.Text:
				desc += " " + strconv.Quote(x.Text)
			case *widget.Label:
				desc += " " + strconv.Quote(x.Text)
			case *dialogCheck:
				desc += " " + strconv.Quote(x.Text)
			}
			t.Errorf("%s at %v, %v: outside the %v×%v window", desc, at, sz, w, h)
			return
		}
		switch x := o.(type) {
		case *container.Scroll, *dialogEntry, *widget.Entry:
			return // it shows a part of what it holds
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	// What the dialog holds (Fyne draws its frame and shadow a little
	// beyond it).
	walk(top.(*widget.PopUp).Content)
}

type namedDialog struct {
	name string
	open func(a *Pane)
}

func TestEscapeClosesEveryDialogFromEveryWidget(t *testing.T) {
	dialogs := everyDialog()
	kinds := map[string]bool{}
	for _, tc := range dialogs {
		t.Run(tc.name, func(t *testing.T) {
			r := newRooms()
			a, _ := newTestApp(t, &roomsSearcher{r, &fakeSearcher{fakeBackend: r.fakeBackend}})
			selectContact(t, a, "bob@example.org")
			tc.open(a)
			n := len(focusables(a))
			if n == 0 {
				t.Fatal("the dialog has nothing to focus")
			}
			noButtonOverAnEntry(t, a)
			for i := 0; i < n; i++ {
				if i > 0 {
					tc.open(a)
				}
				f := focusables(a)[i]
				kind := fmt.Sprintf("%T", f)
				kinds[kind] = true
				a.win.Canvas().Focus(f)
				press(a.win, fyne.KeyEscape)
				if top := a.win.Canvas().Overlays().Top(); top != nil {
					t.Errorf("Escape with the focus on its %s (%d of %d) left the dialog open: %q", kind, i+1, n, overlayTexts(a))
					for a.win.Canvas().Overlays().Top() != nil {
						a.win.Canvas().Overlays().Top().Hide()
					}
				}
			}
			if h := a.win.Canvas().OnTypedKey(); h != nil {
				t.Error("a key handler was left on the canvas")
			}
		})
	}
	for _, k := range []string{"*ui.dialogEntry", "*ui.dialogCheck", "*ui.dialogButton", "*ui.dialogList"} {
		if !kinds[k] {
			t.Errorf("no dialog had a %s to focus (had %v)", k, kinds)
		}
	}
}

// Enter on a form's check box submits the form; on a button it presses
// that button; on the Preferences' check boxes and radio buttons it closes
// them (their one button).
func TestEnterFromEveryKindOfWidget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		open   func(a *Pane)
		focus  string // the text of the widget focused
		joined bool   // the form submitted
	}{
		{"join, its check box", func(a *Pane) { a.showJoinRoom(lounge, "", false) }, "Create it if it does not exist", true},
		{"join, Join", func(a *Pane) { a.showJoinRoom(lounge, "", false) }, "Join", true},
		{"join, Cancel", func(a *Pane) { a.showJoinRoom(lounge, "", false) }, "Cancel", false},
		{"preferences, a radio button", func(a *Pane) { a.shell.ShowPreferences() }, "Dark", false},
		{"preferences, a check box", func(a *Pane) { a.shell.ShowPreferences() }, "Show notifications", false},
		{"preferences, Close", func(a *Pane) { a.shell.ShowPreferences() }, "Close", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRooms()
			a, _ := newTestApp(t, &roomsSearcher{r, &fakeSearcher{fakeBackend: r.fakeBackend}})
			selectContact(t, a, "bob@example.org")
			tc.open(a)
			var target fyne.Focusable
			for _, f := range focusables(a) {
				switch x := f.(type) {
				case *dialogCheck:
					if strings.HasPrefix(x.Text, tc.focus) {
						target = x
					}
				case *dialogButton:
					if x.Text == tc.focus {
						target = x
					}
				}
			}
			if target == nil {
				t.Fatalf("no %q to focus", tc.focus)
			}
			a.win.Canvas().Focus(target)
			press(a.win, fyne.KeyReturn)
			if top := a.win.Canvas().Overlays().Top(); top != nil {
				t.Errorf("Enter on %q left the dialog open: %q", tc.focus, overlayTexts(a))
			}
			if got := len(r.joined) > 0; got != tc.joined {
				t.Errorf("Enter on %q: joined %q, want joined %v", tc.focus, r.joined, tc.joined)
			}
		})
	}
}

// noButtonOverAnEntry fails when a button of the open dialog lies over one
// of its entries: a button swapped into a border layout's side was laid
// out as its centre, over the search box (what was typed was hidden).
func noButtonOverAnEntry(t *testing.T, a *Pane) {
	t.Helper()
	type box struct {
		name     string
		pos, end fyne.Position
	}
	var entries, buttons []box
	d := fyne.CurrentApp().Driver()
	walkShown(a.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		p := d.AbsolutePositionForObject(o)
		b := box{fmt.Sprintf("%T", o), p, p.Add(fyne.NewPos(o.Size().Width, o.Size().Height))}
		switch x := o.(type) {
		case *dialogEntry:
			b.name += " " + x.PlaceHolder
			entries = append(entries, b)
		case *dialogButton:
			b.name += " " + x.Text
			buttons = append(buttons, b)
		case *widget.Button:
			b.name += " " + x.Text
			buttons = append(buttons, b)
		}
	})
	for _, e := range entries {
		for _, b := range buttons {
			if b.pos.X < e.end.X && e.pos.X < b.end.X && b.pos.Y < e.end.Y && e.pos.Y < b.end.Y {
				t.Errorf("the %s (%v–%v) lies over the %s (%v–%v)", b.name, b.pos, b.end, e.name, e.pos, e.end)
			}
		}
	}
}
