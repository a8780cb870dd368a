package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// sidewaysJPEG is twoColours (red left, blue right) as a JPEG whose EXIF
// says Orientation 6: a phone held upright stored it lying on its side,
// so shown right it is red on top, blue below.
func sidewaysJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(twoColours(t, w, h)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// APP1: "Exif\0\0", big-endian TIFF, IFD0 with Orientation (SHORT) = 6.
	exif := []byte{0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0}
	return append(append(append([]byte(nil), b[:2]...), exif...), b[2:]...)
}

func redish(c color.Color) bool {
	r, _, b, _ := c.RGBA()
	return r > 0x8000 && b < 0x6000
}

// A sideways photo's thumbnail in its row stands upright: taller than
// wide, fitted to the row's box, red on top.
func TestASidewaysPhotoShowsUpright(t *testing.T) {
	b := filesChat(t)
	b.files[secretURL] = sidewaysJPEG(t, 400, 300)
	a, pending := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	runLater(pending)
	row := fileRow(t, a, "photo.png")
	img := row.file.thumb.img.Image
	if img == nil {
		t.Fatal("no thumbnail")
	}
	bd := img.Bounds()
	if bd.Dx() != 180 || bd.Dy() != 240 {
		t.Fatalf("thumbnail %v, want 180×240 (300×400 upright, fitted to %d×%d)", bd, thumbW, thumbH)
	}
	top, bottom := img.At(bd.Min.X+90, bd.Min.Y+20), img.At(bd.Min.X+90, bd.Max.Y-20)
	if !redish(top) || redish(bottom) {
		t.Errorf("top %v, bottom %v: want red on top, blue below", top, bottom)
	}
	// The full view turns the whole picture the same way.
	full, o, err := decodePicture(b.files[secretURL])
	if err != nil || o != 6 || full.Bounds() != image.Rect(0, 0, 400, 300) {
		t.Fatalf("decodePicture: %v, orientation %d, %v", full.Bounds(), o, err)
	}
}
