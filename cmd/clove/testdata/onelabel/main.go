// Command onelabel is the smallest Fyne window: one label, the size of
// Clove's. BenchmarkGUISideBySide measures it next to Clove and
// Pidgin: the floor of what any Fyne app costs here (GLFW, OpenGL on
// Mesa, fonts), below which Clove's own work cannot go.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("org.clove.bench.onelabel")
	w := a.NewWindow("One label")
	w.SetContent(widget.NewLabel("hello"))
	w.Resize(fyne.NewSize(900, 600))
	w.ShowAndRun()
}
