package omemo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
)

// Sizes of what is encrypted: AES-128-GCM as OMEMO 0.3 is deployed.
const (
	aesKeyLen = 16
	gcmTagLen = 16
	ivLen     = 12
)

// SealPayload encrypts plaintext as OMEMO 0.3 clients deploy it: with a
// random AES-128-GCM key and 12-byte IV. km is the key followed by the
// 16-byte GCM tag (32 bytes), what each recipient device's session
// encrypts; payload is the ciphertext without the tag.
func SealPayload(plaintext []byte) (km, iv, payload []byte, err error) {
	var key [aesKeyLen]byte
	iv = make([]byte, ivLen)
	if _, err := rand.Read(key[:]); err != nil {
		return nil, nil, nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, nil, nil, err
	}
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, nil, err
	}
	sealed := gcm.Seal(nil, iv, plaintext, nil)
	ct, tag := sealed[:len(sealed)-gcmTagLen], sealed[len(sealed)-gcmTagLen:]
	// OMEMO 0.3 as deployed: the key and the tag go to the devices, the
	// payload is the ciphertext alone.
	km = make([]byte, 0, aesKeyLen+gcmTagLen)
	km = append(append(km, key[:]...), tag...)
	return km, iv, ct, nil
}

// KeyTransportKey returns random key material and IV of the sizes
// SealPayload gives, for a key transport message (keys, no payload).
func KeyTransportKey() (km, iv []byte, err error) {
	km = make([]byte, aesKeyLen+gcmTagLen)
	iv = make([]byte, ivLen)
	if _, err := rand.Read(km); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, nil, err
	}
	return km, iv, nil
}

// OpenPayload decrypts an OMEMO 0.3 payload with the key material a
// session gave: the 16-byte key and the 16-byte tag (what is deployed), or
// the key alone with the tag at the payload's end (early clients). The IV
// may be 12 or 16 bytes (older Conversations sent 16).
func OpenPayload(km, iv, payload []byte) ([]byte, error) {
	var key, sealed []byte
	switch len(km) {
	case aesKeyLen + gcmTagLen:
		key = km[:aesKeyLen]
		sealed = make([]byte, 0, len(payload)+gcmTagLen)
		sealed = append(append(sealed, payload...), km[aesKeyLen:]...)
	case aesKeyLen:
		key, sealed = km, payload
		if len(sealed) < gcmTagLen {
			return nil, fmt.Errorf("payload of %d bytes has no tag: %w", len(payload), ErrMalformed)
		}
	default:
		return nil, fmt.Errorf("decrypted key of %d bytes, want 32 or 16: %w", len(km), ErrMalformed)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("payload key: %w", err)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return nil, fmt.Errorf("IV of %d bytes: %w", len(iv), ErrMalformed)
	}
	pt, err := gcm.Open(sealed[:0], iv, sealed, nil)
	if err != nil {
		return nil, fmt.Errorf("payload: %w (%w)", ErrUndecryptable, err)
	}
	return pt, nil
}
