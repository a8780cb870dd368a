package ui

import (
	"bytes"
	"image/png"
	"testing"

	"fyne.io/fyne/v2"
)

// The windows' icon is the 128×128 copy (decoded and sent to the X server
// before each window is mapped), the tray's the 64×64 one.
func TestIconSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		res  fyne.Resource
		side int
	}{{"window", Icon(), 128}, {"tray", TrayIcon(), 64}} {
		img, err := png.Decode(bytes.NewReader(c.res.Content()))
		if err != nil {
			t.Fatalf("%s icon: %v", c.name, err)
		}
		if b := img.Bounds(); b.Dx() != c.side || b.Dy() != c.side {
			t.Errorf("%s icon is %dx%d, want %dx%d", c.name, b.Dx(), b.Dy(), c.side, c.side)
		}
	}
}
