package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// NoAccountWindow is what Clove shows when the profile has no account yet.
// The first-run wizard is not written yet, and the window says so.
func NoAccountWindow(fa fyne.App, profile string) fyne.Window {
	w := fa.NewWindow("Clove")
	w.SetIcon(Icon())
	title := widget.NewLabel("No account yet")
	title.TextStyle = fyne.TextStyle{Bold: true}
	text := widget.NewLabel("This profile (" + profile + ") has no XMPP account.\n\n" +
		"Add one on the command line, then start Clove again:\n\n" +
		"    clove account add you@example.org --remember\n\n" +
		"A first-run wizard that does this in the window is not written yet;\n" +
		"it comes in a later version.")
	text.Wrapping = fyne.TextWrapWord
	quit := widget.NewButton("Quit", func() { w.Close() })
	w.SetContent(container.NewPadded(container.NewBorder(title, container.NewHBox(quit), nil, nil, text)))
	w.Resize(fyne.NewSize(560, 300))
	return w
}
