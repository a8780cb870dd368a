package files

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// StripMetadata copies the image in r to w without its metadata, for
// images the user sends:
//
//   - JPEG: APP1…APP13 and APP15 segments (EXIF with GPS position, camera
//     serial and thumbnail; XMP; ICC profiles; Photoshop IRB) and COM
//     comments go. APP0 (JFIF) stays, and so does APP14 (Adobe): it says
//     how the colour channels are encoded, and without it CMYK and YCCK
//     images decode with wrong colours. Anything after the end-of-image
//     marker goes too. Of EXIF only the orientation stays, in a minimal
//     EXIF segment of its own (orientationAPP1: 34 bytes, no camera,
//     time or place), so a photo taken sideways still shows upright and
//     its pixels are not re-encoded.
//   - PNG: tEXt, zTXt, iTXt, eXIf and tIME chunks go, and anything after
//     IEND.
//
// Other types give ErrNotImage. It streams in fixed memory; a malformed or
// truncated file gives an error (and w may then hold part of it).
func StripMetadata(w io.Writer, r io.Reader, mimeType string) error {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(mimeType))
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	br := bufio.NewReaderSize(r, 32<<10)
	switch mt {
	case "image/jpeg", "image/jpg", "image/pjpeg":
		err = stripJPEG(bw, br)
	case "image/png", "image/apng":
		err = stripPNG(bw, br)
	default:
		return fmt.Errorf("cannot remove metadata from %q: %w", mimeType, ErrNotImage)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write the cleaned image: %w", err)
	}
	return nil
}

// malformed words a parse failure, telling a cut file from a broken one.
func malformed(kind string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the %s image is cut short", kind)
	}
	return fmt.Errorf("the %s image is damaged: %w", kind, err)
}

// stripJPEG walks the JPEG marker segments (ITU T.81 B.1).
func stripJPEG(w *bufio.Writer, r *bufio.Reader) error {
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return fmt.Errorf("the file is not a JPEG image: %w", ErrNotImage)
	}
	w.Write(soi[:])
	oriented := false // the EXIF segment was seen
	for {
		marker, err := nextMarker(r)
		if err != nil {
			return malformed("JPEG", err)
		}
		switch {
		case marker == 0xd9: // EOI: done; trailing data is dropped
			_, err := w.Write([]byte{0xff, 0xd9})
			return err
		case marker >= 0xd0 && marker <= 0xd7 || marker == 0x01:
			// RSTn and TEM stand alone, without a length.
			w.Write([]byte{0xff, marker})
			continue
		case marker == 0xd8:
			return malformed("JPEG", errors.New("a second start-of-image marker"))
		}
		var lb [2]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return malformed("JPEG", err)
		}
		length := int64(binary.BigEndian.Uint16(lb[:]))
		if length < 2 {
			return malformed("JPEG", fmt.Errorf("segment %#02x has length %d", marker, length))
		}
		if marker == 0xe1 && !oriented {
			// EXIF goes, but for its orientation (a JPEG has one EXIF
			// segment; only the first counts): a photo taken sideways
			// still shows upright, without re-encoding the pixels.
			payload := make([]byte, length-2) // at most 64 KB
			if _, err := io.ReadFull(r, payload); err != nil {
				return malformed("JPEG", err)
			}
			if bytes.HasPrefix(payload, []byte(exifHeader)) {
				oriented = true
				if o := exifOrientation(payload); o != OrientationNormal {
					w.Write(orientationAPP1(o))
				}
			}
			continue
		}
		drop := marker >= 0xe1 && marker <= 0xef && marker != 0xee || marker == 0xfe
		if drop {
			if _, err := r.Discard(int(length - 2)); err != nil {
				return malformed("JPEG", err)
			}
			continue
		}
		w.Write([]byte{0xff, marker})
		w.Write(lb[:])
		if _, err := io.CopyN(w, r, length-2); err != nil {
			return malformed("JPEG", err)
		}
		if marker == 0xda { // SOS: entropy-coded data follows
			if err := copyScan(w, r); err != nil {
				return malformed("JPEG", err)
			}
		}
	}
}

// nextMarker reads a marker's 0xFF (and any fill 0xFFs) and returns the
// marker code.
func nextMarker(r *bufio.Reader) (byte, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != 0xff {
		return 0, fmt.Errorf("expected a marker, found byte %#02x", b)
	}
	for b == 0xff {
		if b, err = r.ReadByte(); err != nil {
			return 0, err
		}
	}
	if b == 0 {
		return 0, errors.New("a stuffed zero where a marker should be")
	}
	return b, nil
}

// copyScan copies entropy-coded data up to the next marker that is not
// part of it (a stuffed 0xFF00 or an RSTn), leaving that marker's 0xFF
// unread.
func copyScan(w *bufio.Writer, r *bufio.Reader) error {
	for {
		buf, err := r.Peek(r.Buffered())
		if len(buf) == 0 {
			if _, err = r.Peek(1); err != nil {
				return err
			}
			continue
		}
		i := bytes.IndexByte(buf, 0xff)
		if i < 0 {
			w.Write(buf)
			r.Discard(len(buf))
			continue
		}
		w.Write(buf[:i])
		r.Discard(i)
		two, err := r.Peek(2)
		if err != nil {
			return err
		}
		if next := two[1]; next == 0 || next >= 0xd0 && next <= 0xd7 {
			w.Write(two)
			r.Discard(2)
			continue
		}
		return nil // a real marker: back to the segment loop
	}
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngDropped are the chunks that carry text, EXIF and time stamps.
var pngDropped = map[string]bool{"tEXt": true, "zTXt": true, "iTXt": true, "eXIf": true, "tIME": true}

// stripPNG walks the PNG chunks (PNG spec §5.3). CRCs are copied, not
// checked: the decoder that shows the image checks them.
func stripPNG(w *bufio.Writer, r *bufio.Reader) error {
	sig := make([]byte, len(pngSignature))
	if _, err := io.ReadFull(r, sig); err != nil || !bytes.Equal(sig, pngSignature) {
		return fmt.Errorf("the file is not a PNG image: %w", ErrNotImage)
	}
	w.Write(sig)
	for {
		var head [8]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return malformed("PNG", err)
		}
		length := binary.BigEndian.Uint32(head[:4])
		typ := string(head[4:])
		if length > 1<<31-1 {
			return malformed("PNG", fmt.Errorf("chunk %q has length %d", typ, length))
		}
		for _, c := range head[4:] {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return malformed("PNG", fmt.Errorf("chunk type %q", typ))
			}
		}
		body := int64(length) + 4 // data and CRC
		if pngDropped[typ] {
			if _, err := io.CopyN(io.Discard, r, body); err != nil {
				return malformed("PNG", err)
			}
			continue
		}
		w.Write(head[:])
		if _, err := io.CopyN(w, r, body); err != nil {
			return malformed("PNG", err)
		}
		if typ == "IEND" {
			return nil
		}
	}
}
