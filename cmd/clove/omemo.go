package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/omemo"
)

// cmdOMEMO is `clove omemo --account JID fingerprints [JID]` and
// `… trust|distrust JID FINGERPRINT` (issue 18's contract). It works on
// the profile alone: the keys listed are those this device has seen (a
// contact's devices appear once a message was exchanged with them).
func cmdOMEMO(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("omemo", flag.ContinueOnError)
	account := fs.String("account", "", "account")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" || len(pos) == 0 {
		return usagef("omemo takes --account JID and fingerprints [JID], trust JID FINGERPRINT or distrust JID FINGERPRINT")
	}
	aj, err := chat.ParseAccountJID(*account)
	if err != nil {
		return usageError{err.Error()}
	}
	peer := ""
	switch {
	case pos[0] == "fingerprints" && len(pos) <= 2:
	case (pos[0] == "trust" || pos[0] == "distrust") && len(pos) == 3:
	default:
		return usagef("omemo takes fingerprints [JID], trust JID FINGERPRINT or distrust JID FINGERPRINT")
	}
	if len(pos) > 1 {
		j, err := chat.ParsePeerJID(pos[1])
		if err != nil {
			return usageError{err.Error()}
		}
		peer = j.Bare().String()
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	switch pos[0] {
	case "trust", "distrust":
		t := omemo.Verified
		if pos[0] == "distrust" {
			t = omemo.Distrusted
		}
		err := p.SetOMEMOTrust(ctx, aj.String(), peer, pos[2], t)
		if errors.Is(err, omemo.ErrBadFingerprint) {
			return usageError{err.Error()}
		}
		return err
	}
	keys, err := p.OMEMOKeys(ctx, aj.String(), peer)
	if err != nil {
		return err
	}
	if peer == "" || peer == aj.String() {
		// This device first: the one a contact compares with what their
		// client shows for us.
		fmt.Fprintf(e.stdout, "%d %s own\n", keys.Own.Device, keys.Own.Fingerprint)
	}
	for _, k := range keys.Theirs {
		fmt.Fprintf(e.stdout, "%d %s %s\n", k.Device, k.Fingerprint, k.Trust)
	}
	return nil
}
