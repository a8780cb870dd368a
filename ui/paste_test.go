package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Ctrl+V in a contact's chat: text on the clipboard is pasted as text; a
// picture is shown in a dialog that asks before sending it, and Send
// sends it as the paperclip does (a file with the picture's bytes, gone
// once sent); Cancel sends nothing.
func TestPastingAPictureSendsIt(t *testing.T) {
	b := filesChat(t)
	a, _ := newTestApp(t, b)
	pump := backgroundUploads(a)
	var mu sync.Mutex
	var clip []byte
	a.shell.SetClipboardImage(func(ctx context.Context, max int64) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		return clip, nil
	})
	setClip := func(b []byte) { mu.Lock(); clip = b; mu.Unlock() }
	selectContact(t, a, "bob@example.org")
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); !ok(); pump() {
			if time.Now().After(end) {
				t.Fatalf("waited 5 s for %s; the window shows %q", what, rendered(a))
			}
		}
	}
	paste := func() {
		a.win.Canvas().Focus(a.composer)
		a.composer.TypedShortcut(&fyne.ShortcutPaste{Clipboard: a.fa.Clipboard()})
	}
	dialogShown := func() bool {
		found := false
		for _, o := range a.win.Canvas().Overlays().List() {
			walkShown(o, func(x fyne.CanvasObject) {
				if l, ok := x.(*widget.Label); ok && strings.HasPrefix(l.Text, "A picture from the clipboard") {
					found = true
				}
			})
		}
		return found
	}

	a.fa.Clipboard().SetContent("just text")
	paste()
	waitFor("the text pasted", func() bool { return a.composer.Text == "just text" })
	if dialogShown() {
		t.Fatal("text on the clipboard asked to send a picture")
	}

	a.composer.SetText("")
	pic := twoColours(t, 200, 100)
	setClip(pic)
	paste()
	waitFor("the picture's dialog", dialogShown)
	test.Tap(findButtonIn(t, a.win, "Cancel"))
	pump()
	if b.uploads() != 0 || a.composer.Text != "" {
		t.Fatalf("Cancel: %d uploads, composer %q", b.uploads(), a.composer.Text)
	}

	gate := make(chan struct{})
	b.set(gate, nil)
	paste()
	waitFor("the picture's dialog again", dialogShown)
	// Send has the focus: Enter sends.
	focused, ok := a.win.Canvas().Focused().(*dialogButton)
	if !ok || focused.Text != "Send" {
		t.Fatalf("the focus is on %T, not Send", a.win.Canvas().Focused())
	}
	focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitFor("the upload", func() bool { return b.uploads() == 1 })
	b.fmu.Lock()
	path := b.sentPath[0]
	b.fmu.Unlock()
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, pic) || !strings.HasPrefix(filepath.Base(path), "pasted-") || filepath.Ext(path) != ".png" {
		t.Fatalf("sent %s: %d bytes (%v), want the clipboard's %d", path, len(got), err, len(pic))
	}
	mustShow(t, a, "Sending "+filepath.Base(path))
	close(gate)
	waitFor("the picture's message", func() bool { return len(a.transferRows) == 0 })
	waitFor("the pasted file removed", func() bool { _, err := os.Stat(filepath.Dir(path)); return os.IsNotExist(err) })
	if a.composer.Text != "" {
		t.Errorf("the composer after pasting a picture: %q", a.composer.Text)
	}
}
