package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/clove-xmpp/clove/chat"
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
func connFlags(fs *flag.FlagSet) *chat.Settings {
	var s chat.Settings
	dmap := mapFlag{}
	s.Map = dmap
	fs.StringVar(&s.Server, "server", "", "connect to HOST:PORT instead of looking up the domain")
	fs.BoolVar(&s.DirectTLS, "direct-tls", false, "the --server port speaks TLS from the first byte (XEP-0368 direct TLS, often 5223): two round trips fewer than STARTTLS")
	fs.StringVar(&s.Proxy, "proxy", "", "SOCKS5 proxy, e.g. socks5://127.0.0.1:4447 (i2pd)")
	fs.StringVar(&s.SAM, "sam", "", "I2P SAM bridge, e.g. 127.0.0.1:7656")
	fs.BoolVar(&s.I2POnly, "i2p-only", false, "refuse any destination outside I2P")
	fs.Var(dmap, "map", "darknet map entry DOMAIN=NAME.b32.i2p (repeatable)")
	fs.StringVar(&s.Pin, "pin", "", "require this SHA-256 certificate fingerprint")
	fs.BoolVar(&s.KeepAddress, "keep-i2p-address", false, "SAM: keep one I2P address for this account across sessions (default: a new one each session)")
	fs.IntVar(&s.Hops, "i2p-hops", 0, "tunnel hops of the SAM session each way, 1–7 (default 3: fewer is faster and less anonymous)")
	return &s
}

// newAccount parses `COMMAND JID [connection flags]` (account add,
// register) into the account to create; the profile is opened for it.
func (e *env) newAccount(ctx context.Context, fs *flag.FlagSet, cs *chat.Settings, args []string) (*chat.Profile, store.Account, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, store.Account{}, err
	}
	if len(pos) != 1 {
		return nil, store.Account{}, usagef("%s takes one address (name@server)", fs.Name())
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return nil, store.Account{}, err
	}
	a, err := p.NewAccount(pos[0], *cs)
	if err != nil {
		p.Close()
		return nil, store.Account{}, err
	}
	return p, a, nil
}

func cmdAccount(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("account needs add, list, set, avatar, profile or remove")
	}
	// `account --account JID profile …` reads as `account profile
	// --account JID …`, the order of the other commands.
	switch {
	case len(args) >= 3 && args[0] == "--account":
		args = append([]string{args[2], args[0], args[1]}, args[3:]...)
	case len(args) >= 2 && strings.HasPrefix(args[0], "--account="):
		args = append([]string{args[1], args[0]}, args[2:]...)
	}
	switch args[0] {
	case "add":
		return accountAdd(ctx, e, args[1:])
	case "list":
		return accountList(ctx, e, args[1:])
	case "remove":
		return accountRemove(ctx, e, args[1:])
	case "set":
		return accountSet(ctx, e, args[1:])
	case "avatar":
		return accountAvatar(ctx, e, args[1:])
	case "profile":
		return accountProfile(ctx, e, args[1:])
	}
	return usagef("unknown account command %q", args[0])
}

// accountSet is `clove account set JID require-encryption on|off`.
func accountSet(ctx context.Context, e *env, args []string) error {
	if len(args) != 3 || args[1] != "require-encryption" || (args[2] != "on" && args[2] != "off") {
		return usagef("account set takes JID require-encryption on|off")
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.SetRequireEncryption(ctx, args[0], args[2] == "on"); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: require-encryption %s\n", args[0], args[2])
	return nil
}

func accountAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("account add", flag.ContinueOnError)
	cs := connFlags(fs)
	offline := fs.Bool("offline", false, "save the account without logging in")
	remember := fs.Bool("remember", false, "keep the password in the OS keyring")
	requireE2E := fs.Bool("require-encryption", false, "never send a chat message unencrypted (OMEMO)")
	p, a, err := e.newAccount(ctx, fs, cs, args)
	if err != nil {
		return err
	}
	defer p.Close()
	a.RequireEncryption = *requireE2E
	if *offline {
		if err := p.AddAccount(ctx, a, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added %s (not checked: --offline)\n", a.JID)
		return nil
	}
	pw, err := e.password(a.JID)
	if err != nil {
		return err
	}
	// Logged in once: it proves the settings and password and pins the
	// certificate on first use.
	if err := p.AddAccount(ctx, a, &chat.Login{Password: pw, Notice: e.notice}); err != nil {
		return fmt.Errorf("%w (the account was not added)", err)
	}
	if *remember {
		if err := e.rememberPassword(a.JID, pw); err != nil {
			fmt.Fprintf(e.stderr, "clove: the password was not saved: %v\n", err)
		}
	}
	fmt.Fprintf(e.stdout, "added %s\n", a.JID)
	return nil
}

func accountList(ctx context.Context, e *env, args []string) error {
	if len(args) != 0 {
		return usagef("account list takes no arguments")
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	as, err := p.Accounts(ctx)
	if err != nil {
		return err
	}
	if len(as) == 0 {
		fmt.Fprintln(e.stderr, "no accounts yet: add one with 'clove account add name@server'")
	}
	for _, a := range as {
		a.Pin = p.PinOf(ctx, a) // the certificate pinned on first use, if any
		fmt.Fprintf(e.stdout, "%s\t%s\n", a.JID, chat.Describe(a))
	}
	return nil
}

func accountRemove(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usagef("account remove takes one address")
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	j, err := p.RemoveAccount(ctx, args[0])
	if err != nil {
		return err
	}
	e.forgetPassword(j)
	fmt.Fprintf(e.stdout, "removed %s and its local history\n", j)
	return nil
}

func cmdRegister(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	cs := connFlags(fs)
	p, a, err := e.newAccount(ctx, fs, cs, args)
	if err != nil {
		return err
	}
	defer p.Close()
	if p.Has(ctx, a.JID) { // before asking for the password
		return fmt.Errorf("%s is already in this profile", a.JID)
	}
	pw, err := e.password(a.JID)
	if err != nil {
		return err
	}
	if err := p.Register(ctx, a, chat.Login{Password: pw}); err != nil {
		return err
	}
	if pin := p.PinOf(ctx, a); pin != "" && a.Pin == "" {
		e.notice(fmt.Sprintf("trusting %s's certificate on first use; SHA-256 %s (pinned)", a.Domain(), xmppclient.FormatFingerprint(pin)))
	}
	fmt.Fprintf(e.stdout, "registered %s and added it to this profile\n", a.JID)
	return nil
}
