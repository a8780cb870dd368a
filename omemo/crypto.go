package omemo

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/signalerror"

	"github.com/clove-xmpp/clove/store"
)

// Errors of Encrypt, Decrypt and ProcessBundle, beside ErrMalformed. Test
// for them with errors.Is; the returned errors name the device concerned.
var (
	// ErrNotForThisDevice: the message holds no key for this device (the
	// sender did not know it, or it was meant for the account's others).
	ErrNotForThisDevice = errors.New("the message was not encrypted for this device")
	// ErrFromThisDevice: a copy of a message this device sent (carbons,
	// MAM); OMEMO never encrypts for the sending device, so it cannot be
	// decrypted — the history already has it.
	ErrFromThisDevice = errors.New("the message was sent by this device")
	// ErrNoSession: there is no session with the device; Encrypt needs its
	// bundle first (ProcessBundle), Decrypt a pre-key message.
	ErrNoSession = errors.New("no OMEMO session with this device")
	// ErrReplay: the message was already decrypted (a duplicate or a
	// replay); its keys are gone.
	ErrReplay = errors.New("the message was already received (duplicate or replay)")
	// ErrUnknownPreKey: a pre-key message names a pre-key this device no
	// longer has (already used) or never published.
	ErrUnknownPreKey = errors.New("the message names a pre-key this device does not have")
	// ErrUndecryptable: the message does not fit the session (garbled in
	// transit, or the session is out of step: the deployed clients then
	// start a new one).
	ErrUndecryptable = errors.New("the message cannot be decrypted with the session (garbled, or the session is out of step)")
	// ErrBadSignature: a bundle whose signed pre-key is not signed by its
	// identity key.
	ErrBadSignature = errors.New("the bundle's signed pre-key signature is invalid")
	// ErrNoRecipients: no device to encrypt for is left after leaving out
	// the untrusted ones.
	ErrNoRecipients = errors.New("no trusted device to encrypt for")
)

// Sizes of what is encrypted: AES-128-GCM as OMEMO 0.3 is deployed.
const (
	aesKeyLen = 16
	gcmTagLen = 16
	ivLen     = 12
)

// Decrypted is a decrypted message and what is known about its sender.
type Decrypted struct {
	// Plaintext is the message; nil for a key transport message (no
	// payload), which only keeps the session going and is not shown.
	Plaintext    []byte
	KeyTransport bool
	From         Address
	// PreKey: it was a pre-key message (it started or restarted a session).
	// The deployed clients answer one with a KeyTransport so that the
	// sender's next messages are no longer pre-key messages.
	PreKey bool
	// RefillPreKeys: a one-time pre-key was consumed; call RefillPreKeys
	// and publish the bundle again.
	RefillPreKeys bool
	Fingerprint   string // the sender device's identity key
	Trust         Trust
	// NewKey: this identity key was seen for this device for the first
	// time (a new device: announce it in the chat).
	NewKey bool
}

// Encrypt encrypts plaintext for the devices in to: the recipients' and
// the account's own other devices (the own device is left out). Each must
// have a session (HasSession; else ErrNoSession: give ProcessBundle its
// bundle first). Devices whose identity key is distrusted or undecided are
// left out; ErrNoRecipients if none is left. The sessions advance in one
// transaction: if Encrypt fails, none did.
func (a *Account) Encrypt(ctx context.Context, plaintext []byte, to []Address) (*Encrypted, error) {
	if len(plaintext) == 0 {
		return nil, errors.New("omemo: encrypt: empty message (KeyTransport sends none)")
	}
	var key [aesKeyLen]byte
	iv := make([]byte, ivLen)
	if _, err := rand.Read(key[:]); err != nil {
		return nil, fmt.Errorf("omemo: encrypt: %w", err)
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("omemo: encrypt: %w", err)
	}
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("omemo: encrypt: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("omemo: encrypt: %w", err)
	}
	sealed := gcm.Seal(nil, iv, plaintext, nil)
	ct, tag := sealed[:len(sealed)-gcmTagLen], sealed[len(sealed)-gcmTagLen:]
	// OMEMO 0.3 as deployed: the key and the tag go to the devices, the
	// payload is the ciphertext alone.
	km := make([]byte, 0, aesKeyLen+gcmTagLen)
	km = append(append(km, key[:]...), tag...)
	keys, err := a.encryptKey(ctx, km, to)
	if err != nil {
		return nil, err
	}
	return &Encrypted{SID: a.deviceID, Keys: keys, IV: iv, Payload: ct}, nil
}

// KeyTransport makes an <encrypted> element with keys and no payload, for
// the devices in to: what answers a pre-key message, or repairs a session.
func (a *Account) KeyTransport(ctx context.Context, to []Address) (*Encrypted, error) {
	km := make([]byte, aesKeyLen+gcmTagLen)
	iv := make([]byte, ivLen)
	if _, err := rand.Read(km); err != nil {
		return nil, fmt.Errorf("omemo: key transport: %w", err)
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("omemo: key transport: %w", err)
	}
	keys, err := a.encryptKey(ctx, km, to)
	if err != nil {
		return nil, err
	}
	return &Encrypted{SID: a.deviceID, Keys: keys, IV: iv}, nil
}

// encryptKey encrypts km with the session of each device in to.
func (a *Account) encryptKey(ctx context.Context, km []byte, to []Address) ([]Key, error) {
	targets := make([]Address, 0, len(to))
	seen := make(map[Address]bool, len(to))
	for _, d := range to {
		if d.JID == a.jid && d.Device == a.deviceID {
			continue
		}
		if err := a.checkAddress(d); err != nil {
			return nil, err
		}
		if !seen[d] {
			seen[d] = true
			targets = append(targets, d)
		}
	}
	var keys []Key
	var skipped []Address
	err := a.update(ctx, func(t *store.OMEMOTx) error {
		// Reset: the store may run this function twice.
		keys, skipped = make([]Key, 0, len(targets)), nil
		ss := a.signal(t)
		ss.sending = true
		for _, d := range targets {
			addr := d.signal()
			ok, err := ss.ContainsSession(ctx, addr)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("omemo: encrypt for %s: %w", d, ErrNoSession)
			}
			c := session.NewCipher(session.NewBuilder(ss, ss, ss, ss, addr, a.ser), addr)
			var msg protocol.CiphertextMessage
			err = guard(func() error {
				var err error
				msg, err = c.Encrypt(ctx, km)
				return err
			})
			if errors.Is(err, signalerror.ErrUntrustedIdentity) {
				skipped = append(skipped, d)
				continue
			}
			if err != nil {
				return fmt.Errorf("omemo: encrypt for %s: %w", d, err)
			}
			keys = append(keys, Key{RID: d.Device, PreKey: msg.Type() == protocol.PREKEY_TYPE, Data: msg.Serialize()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("omemo: encrypt: %w (left out as untrusted: %v)", ErrNoRecipients, skipped)
	}
	return keys, nil
}

// Decrypt decrypts e, sent by the device e.SID of from (a bare JID). A key
// transport message returns KeyTransport and no error. On error the
// session is left as it was, except for a payload that does not match its
// (authentic) key: the key was received, so the session moved on.
func (a *Account) Decrypt(ctx context.Context, from string, e *Encrypted) (*Decrypted, error) {
	sender := Address{JID: from, Device: e.SID}
	if from == a.jid && e.SID == a.deviceID {
		return nil, fmt.Errorf("omemo: decrypt from %s: %w", sender, ErrFromThisDevice)
	}
	if from == "" || e.SID == 0 {
		return nil, fmt.Errorf("omemo: decrypt from %s: no sender: %w", sender, ErrMalformed)
	}
	var k *Key
	for i := range e.Keys {
		if e.Keys[i].RID == a.deviceID {
			k = &e.Keys[i]
			break
		}
	}
	if k == nil {
		return nil, fmt.Errorf("omemo: decrypt from %s for device %d: %w", sender, a.deviceID, ErrNotForThisDevice)
	}
	var km []byte
	var out Decrypted
	err := a.update(ctx, func(t *store.OMEMOTx) error {
		ss := a.signal(t)
		addr := sender.signal()
		c := session.NewCipher(session.NewBuilder(ss, ss, ss, ss, addr, a.ser), addr)
		out = Decrypted{From: sender, PreKey: k.PreKey}
		err := guard(func() error {
			var err error
			if k.PreKey {
				var m *protocol.PreKeySignalMessage
				if m, err = protocol.NewPreKeySignalMessageFromBytes(k.Data, a.ser.PreKeySignalMessage, a.ser.SignalMessage); err != nil {
					return fmt.Errorf("%w (%w)", ErrMalformed, err)
				}
				km, err = c.DecryptMessage(ctx, m)
			} else {
				var m *protocol.SignalMessage
				if m, err = protocol.NewSignalMessageFromBytes(k.Data, a.ser.SignalMessage); err != nil {
					return fmt.Errorf("%w (%w)", ErrMalformed, err)
				}
				km, err = c.Decrypt(ctx, m)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("omemo: decrypt from %s: %w", sender, signalError(err))
		}
		tr, err := ss.trust(addr, ss.seenKey)
		if err != nil {
			return err
		}
		out.Trust = tr
		out.Fingerprint = Fingerprint(ss.seenKey)
		_, out.NewKey = ss.newTrust[addr.String()]
		out.RefillPreKeys = ss.consumed
		return nil
	})
	if err != nil {
		return nil, err
	}
	if e.Payload == nil {
		out.KeyTransport = true
		return &out, nil
	}
	pt, err := openPayload(km, e.IV, e.Payload)
	if err != nil {
		return nil, fmt.Errorf("omemo: decrypt from %s: %w", sender, err)
	}
	out.Plaintext = pt
	return &out, nil
}

// openPayload decrypts an OMEMO 0.3 payload with the key material a
// session gave: the 16-byte key and the 16-byte tag (what is deployed), or
// the key alone with the tag at the payload's end (early clients). The IV
// may be 12 or 16 bytes (older Conversations sent 16).
func openPayload(km, iv, payload []byte) ([]byte, error) {
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

// signalError maps libsignal's errors to this package's, keeping the
// original in the chain.
func signalError(err error) error {
	var kind error
	switch {
	case errors.Is(err, ErrMalformed):
		return err
	case errors.Is(err, signalerror.ErrOldCounter):
		kind = ErrReplay
	case errors.Is(err, signalerror.ErrNoSessionForUser):
		kind = ErrNoSession
	case errors.Is(err, signalerror.ErrNoOneTimeKeyFound), errors.Is(err, signalerror.ErrNoSignedPreKey):
		kind = ErrUnknownPreKey
	case errors.Is(err, signalerror.ErrBadMAC), errors.Is(err, signalerror.ErrNoValidSessions),
		errors.Is(err, signalerror.ErrUninitializedSession), errors.Is(err, signalerror.ErrTooFarIntoFuture),
		errors.Is(err, signalerror.ErrWrongMessageVersion):
		kind = ErrUndecryptable
	case errors.Is(err, signalerror.ErrOldMessageVersion), errors.Is(err, signalerror.ErrUnknownMessageVersion),
		errors.Is(err, signalerror.ErrIncompleteMessage), errors.Is(err, ecc.ErrBadKeyType):
		kind = ErrMalformed
	default:
		return err
	}
	return fmt.Errorf("%w (%w)", kind, err)
}
