package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// shownRow is the row of the open chat that shows body (it must be in
// view).
func shownRow(t *testing.T, a *Pane, body string) *messageRow {
	t.Helper()
	var row *messageRow
	walkShown(a.msgList, func(o fyne.CanvasObject) {
		if r, ok := o.(*messageRow); ok && r.body.Text == body {
			row = r
		}
	})
	if row == nil {
		t.Fatalf("no row shows %q", body)
	}
	return row
}

// A message's text is selected by dragging over it, and Ctrl+C copies what
// is selected (words of the body, not the whole row).
func TestDraggingOverABodySelectsItAndCtrlCCopies(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	selectContact(t, a, "bob@example.org")
	row := shownRow(t, a, "message 2")
	c := a.win.Canvas()
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(row.body)
	mid := row.body.Size().Height / 2
	word := fyne.MeasureText("message", a.msgList.Theme().Size("text"), fyne.TextStyle{}).Width
	pad := a.msgList.Theme().Size("innerPadding")
	// From before the first letter to just past "message" (test.Drag
	// takes where the drag ends and how far it went).
	end := at.Add(fyne.NewPos(pad+word+1, mid))
	test.Drag(c, end, word+2, 0)
	if got := row.body.SelectedText(); got != "message" {
		t.Fatalf("selected %q, want %q", got, "message")
	}
	sc, ok := c.Focused().(fyne.Shortcutable)
	if !ok {
		t.Fatalf("the focused object after the drag is %T, not one that takes Ctrl+C", c.Focused())
	}
	sc.TypedShortcut(&fyne.ShortcutCopy{Clipboard: fyne.CurrentApp().Clipboard()})
	if got := fyne.CurrentApp().Clipboard().Content(); got != "message" {
		t.Errorf("the clipboard holds %q after Ctrl+C, want %q", got, "message")
	}
}
