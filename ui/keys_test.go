package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The shortcuts reach the pane from the composer and the filter (entries
// take shortcuts first) as from the window.
func TestKeyboardShortcuts(t *testing.T) {
	a, _ := newTestApp(t, &fakeSearcher{fakeBackend: threeContacts()})
	open := func() string {
		if a.chat == nil {
			return ""
		}
		return a.chat.peer
	}
	// Alt+Down with no chat open: the first; then the next, wrapping.
	a.shortcut(keyDown)
	if open() != "alice@example.org" {
		t.Fatalf("Alt+Down opened %q", open())
	}
	a.composer.TypedShortcut(keyNext) // Ctrl+Tab, typed in the composer
	if open() != "bob@example.org" {
		t.Fatalf("Ctrl+Tab opened %q", open())
	}
	a.composer.TypedShortcut(keyUp)
	a.composer.TypedShortcut(keyPrev)
	if open() != "carol@example.net" {
		t.Fatalf("Alt+Up then Ctrl+Shift+Tab from bob opened %q, want the last, wrapped", open())
	}
	// Ctrl+K, a few letters, Enter: that chat, the composer focused.
	a.composer.TypedShortcut(keyFilter)
	if a.win.Canvas().Focused() != a.filter {
		t.Fatalf("Ctrl+K focused %v", a.win.Canvas().Focused())
	}
	test.Type(a.filter, "bo")
	a.filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if open() != "bob@example.org" || a.win.Canvas().Focused() != a.composer {
		t.Fatalf("filter + Enter opened %q, focus on %v", open(), a.win.Canvas().Focused())
	}
	if a.filter.Text != "" || len(a.shown) != 3 {
		t.Errorf("after Enter the filter holds %q, %d contacts shown", a.filter.Text, len(a.shown))
	}
	a.composer.TypedShortcut(keyDown)
	if open() != "carol@example.net" {
		t.Fatalf("Alt+Down after the filter opened %q", open())
	}
	a.composer.TypedShortcut(keyUp)
	// Ctrl+F: the search of the open chat; Ctrl+W closes the chat.
	a.composer.TypedShortcut(keySearch)
	searchEntry(t, a) // the search dialog is open
	for _, o := range a.win.Canvas().Overlays().List() {
		a.win.Canvas().Overlays().Remove(o)
	}
	a.filter.TypedShortcut(keyClose)
	if open() != "" {
		t.Errorf("Ctrl+W left %q open", open())
	}
	// Copy and paste still reach the composer.
	a.composer.SetText("some text")
	a.composer.TypedShortcut(&fyne.ShortcutSelectAll{})
	if a.composer.SelectedText() != "some text" {
		t.Errorf("Ctrl+A in the composer selected %q", a.composer.SelectedText())
	}
	if a.composer.AcceptsTab() {
		t.Error("Tab types into the composer instead of leaving it")
	}
}
