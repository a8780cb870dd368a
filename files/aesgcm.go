package files

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Key is an XEP-0454 file key: AES-256 with a GCM IV.
type Key struct {
	IV  []byte // 12 bytes when made by NewKey; 12 or 16 accepted by ParseAESGCM
	Key [32]byte
}

// NewKey returns a fresh random key and 12-byte IV (GCM's native IV size;
// every XEP-0454 client reads it).
func NewKey() (Key, error) {
	k := Key{IV: make([]byte, 12)}
	if _, err := rand.Read(k.IV); err != nil {
		return Key{}, fmt.Errorf("cannot make an encryption key: %w", err)
	}
	if _, err := rand.Read(k.Key[:]); err != nil {
		return Key{}, fmt.Errorf("cannot make an encryption key: %w", err)
	}
	return k, nil
}

// EncryptedSize is the size of the encrypted file: the plaintext plus the
// 16-byte GCM tag. Use it as the upload slot's size.
func EncryptedSize(size int64) int64 { return size + tagSize }

// AESGCMURL turns an upload slot's get URL (http or https) into the
// XEP-0454 form aesgcm://host/path#<hex(IV || key)> that goes into the
// message: the key travels in the (OMEMO-encrypted) message, never to the
// HTTP server, as a fragment is not sent in requests.
func AESGCMURL(getURL string, k Key) (string, error) {
	if len(k.IV) != 12 && len(k.IV) != 16 {
		return "", fmt.Errorf("the file key's IV has %d bytes; XEP-0454 needs 12 or 16", len(k.IV))
	}
	u, err := url.Parse(getURL)
	if err != nil {
		return "", fmt.Errorf("the upload service gave an unusable download address: %w", err)
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" || u.Host == "" {
		return "", fmt.Errorf("the upload service gave %q as download address; only http:// and https:// addresses work", getURL)
	}
	// Keep the address as the server wrote it (no re-escaping): only the
	// scheme is replaced and any fragment dropped.
	rest := getURL[len(u.Scheme)+len("://"):]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	return "aesgcm://" + rest + "#" + hex.EncodeToString(k.IV) + hex.EncodeToString(k.Key[:]), nil
}

// ParseAESGCM splits an aesgcm:// URL into the address to download and the
// key. The download goes over https://, except to a host ending in .i2p,
// which gets http://: there is no certificate authority in I2P, and the
// connection is already end to end encrypted and authenticated by the
// destination — and to a loopback host (this machine), which has no
// certificate either. The fragment must be 88 hex digits (12-byte IV) or 96
// (16-byte IV), followed in both cases by the 32-byte key.
func ParseAESGCM(u string) (fetchURL string, k Key, err error) {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || !strings.EqualFold(scheme, "aesgcm") {
		return "", Key{}, fmt.Errorf("%q is not an aesgcm:// address", u)
	}
	rest, frag, ok := strings.Cut(rest, "#")
	if !ok {
		return "", Key{}, fmt.Errorf("the encrypted file's address carries no key")
	}
	var ivLen int
	switch len(frag) {
	case 88:
		ivLen = 12
	case 96:
		ivLen = 16
	default:
		return "", Key{}, fmt.Errorf("the encrypted file's key has %d hex digits; 88 or 96 expected", len(frag))
	}
	raw, err := hex.DecodeString(frag)
	if err != nil {
		return "", Key{}, fmt.Errorf("the encrypted file's key is not hexadecimal: %w", err)
	}
	k.IV = raw[:ivLen]
	copy(k.Key[:], raw[ivLen:])

	parsed, err := url.Parse("https://" + rest)
	if err != nil || parsed.Host == "" {
		return "", Key{}, fmt.Errorf("the encrypted file's address %q has no usable host", "aesgcm://"+rest)
	}
	fetch := "https://"
	if isI2PHost(parsed.Hostname()) || isLoopback(parsed.Hostname()) {
		fetch = "http://"
	}
	return fetch + rest, k, nil
}

// isLoopback reports whether host is this machine (127.0.0.0/8, ::1,
// localhost): a server there (a local prosody's upload service) has no
// certificate to offer, and nothing leaves the machine.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isI2PHost reports whether host (no port) is in the .i2p pseudo-domain,
// ignoring case and one trailing dot.
func isI2PHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(h, ".i2p")
}
