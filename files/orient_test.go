package files

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifSegment is an APP1 EXIF segment as a phone writes one: IFD0 with
// Make, Model and Orientation (in that tag order) and a GPS pointer, the
// GPS IFD holding secret, in the byte order bo.
func exifSegment(bo byteOrder, orientation int) []byte {
	var tiff []byte
	if bo == binary.LittleEndian {
		tiff = append(tiff, 'I', 'I')
	} else {
		tiff = append(tiff, 'M', 'M')
	}
	tiff = bo.AppendUint16(tiff, 42)
	tiff = bo.AppendUint32(tiff, 8)
	const n = 4
	strs := 8 + 2 + 12*n + 4 // where the strings go
	entry := func(tag, typ uint16, count, value uint32) {
		tiff = bo.AppendUint16(tiff, tag)
		tiff = bo.AppendUint16(tiff, typ)
		tiff = bo.AppendUint32(tiff, count)
		tiff = bo.AppendUint32(tiff, value)
	}
	tiff = bo.AppendUint16(tiff, n)
	entry(0x010f, 2, 8, uint32(strs))    // Make
	entry(0x0110, 2, 8, uint32(strs+8))  // Model
	entry(0x0112, 3, 1, 0)               // Orientation, set below
	entry(0x8825, 4, 1, uint32(strs+16)) // GPS IFD
	bo.PutUint16(tiff[8+2+12*2+8:], uint16(orientation))
	tiff = bo.AppendUint32(tiff, 0)
	tiff = append(tiff, "PhoneCo\x00Model 9\x00"...)
	tiff = bo.AppendUint16(tiff, 1)
	entry(0x0002, 2, uint32(len(secret)), uint32(len(tiff)+12+4))
	tiff = bo.AppendUint32(tiff, 0)
	tiff = append(tiff, secret...)
	return segment(0xe1, exifHeader+string(tiff))
}

// markedImage is 32×16, white with a red 8×4 block at the top left, so
// where the block ends up tells how the picture was turned.
func markedImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 32, 16))
	for y := range 16 {
		for x := range 32 {
			c := color.RGBA{255, 255, 255, 255}
			if x < 8 && y < 4 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0xc000 && g < 0x6000 && b < 0x6000
}

// A sideways phone photo (Orientation 6, both byte orders) loses its
// EXIF but for a minimal one with the orientation; it reads back as 6,
// and shown it stands upright: 16×32, the stored top-left block at the
// top right.
func TestStripKeepsOrientation(t *testing.T) {
	t.Parallel()
	var orig bytes.Buffer
	if err := jpeg.Encode(&orig, markedImage(), &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	o := orig.Bytes()
	app0 := segment(0xe0, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		photo := join(o[:2], app0, exifSegment(bo, 6), segment(0xe1, "http://ns.adobe.com/xap/1.0/\x00"+secret), o[2:])
		if got := JPEGOrientation(bytes.NewReader(photo)); got != 6 {
			t.Fatalf("%v: the photo's orientation reads %d", bo, got)
		}
		var out bytes.Buffer
		if err := StripMetadata(&out, bytes.NewReader(photo), "image/jpeg"); err != nil {
			t.Fatal(err)
		}
		want := join(o[:2], app0, orientationAPP1(6), o[2:])
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("%v: stripped %d bytes, want the original with APP0 and the 36-byte orientation (%d)", bo, out.Len(), len(want))
		}
		if bytes.Contains(out.Bytes(), []byte("48.8584")) || bytes.Contains(out.Bytes(), []byte("PhoneCo")) {
			t.Fatalf("%v: metadata left", bo)
		}
		if got := JPEGOrientation(bytes.NewReader(out.Bytes())); got != 6 {
			t.Fatalf("%v: the stripped photo's orientation reads %d", bo, got)
		}
		img, err := jpeg.Decode(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		up := Orient(img, 6)
		if b := up.Bounds(); b.Dx() != 16 || b.Dy() != 32 {
			t.Fatalf("shown %v, want 16×32", b)
		}
		if !isRed(up.At(14, 1)) || isRed(up.At(1, 1)) || isRed(up.At(14, 30)) {
			t.Errorf("%v: the red block is not at the top right once turned", bo)
		}
	}
	// Upright (1) needs nothing: no EXIF at all.
	var out bytes.Buffer
	if err := StripMetadata(&out, bytes.NewReader(join(o[:2], exifSegment(binary.BigEndian, 1), o[2:])), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), o) {
		t.Errorf("orientation 1: %d bytes, want the original %d", out.Len(), len(o))
	}
}

// Each orientation puts the stored top-left pixel where EXIF says.
func TestOrient(t *testing.T) {
	t.Parallel()
	img := markedImage() // 32×16; the block is 8×4
	for _, tc := range []struct {
		o      int
		w, h   int
		corner image.Point // a point inside where the block must be
	}{
		{1, 32, 16, image.Pt(1, 1)}, {2, 32, 16, image.Pt(30, 1)}, {3, 32, 16, image.Pt(30, 14)},
		{4, 32, 16, image.Pt(1, 14)}, {5, 16, 32, image.Pt(1, 1)}, {6, 16, 32, image.Pt(14, 1)},
		{7, 16, 32, image.Pt(14, 30)}, {8, 16, 32, image.Pt(1, 30)}, {0, 32, 16, image.Pt(1, 1)}, {9, 32, 16, image.Pt(1, 1)},
	} {
		got := Orient(img, tc.o)
		b := got.Bounds()
		if b.Dx() != tc.w || b.Dy() != tc.h || !isRed(got.At(tc.corner.X, tc.corner.Y)) {
			t.Errorf("orientation %d: %v, red at %v: %v", tc.o, b, tc.corner, isRed(got.At(tc.corner.X, tc.corner.Y)))
		}
		red := 0
		for y := range tc.h {
			for x := range tc.w {
				if isRed(got.At(x, y)) {
					red++
				}
			}
		}
		if red != 32 {
			t.Errorf("orientation %d: %d red pixels, want 32", tc.o, red)
		}
	}
}

// Broken EXIF gives upright, never a panic.
func TestExifOrientationBroken(t *testing.T) {
	t.Parallel()
	good := exifSegment(binary.LittleEndian, 8)[4:]
	if got := exifOrientation(good); got != 8 {
		t.Fatalf("good EXIF: %d", got)
	}
	for i := range len(good) {
		exifOrientation(good[:i])
	}
	for _, bad := range [][]byte{
		[]byte("Exif\x00\x00XX\x00\x2a\x00\x00\x00\x08"),
		[]byte("Exif\x00\x00II\x2a\x00\xff\xff\xff\xff"),
		[]byte("Exif\x00\x00MM\x00\x2b\x00\x00\x00\x08\x00\x00"),
		good[:20],
	} {
		if got := exifOrientation(bad); got != OrientationNormal {
			t.Errorf("%q: %d", bad, got)
		}
	}
	if got := JPEGOrientation(bytes.NewReader([]byte("not a jpeg"))); got != OrientationNormal {
		t.Errorf("not a JPEG: %d", got)
	}
}
