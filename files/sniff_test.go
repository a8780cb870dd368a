package files

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"
)

// pngHeader is a PNG's signature and IHDR claiming w×h: all DecodeConfig
// reads, and all a bomb needs.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	return join(pngSignature, chunk("IHDR", string(ihdr)), chunk("IDAT", "x"))
}

// jpegSized patches the frame header of a real JPEG to claim w×h.
func jpegSized(t *testing.T, w, h uint16) []byte {
	j := bytes.Clone(encodeJPEG(t))
	i := bytes.Index(j, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0 in the test JPEG")
	}
	binary.BigEndian.PutUint16(j[i+5:], h)
	binary.BigEndian.PutUint16(j[i+7:], w)
	return j
}

func gifSized(t *testing.T, w, h uint16) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 4, 4), []color.Color{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	g := b.Bytes()
	binary.LittleEndian.PutUint16(g[6:], w)
	binary.LittleEndian.PutUint16(g[8:], h)
	return g
}

func TestSniff(t *testing.T) {
	t.Parallel()
	bigExif := join(encodeJPEG(t)[:2], segment(0xe1, strings.Repeat("E", 65000)), segment(0xe2, strings.Repeat("I", 65000)), encodeJPEG(t)[2:])
	for _, tc := range []struct {
		name     string
		in       []byte
		mime     string
		tooLarge bool
		notImage bool
	}{
		{"png", encodePNG(t), "image/png", false, false},
		{"jpeg", encodeJPEG(t), "image/jpeg", false, false},
		{"jpeg after 130 KB of metadata", bigExif, "image/jpeg", false, false},
		{"gif", gifSized(t, 4, 4), "image/gif", false, false},
		{"png 8192×4096", pngHeader(8192, 4096), "image/png", false, false},
		{"png 8193×10", pngHeader(8193, 10), "image/png", true, false},
		{"png 10×8193", pngHeader(10, 8193), "image/png", true, false},
		{"png 7000×7000 (49 MP)", pngHeader(7000, 7000), "image/png", true, false},
		{"png bomb 50000×50000", pngHeader(50000, 50000), "image/png", true, false},
		// image/png itself refuses this one (dimension overflow): still refused.
		{"png 2^31×2^31", pngHeader(1<<31-1, 1<<31-1), "image/png", false, true},
		{"jpeg bomb 50000×50000", jpegSized(t, 50000, 50000), "image/jpeg", true, false},
		{"gif bomb 65535×65535", gifSized(t, 65535, 65535), "image/gif", true, false},
		{"png without IHDR", pngSignature, "image/png", false, true},
		{"png 0×0", pngHeader(0, 0), "image/png", false, true},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "image/webp", false, true},
		{"text", []byte("hello, world"), "text/plain; charset=utf-8", false, false},
		{"empty", nil, "text/plain; charset=utf-8", false, false},
		{"pdf", []byte("%PDF-1.7\n"), "application/pdf", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mime, err := Sniff(bytes.NewReader(tc.in))
			if mime != tc.mime {
				t.Errorf("mime %q, want %q", mime, tc.mime)
			}
			if errors.Is(err, ErrImageTooLarge) != tc.tooLarge || errors.Is(err, ErrNotImage) != tc.notImage {
				t.Fatalf("err = %v; want too large %v, not image %v", err, tc.tooLarge, tc.notImage)
			}
			if !tc.tooLarge && !tc.notImage && err != nil {
				t.Fatal(err)
			}
		})
	}
}
