package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// mapFlag collects --map DOMAIN=B32 entries.
type mapFlag map[string]string

func (m mapFlag) String() string { return fmt.Sprint(map[string]string(m)) }
func (m mapFlag) Set(v string) error {
	k, b, ok := strings.Cut(v, "=")
	if !ok || k == "" || b == "" {
		return fmt.Errorf("expected DOMAIN=NAME.b32.i2p, got %q", v)
	}
	if err := transport.ValidateI2PName(b); err != nil {
		return err
	}
	m[strings.ToLower(k)] = transport.NormalizeHost(b)
	return nil
}

// connFlags are the connection settings shared by account add and register.
type connFlags struct {
	server, proxy, sam, pin string
	i2pOnly                 bool
	dmap                    mapFlag
	hops                    int
	keep                    bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	c.dmap = mapFlag{}
	fs.StringVar(&c.server, "server", "", "connect to HOST:PORT instead of looking up the domain")
	fs.StringVar(&c.proxy, "proxy", "", "SOCKS5 proxy, e.g. socks5://127.0.0.1:4447 (i2pd)")
	fs.StringVar(&c.sam, "sam", "", "I2P SAM bridge, e.g. 127.0.0.1:7656")
	fs.BoolVar(&c.i2pOnly, "i2p-only", false, "refuse any destination outside I2P")
	fs.Var(c.dmap, "map", "darknet map entry DOMAIN=NAME.b32.i2p (repeatable)")
	fs.StringVar(&c.pin, "pin", "", "require this SHA-256 certificate fingerprint")
	fs.BoolVar(&c.keep, "keep-i2p-address", false, "SAM: keep one I2P address for this account across sessions (default: a new one each session)")
	fs.IntVar(&c.hops, "i2p-hops", 0, "tunnel hops of the SAM session each way, 1–7 (default 3: fewer is faster and less anonymous)")
}

func (c *connFlags) account(j string) (store.Account, error) {
	a := store.Account{JID: j, Server: c.server, Proxy: c.proxy, SAM: c.sam, I2POnly: c.i2pOnly, DarknetMap: c.dmap, I2PHops: c.hops}
	if c.hops != 0 && (c.hops < 1 || c.hops > 7) {
		return a, usagef("--i2p-hops must be 1–7")
	}
	if c.keep && c.sam == "" {
		return a, usagef("--keep-i2p-address applies to a SAM session: use it with --sam")
	}
	if c.hops != 0 && c.sam == "" {
		return a, usagef("--i2p-hops applies to a SAM session: use it with --sam (a SOCKS proxy's tunnels are set in the router)")
	}
	if c.pin != "" {
		p, err := xmppclient.NormalizeFingerprint(c.pin)
		if err != nil {
			return a, usageError{"--pin: " + err.Error()}
		}
		a.Pin = p
	}
	s := settingsOf(a)
	if err := s.Validate(); err != nil {
		return a, usageError{err.Error()}
	}
	if _, err := transport.Plan(s, domainOf(j)); err != nil {
		return a, err
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
func (e *env) samKeysPath(a store.Account) string {
	if a.SAM == "" {
		return ""
	}
	name := strings.NewReplacer("@", "_at_", "/", "_").Replace(a.JID)
	return filepath.Join(e.profile, "i2p", name+".keys")
}

// parseAccountArgs parses `COMMAND JID [connection flags]` (account add,
// register) into the account to create.
func (e *env) parseAccountArgs(fs *flag.FlagSet, cf *connFlags, args []string) (store.Account, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return store.Account{}, err
	}
	if len(pos) != 1 {
		return store.Account{}, usagef("%s takes one address (name@server)", fs.Name())
	}
	j, err := parseAccountJID(pos[0])
	if err != nil {
		return store.Account{}, usageError{err.Error()}
	}
	a, err := cf.account(j.String())
	if err != nil {
		return store.Account{}, err
	}
	if cf.keep {
		a.SAMKeys = e.samKeysPath(a)
	}
	return a, nil
}

func domainOf(j string) string {
	_, d, _ := strings.Cut(j, "@")
	return d
}

func cmdAccount(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("account needs add, list or remove")
	}
	switch args[0] {
	case "add":
		return accountAdd(ctx, e, args[1:])
	case "list":
		return accountList(ctx, e, args[1:])
	case "remove":
		return accountRemove(ctx, e, args[1:])
	}
	return usagef("unknown account command %q", args[0])
}

func accountAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("account add", flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	offline := fs.Bool("offline", false, "save the account without logging in")
	remember := fs.Bool("remember", false, "keep the password in the OS keyring")
	a, err := e.parseAccountArgs(fs, &cf, args)
	if err != nil {
		return err
	}
	j := a.JID
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.AddAccount(ctx, a); err != nil {
		if errors.Is(err, store.ErrExists) {
			return fmt.Errorf("%s is already in this profile (remove it first to change its settings)", j)
		}
		return err
	}
	if *offline {
		fmt.Fprintf(e.stdout, "added %s (not checked: --offline)\n", j)
		return nil
	}
	if err := e.checkLogin(ctx, st, a); err != nil {
		_ = st.RemoveAccount(ctx, a.JID)
		return fmt.Errorf("%w (the account was not added)", err)
	}
	if *remember {
		if pw, err := e.password(a.JID); err == nil {
			if err := e.rememberPassword(a.JID, pw); err != nil {
				fmt.Fprintf(e.stderr, "clove: the password was not saved: %v\n", err)
			}
		}
	}
	fmt.Fprintf(e.stdout, "added %s\n", j)
	return nil
}

// checkLogin logs in once: it proves the settings and password and pins
// the certificate on first use.
func (e *env) checkLogin(ctx context.Context, st *store.Store, a store.Account) error {
	pw, err := e.password(a.JID)
	if err != nil {
		return err
	}
	return e.loginOnce(ctx, st, a, pw, nil)
}

func accountList(ctx context.Context, e *env, args []string) error {
	if len(args) != 0 {
		return usagef("account list takes no arguments")
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	as, err := st.Accounts(ctx)
	if err != nil {
		return err
	}
	if len(as) == 0 {
		fmt.Fprintln(e.stderr, "no accounts yet: add one with 'clove account add name@server'")
	}
	for _, a := range as {
		if a.Pin == "" {
			// Show the certificate pinned on first use, if any.
			if p, err := st.Pin(ctx, a.JID, domainOf(a.JID)); err == nil {
				a.Pin = p
			}
		}
		fmt.Fprintf(e.stdout, "%s\t%s\n", a.JID, describeConn(a))
	}
	return nil
}

func describeConn(a store.Account) string {
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
	if a.I2POnly {
		parts = append(parts, "I2P only")
	}
	if a.Pin != "" {
		parts = append(parts, "pin "+a.Pin[:16]+"…")
	}
	return strings.Join(parts, ", ")
}

func accountRemove(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("account remove takes one address")
	}
	j, err := parseAccountJID(args[0])
	if err != nil {
		return usageError{err.Error()}
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RemoveAccount(ctx, j.String()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no account %s in this profile", j)
		}
		return err
	}
	e.forgetPassword(j.String())
	fmt.Fprintf(e.stdout, "removed %s and its local history\n", j)
	return nil
}

func cmdRegister(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	var cf connFlags
	cf.register(fs)
	a, err := e.parseAccountArgs(fs, &cf, args)
	if err != nil {
		return err
	}
	j := a.JID
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Account(ctx, a.JID); err == nil {
		return fmt.Errorf("%s is already in this profile", j)
	}
	pw, err := e.password(a.JID)
	if err != nil {
		return err
	}
	// The account row must exist for the pin to be stored.
	if err := st.AddAccount(ctx, a); err != nil {
		return err
	}
	cfg, cleanup, err := e.clientConfig(ctx, st, a, pw)
	if err != nil {
		_ = st.RemoveAccount(ctx, a.JID)
		return err
	}
	defer cleanup()
	if err := xmppclient.Register(ctx, cfg); err != nil {
		_ = st.RemoveAccount(ctx, a.JID)
		return fmt.Errorf("creating %s: %w", j, err)
	}
	if p, err := st.Pin(ctx, a.JID, domainOf(j)); err == nil && p != "" {
		fmt.Fprintf(e.stderr, "clove: trusting %s's certificate on first use; SHA-256 %s (pinned)\n", domainOf(j), xmppclient.FormatFingerprint(p))
	}
	fmt.Fprintf(e.stdout, "registered %s and added it to this profile\n", j)
	return nil
}
