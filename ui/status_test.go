package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// fakeStatus records the presences set.
type fakeStatus struct {
	*fakeBackend
	mu  sync.Mutex
	set []string
}

func (f *fakeStatus) SetStatus(_ context.Context, show, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.set = append(f.set, show+"|"+text)
	return nil
}

func (f *fakeStatus) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.set) == 0 {
		return ""
	}
	return f.set[len(f.set)-1]
}

// The status bar's selector sets the presence (Away, then a message) and
// the next start of the window shows and sends the same again.
func TestStatusSelector(t *testing.T) {
	fs := &fakeStatus{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, fs)
	mustShow(t, a, "Available")
	test.Tap(a.statusButton)
	var labels []string
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if x, ok := o.(*canvas.Text); ok && x.Text != "" {
				labels = append(labels, x.Text)
			}
		})
	}
	if got := strings.Join(labels, "|"); got != "Available|Away|Not available|Do not disturb|Status message…" {
		t.Fatalf("the status menu: %q", got)
	}
	a.win.Canvas().Overlays().Top().Hide()
	a.setStatus("away", "")
	mustShow(t, a, "Away")
	if got := waitSent(fs, "away|"); got != "away|" {
		t.Errorf("sent %q; want away", got)
	}
	a.showStatusMessage()
	e := searchEntry(t, a)
	test.Type(e, "back at 3")
	e.OnSubmitted(e.Text) // Enter sets it
	mustShow(t, a, "Away: back at 3")
	if got := waitSent(fs, "away|back at 3"); got != "away|back at 3" {
		t.Errorf("sent %q; want away with the message", got)
	}

	// The next start: the same app (its preferences), a new pane.
	fs2 := &fakeStatus{fakeBackend: threeContacts()}
	b := newPane(NewShell(a.fa), "me@example.org", fs2)
	for deadline := time.Now().Add(5 * time.Second); fs2.last() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the send runs off the UI goroutine
	}
	if got := fs2.last(); got != "away|back at 3" {
		t.Errorf("after a restart the pane sent %q", got)
	}
	if b.statusButton.Text != "Away: back at 3" {
		t.Errorf("after a restart the selector shows %q", b.statusButton.Text)
	}
}

// waitSent waits (5 s at most) until the last presence fs was given is
// want, and returns the last one: the sends run off the UI goroutine, one
// after the other.
func waitSent(fs interface{ last() string }, want string) string {
	for deadline := time.Now().Add(5 * time.Second); fs.last() != want && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	return fs.last()
}

// fakeInvisible is a status setter whose server may offer invisibility.
type fakeInvisible struct {
	*fakeStatus
	can bool
	why string
}

func (f *fakeInvisible) CanBeInvisible() (bool, string) { return f.can, f.why }

// Invisible is offered when the server can do it: chosen, it is sent as
// "invisible", the selector says Invisible (not the message nobody sees),
// and the next start sends it again. Where the server cannot, the entry is
// there but disabled, with the reason, and tapping it changes nothing.
func TestStatusSelectorInvisible(t *testing.T) {
	fi := &fakeInvisible{fakeStatus: &fakeStatus{fakeBackend: threeContacts()}, why: "your server does not offer it"}
	a, _ := newTestApp(t, fi)
	mustShow(t, a, "Available")
	a.setStatus("away", "back at 3")
	mustShow(t, a, "Away: back at 3")

	test.Tap(a.statusButton)
	if got := strings.Join(menuItems(a), "|"); got != "Available|Away|Not available|Do not disturb|Invisible (your server does not offer it)|Status message…" {
		t.Fatalf("the status menu without server support: %q", got)
	}
	tapMenuItem(t, a, "Invisible (your server does not offer it)")
	time.Sleep(50 * time.Millisecond) // a send would run off the UI goroutine
	if got := waitSent(fi, "away|back at 3"); got != "away|back at 3" || a.statusButton.Text != "Away: back at 3" {
		t.Fatalf("a disabled Invisible changed the presence: sent %q, shows %q", got, a.statusButton.Text)
	}
	for _, o := range a.win.Canvas().Overlays().List() {
		o.Hide()
	}

	fi.can, fi.why = true, ""
	test.Tap(a.statusButton)
	if got := strings.Join(menuItems(a), "|"); got != "Available|Away|Not available|Do not disturb|Invisible|Status message…" {
		t.Fatalf("the status menu with server support: %q", got)
	}
	tapMenuItem(t, a, "Invisible")
	mustShow(t, a, "Invisible")
	for deadline := time.Now().Add(5 * time.Second); fi.last() != "invisible|back at 3" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := fi.last(); got != "invisible|back at 3" {
		t.Fatalf("sent %q; want invisible, keeping the message for later", got)
	}

	// The next start: same preferences, a new pane.
	fi2 := &fakeInvisible{fakeStatus: &fakeStatus{fakeBackend: threeContacts()}, can: true}
	b := newPane(NewShell(a.fa), "me@example.org", fi2)
	for deadline := time.Now().Add(5 * time.Second); fi2.last() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := fi2.last(); got != "invisible|back at 3" {
		t.Errorf("after a restart the pane sent %q", got)
	}
	if b.statusButton.Text != "Invisible" {
		t.Errorf("after a restart the selector shows %q", b.statusButton.Text)
	}
}
