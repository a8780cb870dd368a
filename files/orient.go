package files

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"io"
)

// EXIF orientation (TIFF tag 0x0112): how a camera held sideways or
// upside down stored the picture. 1 is upright; 2–8 say how to turn or
// mirror the stored pixels to show it (EXIF 2.3, Orientation).
const (
	orientationTag    = 0x0112
	OrientationNormal = 1
)

// exifHeader starts an APP1 segment holding EXIF.
const exifHeader = "Exif\x00\x00"

// exifOrientation returns the orientation in an APP1 EXIF payload (its
// "Exif\0\0" header included), or OrientationNormal when there is none
// or the TIFF structure is broken: a bad EXIF never stops a picture.
func exifOrientation(app1 []byte) int {
	if !bytes.HasPrefix(app1, []byte(exifHeader)) {
		return OrientationNormal
	}
	tiff := app1[len(exifHeader):]
	if len(tiff) < 8 {
		return OrientationNormal
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return OrientationNormal
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return OrientationNormal
	}
	ifd := int64(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return OrientationNormal
	}
	n := int64(bo.Uint16(tiff[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(tiff)) {
			break
		}
		if bo.Uint16(tiff[e:]) != orientationTag {
			continue
		}
		// SHORT (3), one value, stored in the entry itself.
		if bo.Uint16(tiff[e+2:]) != 3 || bo.Uint32(tiff[e+4:]) != 1 {
			return OrientationNormal
		}
		if o := int(bo.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return OrientationNormal
	}
	return OrientationNormal
}

// orientationAPP1 is a whole APP1 segment with an EXIF holding only the
// orientation: the TIFF header (big-endian), IFD0 with that one entry,
// no next IFD. 36 bytes; nothing in it tells one camera or person from
// another.
func orientationAPP1(o int) []byte {
	seg := []byte{0xff, 0xe1, 0, 34}
	seg = append(seg, exifHeader...)
	seg = append(seg, 'M', 'M', 0, 42, 0, 0, 0, 8) // byte order, magic, IFD0 at 8
	seg = append(seg, 0, 1)                        // one entry
	seg = binary.BigEndian.AppendUint16(seg, orientationTag)
	seg = append(seg, 0, 3, 0, 0, 0, 1) // SHORT, count 1
	seg = binary.BigEndian.AppendUint16(seg, uint16(o))
	seg = append(seg, 0, 0, 0, 0, 0, 0) // padding, no next IFD
	return seg
}

// JPEGOrientation reads a JPEG's EXIF orientation from its header
// segments (it stops at the first scan): OrientationNormal when it has
// none, or when r is not a readable JPEG.
func JPEGOrientation(r io.Reader) int {
	br := bufio.NewReader(r)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return OrientationNormal
	}
	for {
		marker, err := nextMarker(br)
		if err != nil || marker == 0xda || marker == 0xd9 {
			return OrientationNormal
		}
		if marker >= 0xd0 && marker <= 0xd7 || marker == 0x01 {
			continue
		}
		var lb [2]byte
		if _, err := io.ReadFull(br, lb[:]); err != nil {
			return OrientationNormal
		}
		length := int(binary.BigEndian.Uint16(lb[:]))
		if length < 2 {
			return OrientationNormal
		}
		if marker != 0xe1 {
			if _, err := br.Discard(length - 2); err != nil {
				return OrientationNormal
			}
			continue
		}
		payload := make([]byte, length-2)
		if _, err := io.ReadFull(br, payload); err != nil {
			return OrientationNormal
		}
		if bytes.HasPrefix(payload, []byte(exifHeader)) {
			return exifOrientation(payload)
		}
	}
}

// SwapsSides reports whether orientation o turns the picture a quarter:
// its shown width is its stored height.
func SwapsSides(o int) bool { return o >= 5 && o <= 8 }

// Orient returns img as orientation o says to show it (turned and/or
// mirrored); img itself for OrientationNormal or an unknown value.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	src, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) {
		src = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if SwapsSides(o) {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		row := src.Pix[y*src.Stride:]
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored upside down
				dx, dy = x, h-1-y
			case 5: // mirrored, a quarter anticlockwise
				dx, dy = y, x
			case 6: // a quarter clockwise to show
				dx, dy = h-1-y, x
			case 7: // mirrored, a quarter clockwise
				dx, dy = h-1-y, w-1-x
			case 8: // a quarter anticlockwise to show
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+dx*4:dy*dst.Stride+dx*4+4], row[x*4:x*4+4])
		}
	}
	return dst
}
