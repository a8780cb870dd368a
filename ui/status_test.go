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
	if got := fs.last(); got != "away|" {
		t.Errorf("sent %q; want away", got)
	}
	a.showStatusMessage()
	e := searchEntry(t, a)
	test.Type(e, "back at 3")
	e.OnSubmitted(e.Text) // Enter sets it
	mustShow(t, a, "Away: back at 3")
	if got := fs.last(); got != "away|back at 3" {
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
