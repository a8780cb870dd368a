package omemo

import "errors"

// Errors of encrypting, decrypting and taking a bundle (package
// omemo/device), beside ErrMalformed. Test for them with errors.Is; the
// returned errors name the device concerned.
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
