package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	// minDestB64 is the length of the shortest destination in I2P base64
	// (387 bytes: 256 + 128 + 3-byte null certificate).
	minDestB64 = 516
	// maxKeysFile bounds the identity file read.
	maxKeysFile = 64 << 10
)

// samKeys is an I2P identity as SAM hands it out: Address is the public
// destination and Both the full private key (destination followed by the
// secret keys), both in I2P base64.
type samKeys struct {
	Address string
	Both    string
}

// b32 returns the identity's .b32.i2p address.
func (k samKeys) b32() (string, error) { return destB32(k.Address) }

// sigTypeEdDSA is SIGNATURE_TYPE 7, EdDSA_SHA512_Ed25519.
const sigTypeEdDSA = "7"

// loadOrCreateKeys returns the identity to open the session with: the one
// in path if that file exists, else a new one made by the bridge with DEST
// GENERATE on the control connection sc (saved to path unless path is
// empty). created reports that a new identity was made.
func loadOrCreateKeys(ctx context.Context, sc *samConn, path string) (keys samKeys, created bool, err error) {
	if path != "" {
		keys, err = readKeysFile(path)
		if err == nil {
			return keys, false, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return keys, false, err
		}
	}
	keys, err = sc.generateKeys(ctx)
	if err != nil {
		var re *samReplyError
		if ctx.Err() != nil || !errors.As(err, &re) {
			return keys, false, samSetupError(ctx, sc.addr, "creating an I2P identity", 0, err)
		}
		return keys, false, fmt.Errorf("the SAM bridge could not create an I2P identity: %w", err)
	}
	if err := checkKeys(keys); err != nil {
		return keys, false, fmt.Errorf("the SAM bridge returned an unusable I2P identity: %w", err)
	}
	if path != "" {
		if err := writeKeysFile(path, keys); err != nil {
			return keys, false, err
		}
	}
	return keys, true, nil
}

// generateKeys asks the bridge for a new EdDSA identity:
// DEST GENERATE SIGNATURE_TYPE=7 → DEST REPLY PUB=… PRIV=…
func (sc *samConn) generateKeys(ctx context.Context) (samKeys, error) {
	line, err := sc.exchange(ctx, "DEST GENERATE SIGNATURE_TYPE="+sigTypeEdDSA, maxSAMLine)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(samLineTooLong)) {
			return samKeys{}, &samReplyError{Line: line}
		}
		return samKeys{}, err
	}
	topic, verb, kv, perr := parseSAMReply(line)
	if perr != nil || topic != "DEST" || verb != "REPLY" {
		return samKeys{}, &samReplyError{Line: line}
	}
	if r, ok := kv["RESULT"]; ok && r != "OK" {
		return samKeys{}, &samReplyError{Result: r, Message: kv["MESSAGE"], Line: line}
	}
	if kv["PUB"] == "" || kv["PRIV"] == "" {
		return samKeys{}, &samReplyError{Line: line}
	}
	return samKeys{Address: kv["PUB"], Both: kv["PRIV"]}, nil
}

// readKeysFile loads an identity saved by writeKeysFile (two lines:
// public destination, newline, full private key, both I2P base64 — the
// format of sam3's StoreKeysIncompat, which older Clove versions used, so
// their identity files keep working).
func readKeysFile(path string) (samKeys, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return samKeys{}, err
		}
		return samKeys{}, fmt.Errorf("cannot read the I2P identity file %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeysFile+1))
	if err != nil {
		return samKeys{}, fmt.Errorf("cannot read the I2P identity file %s: %w", path, err)
	}
	keys, err := parseKeys(data)
	if err != nil {
		return samKeys{}, fmt.Errorf("the I2P identity file %s is damaged (%w); move it away to create a new identity — this changes your I2P address", path, err)
	}
	return keys, nil
}

func parseKeys(data []byte) (samKeys, error) {
	if len(data) > maxKeysFile {
		return samKeys{}, errors.New("file too large")
	}
	pub, priv, ok := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if !ok {
		return samKeys{}, errors.New("expected two lines")
	}
	k := samKeys{Address: strings.TrimSpace(pub), Both: strings.TrimSpace(priv)}
	return k, checkKeys(k)
}

// checkKeys makes sure a key pair is well formed.
func checkKeys(k samKeys) error {
	pub, both := k.Address, k.Both
	switch {
	case len(pub) < minDestB64 || !isI2PBase64(pub):
		return errors.New("the public destination is not valid I2P base64")
	case len(both) <= len(pub) || !isI2PBase64(both):
		return errors.New("the private key is not valid I2P base64")
	case !strings.HasPrefix(both, pub[:minDestB64-4]):
		return errors.New("the private key does not belong to the destination")
	}
	if _, err := i2pBase64.DecodeString(pub); err != nil {
		return errors.New("the public destination does not decode")
	}
	return nil
}

func isI2PBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '~' || c == '=') {
			return false
		}
	}
	return s != ""
}

// writeKeysFile saves keys with mode 0600, via a temporary file in the same
// directory so a crash never leaves half an identity behind.
func writeKeysFile(path string, keys samKeys) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the directory for the I2P identity file %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".clove-i2p-keys-*")
	if err != nil {
		return fmt.Errorf("cannot save the I2P identity to %s: %w", path, err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("cannot save the I2P identity to %s: %w", path, err)
	}
	if _, err := io.WriteString(tmp, keys.Address+"\n"+keys.Both); err != nil {
		return fmt.Errorf("cannot save the I2P identity to %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot save the I2P identity to %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot save the I2P identity to %s: %w", path, err)
	}
	// Never replace an identity that appeared meanwhile.
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("the I2P identity file %s appeared while Clove was creating one; not overwriting it", path)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("cannot save the I2P identity to %s: %w", path, err)
	}
	ok = true
	return nil
}

// IdentityAddress returns the .b32.i2p address of the I2P identity saved in
// the keys file at path (by NewSAM with SAMOptions.Keys): the address other
// I2P peers see for this account. A missing file gives an error wrapping
// fs.ErrNotExist.
func IdentityAddress(path string) (string, error) {
	k, err := readKeysFile(path)
	if err != nil {
		return "", err
	}
	return k.b32()
}

// I2PBase64 encodes b in I2P's base64 alphabet (e.g. an i2pd keys file, to
// give it to ListenSAM).
func I2PBase64(b []byte) string { return i2pBase64.EncodeToString(b) }

// IdentityLen is the length of the I2P identity at the start of b: a
// destination at the start of private keys (as i2pd's keys files and SAM
// hold them), or a router's identity at the start of its router info. It
// is the 387-byte standard identity plus its certificate's payload (length
// in bytes 385–386).
func IdentityLen(b []byte) (int, error) {
	if len(b) < 387 {
		return 0, fmt.Errorf("identity too short (%d bytes)", len(b))
	}
	n := 387 + int(binary.BigEndian.Uint16(b[385:387]))
	if len(b) < n {
		return 0, fmt.Errorf("identity truncated (%d of %d bytes)", len(b), n)
	}
	return n, nil
}

// KeysB32 returns the .b32.i2p address of I2P private keys in binary (an
// i2pd keys file): base32 of the SHA-256 of their destination.
func KeysB32(keys []byte) (string, error) {
	n, err := IdentityLen(keys)
	if err != nil {
		return "", fmt.Errorf("I2P private keys: %w", err)
	}
	return hashB32(keys[:n]), nil
}
