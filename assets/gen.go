//go:build ignore

// gen draws clove.png (256×256, the packaged app's icon), clove-window.png
// (128×128, the windows' icon) and clove-tray.png (64×64, the tray's copy):
// a clove bud (round head on four sepals) on a tapering stem, anti-aliased
// by supersampling (4×4 samples per 256th of the design). Run: go run gen.go
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

type shape struct {
	in  func(x, y float64) bool
	col color.NRGBA
}

func circle(cx, cy, r float64) func(x, y float64) bool {
	return func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
}

func ellipse(cx, cy, rx, ry float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		dx, dy := (x-cx)/rx, (y-cy)/ry
		return dx*dx+dy*dy <= 1
	}
}

// poly reports whether a point is inside the polygon (even-odd rule).
func poly(pts ...[2]float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		in := false
		for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
			a, b := pts[i], pts[j]
			if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
				in = !in
			}
		}
		return in
	}
}

func main() {
	for _, f := range []struct {
		name string
		size int
	}{{"clove.png", 256}, {"clove-window.png", 128}, {"clove-tray.png", 64}} {
		draw(f.name, f.size)
	}
}

// draw paints the icon at size×size pixels into the file name; the shapes
// are drawn on a 256×256 design.
func draw(name string, size int) {
	stem := color.NRGBA{0x6b, 0x3e, 0x22, 0xff}
	sepal := color.NRGBA{0x8a, 0x4b, 0x26, 0xff}
	head := color.NRGBA{0xb5, 0x65, 0x35, 0xff}
	light := color.NRGBA{0xd9, 0x8c, 0x5a, 0xff}
	shapes := []shape{ // painted in order
		{poly([2]float64{108, 112}, [2]float64{148, 112}, [2]float64{134, 236}, [2]float64{122, 236}), stem},
		{circle(128, 236, 6), stem},
		{poly([2]float64{80, 118}, [2]float64{62, 70}, [2]float64{106, 104}), sepal},
		{poly([2]float64{176, 118}, [2]float64{194, 70}, [2]float64{150, 104}), sepal},
		{poly([2]float64{100, 112}, [2]float64{96, 62}, [2]float64{124, 100}), sepal},
		{poly([2]float64{156, 112}, [2]float64{160, 62}, [2]float64{132, 100}), sepal},
		{ellipse(128, 114, 54, 18), sepal},
		{circle(128, 68, 36), head},
		{circle(116, 56, 11), light},
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	ss := 4 * 256 / size // samples per pixel side
	k := 256 / float64(size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/float64(ss)) * k
					y := (float64(py) + (float64(sy)+0.5)/float64(ss)) * k
					for i := len(shapes) - 1; i >= 0; i-- {
						if shapes[i].in(x, y) {
							c := shapes[i].col
							r, g, b, a = r+float64(c.R), g+float64(c.G), b+float64(c.B), a+1
							break
						}
					}
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a)), G: uint8(math.Round(g / a)), B: uint8(math.Round(b / a)),
				A: uint8(math.Round(255 * a / float64(ss*ss))),
			})
		}
	}
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
