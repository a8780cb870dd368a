package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/eyedeekay/i2pkeys"
	"github.com/eyedeekay/sam3"
)

const (
	// minDestB64 is the length of the shortest destination in I2P base64
	// (387 bytes: 256 + 128 + 3-byte null certificate).
	minDestB64 = 516
	// maxKeysFile bounds the identity file read.
	maxKeysFile = 64 << 10
)

// loadOrCreateKeys returns the identity to open the session with: the one
// in path if that file exists, else a new one (saved to path unless path is
// empty). created reports that a new identity was made.
func loadOrCreateKeys(ctx context.Context, sam *sam3.SAM, path string) (keys i2pkeys.I2PKeys, created bool, err error) {
	if path != "" {
		keys, err = readKeysFile(path)
		if err == nil {
			return keys, false, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return keys, false, err
		}
	}
	keys, err = runBlocking(ctx,
		func() (i2pkeys.I2PKeys, error) { return sam.NewKeys(sam3.Sig_EdDSA_SHA512_Ed25519) },
		func() { _ = sam.Close() }, nil)
	if err != nil {
		if ctx.Err() != nil {
			return keys, false, samSetupError(ctx, sam.Config.I2PConfig.Sam(), "creating an I2P identity", 0, err)
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

// readKeysFile loads an identity saved by writeKeysFile (sam3's format:
// public destination, newline, full private key, both I2P base64).
// sam3.LoadKeysIncompat panics on a file without a newline, so this parses
// it itself.
func readKeysFile(path string) (i2pkeys.I2PKeys, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return i2pkeys.I2PKeys{}, err
		}
		return i2pkeys.I2PKeys{}, fmt.Errorf("cannot read the I2P identity file %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeysFile+1))
	if err != nil {
		return i2pkeys.I2PKeys{}, fmt.Errorf("cannot read the I2P identity file %s: %w", path, err)
	}
	keys, err := parseKeys(data)
	if err != nil {
		return i2pkeys.I2PKeys{}, fmt.Errorf("the I2P identity file %s is damaged (%w); move it away to create a new identity — this changes your I2P address", path, err)
	}
	return keys, nil
}

func parseKeys(data []byte) (i2pkeys.I2PKeys, error) {
	if len(data) > maxKeysFile {
		return i2pkeys.I2PKeys{}, errors.New("file too large")
	}
	pub, priv, ok := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if !ok {
		return i2pkeys.I2PKeys{}, errors.New("expected two lines")
	}
	k := i2pkeys.I2PKeys{Address: i2pkeys.I2PAddr(strings.TrimSpace(pub)), Both: strings.TrimSpace(priv)}
	return k, checkKeys(k)
}

// checkKeys makes sure a key pair is well formed.
func checkKeys(k i2pkeys.I2PKeys) error {
	pub, both := string(k.Address), k.Both
	switch {
	case len(pub) < minDestB64 || !isI2PBase64(pub):
		return errors.New("the public destination is not valid I2P base64")
	case len(both) <= len(pub) || !isI2PBase64(both):
		return errors.New("the private key is not valid I2P base64")
	case !strings.HasPrefix(both, pub[:minDestB64-4]):
		return errors.New("the private key does not belong to the destination")
	}
	if _, err := k.Address.ToBytes(); err != nil {
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
func writeKeysFile(path string, keys i2pkeys.I2PKeys) error {
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
	if err := i2pkeys.StoreKeysIncompat(keys, tmp); err != nil {
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
