package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Profile is one profile directory: its store (accounts, history, outbox,
// pins) and what lives beside it (the accounts' kept I2P identities, the
// bundled node).
type Profile struct {
	dir   string
	st    *store.Store
	log   *slog.Logger
	watch profileWatch // the sessions' locks (see ownership.go)
}

// OpenProfile opens (or creates) the profile in dir.
func OpenProfile(ctx context.Context, dir string, log *slog.Logger) (*Profile, error) {
	st, err := store.Open(ctx, filepath.Join(dir, "clove.db"))
	if err != nil {
		// A full disk in the words every other full-disk error uses.
		return nil, fmt.Errorf("opening the profile %s: %w", dir, diskFull(err))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Profile{dir: dir, st: st, log: log}, nil
}

// Close closes the store; every session must have ended.
func (p *Profile) Close() error {
	p.stopWatch()
	return p.st.Close()
}

// Dir is the profile's directory.
func (p *Profile) Dir() string { return p.dir }

// Store is the profile's store (benchmarks and tests read it directly).
func (p *Profile) Store() *store.Store { return p.st }

// InputError is a mistake in what the user gave (an address, a setting),
// as opposed to a failure; the command line exits 2 on it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErrorf(format string, a ...any) error {
	return &InputError{fmt.Errorf(format, a...)}
}

// Accounts lists the profile's accounts.
func (p *Profile) Accounts(ctx context.Context) ([]store.Account, error) {
	return p.st.Accounts(ctx)
}

// Account loads the account with the address typed.
func (p *Profile) Account(ctx context.Context, addr string) (store.Account, error) {
	aj, err := ParseAccountJID(addr)
	if err != nil {
		return store.Account{}, &InputError{err}
	}
	a, err := p.st.Account(ctx, aj.String())
	if errors.Is(err, store.ErrNotFound) {
		return a, fmt.Errorf("no account %s in this profile: add it with 'clove account add %s'", aj, aj)
	}
	return a, err
}

// Settings are how an account connects, as the user gives them (the
// command line's flags, the wizard's choices).
type Settings struct {
	Server, Proxy, SAM string
	I2POnly            bool
	Map                map[string]string // darknet map: domain → name.b32.i2p
	Pin                string            // a certificate fingerprint to require
	Hops               int               // SAM tunnel length each way (0: I2P's default)
	KeepAddress        bool              // SAM: one I2P identity across sessions
	DirectTLS          bool              // Server is a direct TLS port (XEP-0368)
}

// NewAccount checks the settings for account addr and returns the account
// to add; nothing is stored yet.
func (p *Profile) NewAccount(addr string, s Settings) (store.Account, error) {
	j, err := ParseAccountJID(addr)
	if err != nil {
		return store.Account{}, &InputError{err}
	}
	a := store.Account{JID: j.String(), Server: s.Server, Proxy: s.Proxy, SAM: s.SAM, I2POnly: s.I2POnly, DarknetMap: s.Map, I2PHops: s.Hops, DirectTLS: s.DirectTLS}
	switch {
	case s.DirectTLS && s.Server == "":
		// Without a server the domain's _xmpps-client SRV records (direct
		// mode) say which ports are direct TLS; over I2P nothing is looked
		// up, so the port must be given.
		return a, inputErrorf("--direct-tls needs the server's direct TLS port: --server HOST:PORT (often 5223); without --server, direct TLS is used where the domain's _xmpps-client DNS records offer it")
	case s.Hops != 0 && (s.Hops < 1 || s.Hops > 7):
		return a, inputErrorf("--i2p-hops must be 1–7")
	case s.KeepAddress && s.SAM == "":
		return a, inputErrorf("--keep-i2p-address applies to a SAM session: use it with --sam")
	case s.Hops != 0 && s.SAM == "":
		return a, inputErrorf("--i2p-hops applies to a SAM session: use it with --sam (a SOCKS proxy's tunnels are set in the router)")
	}
	if s.Pin != "" {
		pin, err := xmppclient.NormalizeFingerprint(s.Pin)
		if err != nil {
			return a, inputErrorf("--pin: %w", err)
		}
		a.Pin = pin
	}
	ts := transportSettings(a)
	if err := ts.Validate(); err != nil {
		return a, &InputError{err}
	}
	if _, err := transport.Plan(ts, j.Domainpart()); err != nil {
		return a, err
	}
	if s.KeepAddress {
		a.SAMKeys = p.samKeysPath(a)
	}
	return a, nil
}

// samKeysPath is where an account's persistent I2P identity lives, so its
// destination stays the same across restarts (account add
// --keep-i2p-address). By default an account gets a new identity each
// session: the server cannot link sessions by address, and i2pd 2.45.1
// stalls the first stream of a re-used identity for ~2 minutes (a server
// router keeps its old encrypted session to that address; measured: 2m21s
// and 1m55s against 20 s for each fresh identity).
func (p *Profile) samKeysPath(a store.Account) string {
	name := strings.NewReplacer("@", "_at_", "/", "_").Replace(a.JID)
	return filepath.Join(p.dir, "i2p", name+".keys")
}

// Login is what logging in to check an account takes: the password and a
// say on an unknown certificate (nil: trust it on first use).
type Login struct {
	Password string
	Trust    func(host, fingerprint string) bool
	Notice   func(string) // as Options.Notice: the certificate pinned, …
}

// AddAccount adds a to the profile; with login it first logs in once to
// prove the settings and password (pinning the certificate), and adds
// nothing if that fails.
func (p *Profile) AddAccount(ctx context.Context, a store.Account, login *Login) error {
	if err := p.st.AddAccount(ctx, a); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("%s is already in this profile (remove it first to change its settings)", a.JID)
		}
		return err
	}
	if login == nil {
		return nil
	}
	if err := p.CheckLogin(ctx, a, *login); err != nil {
		_ = p.st.RemoveAccount(context.WithoutCancel(ctx), a.JID)
		return err
	}
	return nil
}

// Register creates account a on its server (XEP-0077) and adds it to the
// profile; on failure the profile is left as it was.
func (p *Profile) Register(ctx context.Context, a store.Account, login Login) error {
	if p.Has(ctx, a.JID) {
		return fmt.Errorf("%s is already in this profile", a.JID)
	}
	// The account row must exist for the pin to be stored.
	if err := p.st.AddAccount(ctx, a); err != nil {
		return err
	}
	err := func() error {
		cfg, d, err := p.clientConfig(a, login.Password)
		if err != nil {
			return err
		}
		defer d.Close()
		cfg.Trust = p.trustPinned(a.JID, login.Trust)
		if err := xmppclient.Register(ctx, cfg); err != nil {
			return fmt.Errorf("creating %s: %w", a.JID, err)
		}
		return nil
	}()
	if err != nil {
		_ = p.st.RemoveAccount(context.WithoutCancel(ctx), a.JID)
	}
	return err
}

// CheckLogin logs in once and out again: it proves the settings and
// password and pins the certificate on first use. It leaves the account's
// OMEMO device unpublished: the profile's first session announces it.
func (p *Profile) CheckLogin(ctx context.Context, a store.Account, login Login) error {
	s, err := p.Session(a, login.Password, Options{Passive: true, NoReconnect: true, Trust: login.Trust, Notice: login.Notice, check: true})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	s.Start(ctx)
	var loginErr error
	online := false
	for ev := range s.Events() {
		sc, ok := clientEvent(ev).(xmppclient.StateChanged)
		if !ok {
			continue
		}
		switch sc.State {
		case xmppclient.Online:
			online = true
			cancel()
		case xmppclient.Failed:
			loginErr = sc.Err
		case xmppclient.Offline:
			if loginErr == nil && sc.Err != nil {
				loginErr = sc.Err
			}
		}
	}
	_ = s.Wait()
	if online {
		return nil
	}
	if loginErr == nil {
		loginErr = errors.New("the login did not complete")
	}
	return loginErr
}

// RemoveAccount removes an account and its local history.
func (p *Profile) RemoveAccount(ctx context.Context, addr string) (string, error) {
	j, err := ParseAccountJID(addr)
	if err != nil {
		return "", &InputError{err}
	}
	if err := p.st.RemoveAccount(ctx, j.String()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("no account %s in this profile", j)
		}
		return "", err
	}
	return j.String(), nil
}

// PinOf is the certificate fingerprint account a requires or pinned on
// first use ("" if none yet).
func (p *Profile) PinOf(ctx context.Context, a store.Account) string {
	if a.Pin != "" {
		return a.Pin
	}
	pin, err := p.st.Pin(ctx, a.JID, a.Domain())
	if err != nil {
		return ""
	}
	return pin
}

// Describe says in a few words how account a connects.
func Describe(a store.Account) string {
	var parts []string
	switch {
	case a.SAM != "":
		parts = append(parts, "I2P via SAM "+a.SAM)
		if a.I2PHops != 0 {
			parts = append(parts, fmt.Sprintf("%d-hop tunnels", a.I2PHops))
		}
		switch addr, err := transport.IdentityAddress(a.SAMKeys); {
		case a.SAMKeys == "":
			parts = append(parts, "a new I2P address each session")
		case err == nil:
			parts = append(parts, "own I2P address "+addr)
		default:
			parts = append(parts, "own I2P address made on first connect")
		}
	case a.Proxy != "":
		parts = append(parts, "via "+a.Proxy)
	default:
		parts = append(parts, "direct")
	}
	if a.Server != "" {
		parts = append(parts, "server "+a.Server)
	}
	if a.DirectTLS {
		parts = append(parts, "direct TLS")
	}
	if a.I2POnly {
		parts = append(parts, "I2P only")
	}
	if a.Pin != "" {
		parts = append(parts, "pin "+a.Pin[:16]+"…")
	}
	if a.RequireEncryption {
		parts = append(parts, "sends nothing unencrypted")
	}
	return strings.Join(parts, ", ")
}

// OverI2P reports whether account a connects through I2P (answers take
// minutes on a cold router, not seconds).
func OverI2P(a store.Account) bool {
	return transportSettings(a).Mode() != transport.ModeDirect
}

// Has reports whether the profile holds account addr (bare, as stored).
func (p *Profile) Has(ctx context.Context, addr string) bool {
	_, err := p.st.Account(ctx, addr)
	return err == nil
}
