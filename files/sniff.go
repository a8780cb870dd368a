package files

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig for the formats Clove shows inline
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"strings"
)

// Limits on images Clove decodes: a 8192×8192 RGBA image is already 256 MiB
// once decoded; 40 megapixels covers any phone camera.
const (
	maxImageSide   = 8192
	maxImagePixels = 40_000_000
	// sniffLimit bounds what Sniff reads: a JPEG's size comes after its
	// EXIF, ICC and XMP segments, which are rarely above a few hundred KB.
	sniffLimit = 2 << 20
)

// Sniff tells a file's MIME type from its content (net/http's
// DetectContentType, never the name or what a sender claims). For GIF, JPEG
// and PNG it reads the dimensions from the header alone and refuses with an
// error wrapping ErrImageTooLarge anything above 8192 pixels a side or 40
// megapixels, so an image bomb (50,000×50,000 in a few KB) is refused
// without being decoded. Other image types (WebP, BMP, …) come back with an
// error wrapping ErrNotImage: Clove cannot check them, so they must be
// offered as plain files, not shown. Sniff reads at most 2 MiB of r; pass a
// fresh reader (a file is then read again from the start for the transfer).
func Sniff(r io.Reader) (mimeType string, err error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("cannot read the file: %w", err)
	}
	head = head[:n]
	mimeType = http.DetectContentType(head)
	if !strings.HasPrefix(mimeType, "image/") {
		return mimeType, nil
	}
	switch mimeType {
	case "image/gif", "image/jpeg", "image/png":
	default:
		return mimeType, fmt.Errorf("cannot check the size of this %s image: %w", mimeType, ErrNotImage)
	}
	cfg, _, err := image.DecodeConfig(io.MultiReader(bytes.NewReader(head), io.LimitReader(r, sniffLimit-int64(n))))
	if err != nil {
		return mimeType, fmt.Errorf("cannot read the image's header: %v: %w", err, ErrNotImage)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return mimeType, fmt.Errorf("the image has no size (%d×%d): %w", cfg.Width, cfg.Height, ErrNotImage)
	}
	if cfg.Width > maxImageSide || cfg.Height > maxImageSide || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return mimeType, fmt.Errorf("the image is %d×%d pixels, more than Clove shows (%d a side, %d megapixels): %w",
			cfg.Width, cfg.Height, maxImageSide, maxImagePixels/1_000_000, ErrImageTooLarge)
	}
	return mimeType, nil
}
