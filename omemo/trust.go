package omemo

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Trust is what the user decided about one identity key of one device.
type Trust string

const (
	// Blind: trusted without verification. Every new key of a peer gets
	// it while none of that peer's keys is verified ("blind trust before
	// verification", what Conversations and Dino do by default).
	Blind Trust = "blind"
	// Undecided: a new key of a peer who has a verified key. Not used for
	// sending until the user verifies it (Dino's rule: once one device is
	// verified, new ones are not trusted automatically; the keys blindly
	// trusted before stay so).
	Undecided Trust = "undecided"
	// Verified: the user compared the fingerprint.
	Verified Trust = "verified"
	// Distrusted: the user refused the key. Never used for sending.
	Distrusted Trust = "distrusted"
)

// Trusted reports whether messages are encrypted for a key with trust t.
func (t Trust) Trusted() bool { return t == Blind || t == Verified }

// Valid reports whether t is one of the trust states above.
func (t Trust) Valid() bool {
	switch t {
	case Blind, Undecided, Verified, Distrusted:
		return true
	}
	return false
}

// Fingerprint is an identity key as 64 lowercase hex digits: the 32 bytes
// of the Curve25519 key, without libsignal's 0x05 type byte. That is what
// Conversations (which stores 66 digits but shows them from the third on),
// Dino (which skips the first byte) and Gajim show, in groups of 8, so a
// user can compare Clove's figure with theirs digit for digit.
func Fingerprint(key [keyLen]byte) string { return hex.EncodeToString(key[:]) }

// FormatFingerprint groups a fingerprint by 8 digits, as the other clients
// show it: "1a2b3c4d 5e6f…".
func FormatFingerprint(fp string) string {
	var sb strings.Builder
	for i := 0; i < len(fp); i += 8 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(fp[i:min(i+8, len(fp))])
	}
	return sb.String()
}

// ErrBadFingerprint: a fingerprint that is not 64 hex digits.
var ErrBadFingerprint = errors.New("not an OMEMO fingerprint: want 64 hex digits")

// ParseFingerprint reads a fingerprint as a user may paste it: 64 hex
// digits in any case, with spaces or colons between groups, or 66 starting
// with the type byte 05 (Conversations' stored form).
func ParseFingerprint(s string) ([keyLen]byte, error) {
	var k [keyLen]byte
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' || r == '\t' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(clean) == 2*(keyLen+1) && clean[:2] == "05" {
		clean = clean[2:]
	}
	if len(clean) != 2*keyLen {
		return k, fmt.Errorf("omemo: %q: %w", truncate(s, 80), ErrBadFingerprint)
	}
	if _, err := hex.Decode(k[:], []byte(clean)); err != nil {
		return k, fmt.Errorf("omemo: %q: %w", truncate(s, 80), ErrBadFingerprint)
	}
	return k, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// DeviceKey is one identity key seen for one device of a peer.
type DeviceKey struct {
	Address
	Fingerprint string
	Trust       Trust
}

// ErrUnknownFingerprint: no device of the peer has that identity key.
var ErrUnknownFingerprint = errors.New("no device of this contact has that fingerprint")
