// Package files moves files to and from HTTP servers for Clove: uploads to
// an XEP-0363 slot, downloads of shared links (XEP-0066) and of encrypted
// files (XEP-0454, aesgcm://).
//
// Client is the only HTTP client Clove uses for files. It dials through the
// account's Dialer (direct, SOCKS5 or SAM), never resolves a name itself,
// ignores proxy environment variables, follows no redirect, sends no cookie,
// Referer or Accept-Language, and in I2P-only mode refuses any host outside
// .i2p before dialling, so a link in a message cannot make Clove reveal the
// user's address or reach the clearnet. Downloads are bounded by a maximum
// size so a hostile server cannot fill memory or disk.
//
// Encrypt and Decrypt stream AES-256-GCM in bounded memory; AESGCMURL and
// ParseAESGCM build and read the aesgcm:// URLs of XEP-0454.
// StripMetadata removes EXIF, XMP and text metadata from JPEG and PNG
// images before they are sent; Sniff tells a file's type and refuses image
// bombs before anything decodes them.
//
// docs/files.md explains why each rule is there.
package files

import "errors"

// Errors callers tell apart with errors.Is.
var (
	// ErrClearnetRefused: the host is outside I2P (or an IP address) and
	// the account is I2P-only; nothing was dialled.
	ErrClearnetRefused = errors.New("refused: only .i2p hosts are allowed in I2P-only mode")
	// ErrTooLarge: the download is larger than the limit; reading stopped.
	ErrTooLarge = errors.New("the file is larger than allowed")
	// ErrRedirect: the server answered with a redirect, which is not followed.
	ErrRedirect = errors.New("the server redirected elsewhere")
	// ErrAuth: the GCM tag does not match: wrong key, or a tampered or
	// truncated file.
	ErrAuth = errors.New("the file failed its integrity check")
	// ErrNotImage: StripMetadata got a type it does not handle, or Sniff
	// found an image it cannot measure (and which must not be shown).
	ErrNotImage = errors.New("not a supported image")
	// ErrImageTooLarge: the image's dimensions are beyond what Clove decodes.
	ErrImageTooLarge = errors.New("the image is too large to show")
)
