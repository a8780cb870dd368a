package omemo

import "fmt"

// Address is one device of a bare JID.
type Address struct {
	JID    string // bare JID
	Device uint32
}

func (a Address) String() string { return fmt.Sprintf("%s:%d", a.JID, a.Device) }

// KeyLen is the size of a Curve25519 public key as published in bundles
// (without libsignal's type byte) and shown as a fingerprint.
const KeyLen = keyLen
