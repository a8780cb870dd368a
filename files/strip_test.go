package files

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"testing/iotest"
)

// testImage is a small noisy picture (noise makes the JPEG scan contain
// stuffed 0xFF00 bytes).
func testImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8((x * y * 7919) % 256), 255})
		}
	}
	return img
}

func encodeJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func segment(marker byte, payload string) []byte {
	s := []byte{0xff, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

func chunk(typ, data string) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

const secret = "GPS 48.8584N 2.2945E Serial 1234"

func TestStripJPEG(t *testing.T) {
	t.Parallel()
	orig := encodeJPEG(t)
	app0 := segment(0xe0, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	app14 := segment(0xee, "Adobe\x00\x64\x00\x00\x00\x00\x01")
	// What must stay: the original with APP0 and APP14.
	want := join(orig[:2], app0, app14, orig[2:])
	dirty := join(orig[:2], app0,
		segment(0xe1, "Exif\x00\x00"+secret),
		segment(0xe1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+secret),
		segment(0xe2, "ICC_PROFILE\x00"+secret),
		app14,
		segment(0xed, "Photoshop 3.0\x00"+secret),
		segment(0xfe, secret),
		orig[2:len(orig)-2],
		segment(0xfe, "COMMENT AFTER SCAN"),
		orig[len(orig)-2:],
		[]byte("trailing "+secret))
	var out bytes.Buffer
	if err := StripMetadata(&out, iotest.HalfReader(bytes.NewReader(dirty)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("48.8584")) || bytes.Contains(out.Bytes(), []byte("AFTER SCAN")) {
		t.Fatal("metadata left in the output")
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("output (%d bytes) differs from the original with APP0/APP14 (%d bytes)", out.Len(), len(want))
	}
	if _, err := jpeg.Decode(&out); err != nil {
		t.Fatalf("stripped JPEG does not decode: %v", err)
	}
}

// TestStripJPEGScan: inside entropy-coded data, stuffed bytes, restart
// markers and fill bytes pass; a segment between scans is parsed.
func TestStripJPEGScan(t *testing.T) {
	t.Parallel()
	sos := segment(0xda, "\x01\x01\x00\x00\x3f\x00")
	scan := []byte{0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x78}
	in := join([]byte{0xff, 0xd8}, sos, scan, segment(0xfe, "comment"), segment(0xe1, "Exif"), sos, scan, []byte{0xff, 0xff, 0xff, 0xd9})
	want := join([]byte{0xff, 0xd8}, sos, scan, sos, scan, []byte{0xff, 0xd9})
	var out bytes.Buffer
	if err := StripMetadata(&out, iotest.OneByteReader(bytes.NewReader(in)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("got % x\nwant % x", out.Bytes(), want)
	}
}

func TestStripPNG(t *testing.T) {
	t.Parallel()
	orig := encodePNG(t)
	ihdrEnd := 8 + 8 + 13 + 4
	dirty := join(orig[:ihdrEnd],
		chunk("tEXt", "Comment\x00"+secret),
		chunk("zTXt", "Raw\x00\x00"+secret),
		chunk("iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00"+secret),
		chunk("eXIf", "MM\x00*"+secret),
		chunk("tIME", "\x07\xe8\x01\x02\x03\x04\x05"),
		orig[ihdrEnd:],
		[]byte("trailing "+secret))
	var out bytes.Buffer
	if err := StripMetadata(&out, iotest.HalfReader(bytes.NewReader(dirty)), "image/png; charset=x"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), orig) {
		t.Fatalf("output (%d bytes) differs from the original (%d bytes)", out.Len(), len(orig))
	}
}

func TestStripMetadataRejects(t *testing.T) {
	t.Parallel()
	j, p := encodeJPEG(t), encodePNG(t)
	for _, tc := range []struct {
		name, mime string
		in         []byte
		notImage   bool
		errPart    string
	}{
		{"gif", "image/gif", []byte("GIF89a"), true, ""},
		{"pdf", "application/pdf", []byte("%PDF"), true, ""},
		{"png as jpeg", "image/jpeg", p, true, "not a JPEG"},
		{"jpeg as png", "image/png", j, true, "not a PNG"},
		{"empty jpeg", "image/jpeg", nil, true, ""},
		{"jpeg cut in a segment", "image/jpeg", j[:30], false, "cut short"},
		{"jpeg cut in the scan", "image/jpeg", j[:len(j)-10], false, "cut short"},
		{"jpeg without EOI", "image/jpeg", j[:len(j)-2], false, "cut short"},
		{"jpeg bad length", "image/jpeg", []byte{0xff, 0xd8, 0xff, 0xe1, 0, 1}, false, "damaged"},
		{"jpeg garbage between segments", "image/jpeg", []byte{0xff, 0xd8, 0x12}, false, "damaged"},
		{"png cut", "image/png", p[:40], false, "cut short"},
		{"png without IEND", "image/png", p[:len(p)-12], false, "cut short"},
		{"png bad chunk type", "image/png", join(p[:8], []byte{0, 0, 0, 0, '1', '2', '3', '4'}), false, "damaged"},
		{"png huge chunk", "image/png", join(p[:8], []byte{0xff, 0xff, 0xff, 0xff}, []byte("tEXt")), false, "damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := StripMetadata(&bytes.Buffer{}, bytes.NewReader(tc.in), tc.mime)
			if err == nil || errors.Is(err, ErrNotImage) != tc.notImage || !strings.Contains(err.Error(), tc.errPart) {
				t.Fatalf("err = %v; want ErrNotImage %v, mentioning %q", err, tc.notImage, tc.errPart)
			}
		})
	}
}

// FuzzStripMetadata: any input ends in output or an error, never a panic
// or a loop.
func FuzzStripMetadata(f *testing.F) {
	f.Add(encodeJPEG(f), true)
	f.Add(encodePNG(f), false)
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff}, true)
	f.Fuzz(func(t *testing.T, data []byte, isJPEG bool) {
		mime := "image/png"
		if isJPEG {
			mime = "image/jpeg"
		}
		var out bytes.Buffer
		// At most 4 bytes more: the orientation's own EXIF segment (36
		// bytes) can replace a shorter one that held an orientation.
		if err := StripMetadata(&out, bytes.NewReader(data), mime); err == nil && out.Len() > len(data)+4 {
			t.Fatalf("output %d bytes from %d", out.Len(), len(data))
		}
	})
}
