package device

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/clove-xmpp/clove/omemo"
	"github.com/clove-xmpp/clove/store"
)

// initialTrust is the trust a key gets when first seen for a device of peer.
func initialTrust(t *store.OMEMOTx, peer string) (omemo.Trust, error) {
	all, err := t.Trusts(peer)
	if err != nil {
		return "", err
	}
	for _, r := range all {
		if omemo.Trust(r.Trust) == omemo.Verified {
			return omemo.Undecided, nil
		}
	}
	return omemo.Blind, nil
}

// Fingerprints returns every identity key seen for peer's devices (own
// other devices when peer is the account), oldest first per device; peer
// "" lists every peer's.
func (a *Account) Fingerprints(ctx context.Context, peer string) ([]omemo.DeviceKey, error) {
	var out []omemo.DeviceKey
	err := a.st.OMEMORead(ctx, a.jid, func(t *store.OMEMOTx) error {
		rows, err := t.Trusts(peer)
		if err != nil {
			return err
		}
		out = make([]omemo.DeviceKey, 0, len(rows))
		for _, r := range rows {
			out = append(out, omemo.DeviceKey{
				Address:     omemo.Address{JID: r.Peer, Device: r.Device},
				Fingerprint: hex.EncodeToString(r.IdentityKey),
				Trust:       omemo.Trust(r.Trust),
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("omemo: fingerprints of %q: %w", peer, err)
	}
	return out, nil
}

// SetTrust sets the trust in the identity key with fingerprint fp for
// every device of peer that showed it.
func (a *Account) SetTrust(ctx context.Context, peer, fp string, trust omemo.Trust) error {
	if !trust.Valid() {
		return fmt.Errorf("omemo: set trust: unknown trust %q", trust)
	}
	key, err := omemo.ParseFingerprint(fp)
	if err != nil {
		return err
	}
	var found bool
	err = a.update(ctx, func(t *store.OMEMOTx) error {
		rows, err := t.Trusts(peer)
		if err != nil {
			return err
		}
		found = false
		for _, r := range rows {
			if string(r.IdentityKey) != string(key[:]) {
				continue
			}
			found = true
			r.Trust = string(trust)
			if err := t.PutTrust(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("omemo: set trust of %s for %s: %w", omemo.FormatFingerprint(omemo.Fingerprint(key)), peer, err)
	}
	if !found {
		return fmt.Errorf("omemo: %s for %s: %w", omemo.FormatFingerprint(omemo.Fingerprint(key)), peer, omemo.ErrUnknownFingerprint)
	}
	return nil
}
