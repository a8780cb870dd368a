package transport

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Name suffixes of the I2P pseudo-top-level domain.
const (
	I2PSuffix = ".i2p"
	B32Suffix = ".b32.i2p"
)

const (
	b32Len       = 52  // base32 characters of a SHA-256 destination hash
	b33MinLen    = 56  // shortest base32 label of an encrypted lease set address
	maxHostLen   = 255 // SOCKS5 carries at most 255 bytes of host name
	maxDNSLen    = 253
	maxLabelLen  = 63
	base32Digits = "abcdefghijklmnopqrstuvwxyz234567"
)

// NameError says why a host name cannot be used. Its message is meant for
// the user.
type NameError struct {
	Name string // the name as given
	msg  string
}

func (e *NameError) Error() string { return e.msg }

func nameErrorf(name, format string, args ...any) *NameError {
	return &NameError{Name: name, msg: fmt.Sprintf(format, args...)}
}

// NormalizeHost returns host in the form Clove compares and sends names in:
// surrounding white space removed, ASCII letters lower-cased and one trailing
// dot (the fully-qualified form) dropped. Only ASCII is folded, so a
// look-alike character can never turn into a valid address. Nothing is
// resolved.
func NormalizeHost(host string) string {
	host = strings.TrimSpace(host)
	host = strings.TrimSuffix(host, ".")
	return asciiLower(host)
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// IsI2P reports whether host is in the .i2p pseudo-domain: such a name must
// never be resolved locally or dialled outside an I2P router. A "host:port"
// is accepted too, so a careless caller errs on the safe side.
func IsI2P(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	h := NormalizeHost(host)
	return h == "i2p" || strings.HasSuffix(h, I2PSuffix)
}

// isBase32Label reports whether s is made only of I2P's lower-case base32
// alphabet (a–z, 2–7).
func isBase32Label(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return s != ""
}

// isB32 reports whether h (already normalised) is a .b32.i2p address of a
// destination hash: ^[a-z2-7]{51}[aq]\.b32\.i2p$.
func isB32(h string) bool {
	label, ok := strings.CutSuffix(h, B32Suffix)
	if !ok || len(label) != b32Len || !isBase32Label(label) {
		return false
	}
	// 52 characters carry 260 bits; the last 4 are zero for a 256-bit hash.
	last := label[b32Len-1]
	return last == 'a' || last == 'q'
}

// isB33 reports whether h (already normalised) is a .b32.i2p address of an
// encrypted lease set (a "b33" address: 56 or more base32 characters).
func isB33(h string) bool {
	label, ok := strings.CutSuffix(h, B32Suffix)
	return ok && len(label) >= b33MinLen && len(h) <= maxHostLen && isBase32Label(label)
}

// ValidateI2PName checks that name is an I2P address Clove can connect to
// without an address book: a .b32.i2p address (52 base32 characters) or a
// b33 address (encrypted lease set, 56 or more). Upper-case letters are
// accepted (names are compared after NormalizeHost). Any other .i2p name is
// refused: it would need an address book, which Clove does not use.
func ValidateI2PName(name string) error {
	h := NormalizeHost(name)
	switch {
	case h == "":
		return nameErrorf(name, "no I2P address given")
	case IsI2P(h) && strings.Contains(h, ":") && !strings.ContainsAny(h, "[]/@ \t"):
		return nameErrorf(name, "%q has a port; give the I2P address alone", name)
	case !IsI2P(h) || strings.ContainsAny(h, ":[]/@ \t"):
		return nameErrorf(name, "%q is not an I2P address (those end in .b32.i2p)", name)
	case isB32(h), isB33(h):
		return nil
	}
	label, isB32Name := strings.CutSuffix(h, B32Suffix)
	if !isB32Name {
		return nameErrorf(name, "Clove connects to .b32.i2p addresses; %s needs an address book", h)
	}
	switch {
	case label == "":
		return nameErrorf(name, "%q is not a valid .b32.i2p address: the part before .b32.i2p is empty", name)
	case strings.Contains(label, "."):
		return nameErrorf(name, "%q is not a valid .b32.i2p address: it has more than one label before .b32.i2p", name)
	case !isBase32Label(label):
		return nameErrorf(name, "%q is not a valid .b32.i2p address: only the letters a–z and digits 2–7 may appear before .b32.i2p", name)
	case len(label) == b32Len:
		return nameErrorf(name, "%q is not a valid .b32.i2p address: its last character before .b32.i2p must be 'a' or 'q' (a typo?)", name)
	case len(h) > maxHostLen:
		return nameErrorf(name, "%q is too long to be an I2P address", name)
	default:
		return nameErrorf(name, "%q is not a valid .b32.i2p address: expected 52 base32 characters before .b32.i2p (or 56 or more for an encrypted lease set), got %d", name, len(label))
	}
}

// validHostname reports whether h (already normalised) is a syntactically
// valid DNS host name. It does not resolve anything.
func validHostname(h string) bool {
	if h == "" || len(h) > maxDNSLen {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > maxLabelLen || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// parseIPLiteral accepts "192.0.2.1", "::1" and "[::1]".
func parseIPLiteral(h string) (netip.Addr, bool) {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	a, err := netip.ParseAddr(h)
	return a, err == nil
}

// parsePort accepts a decimal port 1–65535.
func parsePort(p string) (int, bool) {
	if p == "" || len(p) > 5 {
		return 0, false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(p)
	return n, err == nil && n >= 1 && n <= 65535
}

// parseLocalEndpoint checks the "host:port" of a proxy or SAM bridge. The
// host must be an IP literal or "localhost" (taken as 127.0.0.1): the
// address of the thing that keeps names private is never looked up in DNS
// itself. It returns the address in net.JoinHostPort form.
func parseLocalEndpoint(what, addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", fmt.Errorf("no %s address given", what)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("the %s address %q is not of the form host:port (e.g. 127.0.0.1:%s)", what, addr, examplePort(what))
	}
	p, ok := parsePort(port)
	if !ok {
		return "", fmt.Errorf("the %s address %q has an invalid port %q (1–65535)", what, addr, port)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip, ok := parseIPLiteral(host)
	if !ok {
		return "", fmt.Errorf("the %s address %q must be an IP address such as 127.0.0.1 (or \"localhost\"): Clove does not look it up in DNS", what, addr)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(p)), nil
}

func examplePort(what string) string {
	if strings.Contains(what, "SAM") {
		return "7656"
	}
	return "4447"
}
