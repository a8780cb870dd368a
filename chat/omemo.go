package chat

import (
	"context"
	"fmt"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/omemo"
	"github.com/clove-xmpp/clove/omemo/device"
)

// This file is what a user sees and decides of end-to-end encryption
// (OMEMO): which keys their contacts' devices have, which to trust. The
// CLI (`clove omemo`) and the window both come here.

// OMEMOKeys are the OMEMO identity keys the account knows: its own
// device's, and those seen of peer's devices (or, with peer the account
// itself, of its other devices).
type OMEMOKeys struct {
	Own    omemo.DeviceKey   // this device (the profile)
	Theirs []omemo.DeviceKey // the keys seen, each with its trust
}

// OMEMOKeys returns account's own key and the keys seen of peer's devices
// ("" or the account itself: its other devices). Reads only the profile;
// makes the account's keys if it has none yet.
func (p *Profile) OMEMOKeys(ctx context.Context, account, peer string) (OMEMOKeys, error) {
	acc, err := p.omemoAccount(ctx, account)
	if err != nil {
		return OMEMOKeys{}, err
	}
	if peer == "" {
		peer = acc.JID()
	}
	own := omemo.DeviceKey{
		Address:     omemo.Address{JID: acc.JID(), Device: acc.DeviceID()},
		Fingerprint: acc.Fingerprint(),
		Trust:       omemo.Verified,
	}
	theirs, err := acc.Fingerprints(ctx, peer)
	if err != nil {
		return OMEMOKeys{}, err
	}
	return OMEMOKeys{Own: own, Theirs: theirs}, nil
}

// SetOMEMOTrust records the user's decision on peer's key with fingerprint
// fp: Verified (they compared it) or Distrusted (never encrypt to it,
// never accept from it). omemo.ErrBadFingerprint and
// omemo.ErrUnknownFingerprint say what was wrong with fp.
func (p *Profile) SetOMEMOTrust(ctx context.Context, account, peer, fp string, t omemo.Trust) error {
	acc, err := p.omemoAccount(ctx, account)
	if err != nil {
		return err
	}
	return acc.SetTrust(ctx, peer, fp, t)
}

// omemoAccount opens account's OMEMO device over the profile's store.
func (p *Profile) omemoAccount(ctx context.Context, account string) (*device.Account, error) {
	if _, err := p.Account(ctx, account); err != nil {
		return nil, fmt.Errorf("no account %s in this profile", account)
	}
	return device.Open(ctx, p.st, account)
}

// OMEMODevices returns peer's OMEMO devices as the session knows them,
// asking peer's server when none are known and the session is online.
// Messages to peer go encrypted when there is one; none (and no error)
// also when the session runs without OMEMO (--plain).
func (s *Session) OMEMODevices(ctx context.Context, peer jid.JID) ([]uint32, error) {
	return s.client.OMEMODevices(ctx, peer)
}

// SetRequireEncryption turns account's require-encryption option on or
// off: on, a chat message to a contact without an OMEMO device fails (and
// stays queued) instead of going out readable. Sessions started from now
// on follow it.
func (p *Profile) SetRequireEncryption(ctx context.Context, account string, on bool) error {
	a, err := p.Account(ctx, account)
	if err != nil {
		return fmt.Errorf("no account %s in this profile", account)
	}
	a.RequireEncryption = on
	return p.st.UpdateAccount(ctx, a)
}

// SetRequireEncryption turns the account's require-encryption option on or
// off, in the profile and for this session's next messages.
func (s *Session) SetRequireEncryption(ctx context.Context, on bool) error {
	if err := s.p.SetRequireEncryption(ctx, s.account.JID, on); err != nil {
		return err
	}
	s.client.SetRequireEncryption(on)
	return nil
}
