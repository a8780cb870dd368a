package gui

import (
	"context"
	"errors"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/omemo"
	"github.com/clove-xmpp/clove/ui"
)

var _ ui.Encryptor = (*Backend)(nil)

// Encryption says whether a message to peer would go OMEMO-encrypted now:
// it does when peer has an OMEMO device (the session asks their server
// when none is known yet).
func (b *Backend) Encryption(ctx context.Context, peer string) (ui.Encryption, error) {
	s, err := b.session()
	if err != nil {
		return ui.Encryption{Why: "not logged in yet"}, nil
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return ui.Encryption{}, err
	}
	if to.Resourcepart() != "" {
		return ui.Encryption{Why: "private messages in a room are not encrypted: the room hides who the person is, so their devices cannot be known"}, nil
	}
	ds, err := s.OMEMODevices(ctx, to)
	if err != nil {
		return ui.Encryption{Why: "their devices could not be looked up (" + err.Error() + ")"}, nil
	}
	if len(ds) == 0 {
		return ui.Encryption{Why: "no OMEMO device of theirs is known (their client has no OMEMO, or their server does not share its device list)"}, nil
	}
	return ui.Encryption{On: true, Devices: len(ds)}, nil
}

// RoomEncryption says whether a message to the room would go
// OMEMO-encrypted now, and for whom (a private room whose members all
// have OMEMO devices), or why not.
func (b *Backend) RoomEncryption(ctx context.Context, room string) (ui.Encryption, error) {
	s, err := b.session()
	if err != nil {
		return ui.Encryption{Why: "not logged in yet"}, nil
	}
	st, err := s.RoomEncryption(ctx, room)
	if err != nil {
		return ui.Encryption{Why: "the room's members could not be looked up (" + err.Error() + ")"}, nil
	}
	return ui.Encryption{On: st.Encrypted, Why: st.Why, Members: st.Members}, nil
}

// Keys returns this device's OMEMO key and those seen of peer's devices.
func (b *Backend) Keys(ctx context.Context, peer string) (ui.DeviceKey, []ui.DeviceKey, error) {
	keys, err := b.p.OMEMOKeys(ctx, b.account, peer)
	if err != nil {
		return ui.DeviceKey{}, nil, err
	}
	theirs := make([]ui.DeviceKey, 0, len(keys.Theirs))
	for _, k := range keys.Theirs {
		theirs = append(theirs, uiKey(k))
	}
	return uiKey(keys.Own), theirs, nil
}

func uiKey(k omemo.DeviceKey) ui.DeviceKey {
	return ui.DeviceKey{Device: k.Device, Fingerprint: k.Fingerprint, Trust: string(k.Trust)}
}

// SetKeyTrust marks peer's key verified or distrusted.
func (b *Backend) SetKeyTrust(ctx context.Context, peer, fingerprint string, verified bool) error {
	t := omemo.Distrusted
	if verified {
		t = omemo.Verified
	}
	err := b.p.SetOMEMOTrust(ctx, b.account, peer, fingerprint, t)
	if errors.Is(err, omemo.ErrUnknownFingerprint) {
		return errors.New("no device of this contact has that key any more")
	}
	return err
}

// RequireEncryption says whether the account sends nothing unencrypted.
func (b *Backend) RequireEncryption(ctx context.Context) (bool, error) {
	a, err := b.p.Account(ctx, b.account)
	return a.RequireEncryption, err
}

// SetRequireEncryption turns the account's require-encryption option on
// or off: in the profile, and in the running session at once.
func (b *Backend) SetRequireEncryption(ctx context.Context, on bool) error {
	if s := b.sess.Load(); s != nil {
		return s.SetRequireEncryption(ctx, on)
	}
	return b.p.SetRequireEncryption(ctx, b.account, on)
}
