package ui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// An address that opens a text keeps its case: "Alice@…" would be
// another address to a reader.
func TestSentenceNeverCapitalisesAnAddress(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"could not connect", "Could not connect."},
		{"alice@example.org: item-not-found", "alice@example.org: item-not-found."},
		{"i2p.rocks did not answer", "i2p.rocks did not answer."},
		{"xmpp:bob@x.i2p is not valid", "xmpp:bob@x.i2p is not valid."},
		{"über alles", "Über alles."},
		{"Done!", "Done!"},
		{"", ""},
	} {
		if got := sentence(c.in); got != c.want {
			t.Errorf("sentence(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The error dialog shows an error that starts with an address as it is
// (Fyne's own dialog.ShowError capitalised it).
func TestErrorDialogKeepsTheAddress(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("t")
	w.Resize(fyne.NewSize(800, 600))
	showError(w, errors.New("alice@example.org: the server says item-not-found"), nil)
	found := false
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "alice@example.org") {
			found = true
		}
		if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "Alice@") {
			t.Fatalf("the dialog capitalised the address: %q", l.Text)
		}
	}
	if !found {
		t.Fatal("the error's text is not in the dialog")
	}
}
