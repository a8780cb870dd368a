package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/xmppclient"
)

// setFlag collects --set FIELD=VALUE entries, in order (a later one for
// the same field wins).
type setFlag map[string]string

func (m setFlag) String() string { return fmt.Sprint(map[string]string(m)) }
func (m setFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("expected FIELD=VALUE, got %q", v)
	}
	k = strings.ToLower(strings.TrimSpace(k))
	if err := xmppclient.CheckProfileChange(k, val); err != nil {
		return err
	}
	m[k] = val
	return nil
}

// accountProfile is `clove account profile --account JID [CONTACT]
// [--set FIELD=VALUE …] [--json]`: it prints the account's own profile
// (its vCard's text fields, XEP-0054), or a contact's, one `field: value`
// per line; --set changes the account's own fields ("FIELD=" removes
// one), keeping the rest of the vCard and its photo.
func accountProfile(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("account profile", flag.ContinueOnError)
	account := fs.String("account", "", "account")
	asJSON := fs.Bool("json", false, "print the fields as one JSON object")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server")
	set := setFlag{}
	fs.Var(set, "set", "FIELD=VALUE: change a field of your profile (repeatable; FIELD= removes it)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" {
		return usagef("account profile needs --account JID")
	}
	if len(pos) > 1 || len(pos) == 1 && len(set) > 0 {
		return usagef("account profile takes at most one contact's address, and --set only for your own")
	}
	var who jid.JID
	if len(pos) == 1 {
		if who, err = chat.ParsePeerJID(pos[0]); err != nil {
			return usagef("%v", err)
		}
	}
	s, done, err := e.session(ctx, *account, chat.Options{Passive: true})
	if err != nil {
		return err
	}
	defer done()
	if !flagSet(fs, "timeout") && chat.OverI2P(s.Account()) {
		*timeout = 5 * time.Minute // I2P: tunnels and lookups take minutes on a cold router
	}
	var cp chat.ContactProfile
	if len(set) > 0 {
		cp.Profile, err = s.WriteProfile(ctx, set, *timeout)
		cp.None = cp.Profile.Empty()
	} else {
		cp, err = s.ReadProfile(ctx, who, *timeout)
	}
	if err != nil {
		return err
	}
	return e.printProfile(cp, *asJSON)
}

// printProfile prints cp's fields: `field: value` lines (network text
// escaped, a newline as ⏎), or one JSON object.
func (e *env) printProfile(cp chat.ContactProfile, asJSON bool) error {
	for _, k := range cp.Cut {
		fmt.Fprintf(e.stderr, "clove: %s was longer than Clove shows: cut\n", k)
	}
	if asJSON {
		cp.Profile.Cut = nil // said on stderr
		return json.NewEncoder(e.stdout).Encode(struct {
			xmppclient.Profile
			None bool `json:"none,omitempty"` // nothing published
		}{cp.Profile, cp.None})
	}
	if cp.None {
		fmt.Fprintln(e.stdout, "no profile published")
		return nil
	}
	for _, f := range xmppclient.ProfileFields() {
		if v := *cp.Field(f.Key); v != "" {
			fmt.Fprintf(e.stdout, "%s: %s\n", f.Key, termText(v))
		}
	}
	return nil
}
