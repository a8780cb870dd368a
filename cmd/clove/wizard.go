package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

// The first-run wizard's backend: it turns the wizard's forms into the
// same account settings as `clove account add` / `clove register` /
// `clove node …`, logs in once to prove them (asking before trusting a
// self-signed certificate), then hands the account to the wiring, which
// starts its session; the presets run on that session.

// The presets' addresses (tests point the backend's fields elsewhere).
const (
	presetTestContact    = "hello@xmppoeiqpbeelicgkoim3ibegjonbqwh7vv7d6nsju73tjjmujpq.b32.i2p"
	presetFederationRoom = "federation@muc.i2p.rocks"
)

// The fixed endpoints the wizard's connection choices stand for.
const (
	wizardLocalServer = "127.0.0.1:5222"
	wizardSOCKS       = "socks5://127.0.0.1:4447"
	wizardSAM         = "127.0.0.1:7656"
)

type wizardBackend struct {
	e  *env
	st *store.Store

	contact, room string // the presets

	nodeDir     string     // the bundled node's directory
	nodeNetwork string     // --i2pd-network file for the node ("" real I2P)
	nodePort    int        // its client port (0: 5222)
	nodeS2SPort int        // its server port (0: 5269)
	nodeSOCKS   string     // I2P SOCKS for its s2s ("": 127.0.0.1:4447)
	nodeHops    *node.Hops // its tunnel lengths (nil: I2P's usual 3)
	// startNode starts the node and returns once it answers (default: the
	// background supervisor of 'clove node start').
	startNode func(ctx context.Context, dir, network string) error

	// started is given the logged-in account and its password; the wiring
	// starts its session and returns the backend whose client the presets
	// use.
	started func(a store.Account, password string) *guiBackend

	mu    sync.Mutex
	gb    *guiBackend
	acks  map[string]chan struct{} // message id → closed when the server acked it
	early map[string]bool          // acks no one waited for yet
}

var _ ui.WizardBackend = (*wizardBackend)(nil)

func newWizardBackend(e *env, st *store.Store) *wizardBackend {
	w := &wizardBackend{
		e: e, st: st,
		contact: presetTestContact, room: presetFederationRoom,
		nodeDir: filepath.Join(e.profile, "node"),
		acks:    map[string]chan struct{}{},
		early:   map[string]bool{},
	}
	// Tests of the real binary point the presets at local stand-ins.
	if v := e.getenv("CLOVE_PRESET_CONTACT"); v != "" {
		w.contact = v
	}
	if v := e.getenv("CLOVE_PRESET_ROOM"); v != "" {
		w.room = v
	}
	return w
}

// account turns the form into the account to create, through the same
// checks as the command line's flags.
func (w *wizardBackend) account(f ui.AccountForm) (store.Account, error) {
	j, err := parseAccountJID(f.JID)
	if err != nil {
		return store.Account{}, err
	}
	cf := connFlags{dmap: mapFlag{}}
	switch f.Conn {
	case ui.ConnAuto:
		if transport.IsI2P(j.Domainpart()) {
			cf.proxy, cf.i2pOnly = wizardSOCKS, true
		}
	case ui.ConnLocal:
		cf.server = wizardLocalServer
	case ui.ConnSOCKS:
		cf.proxy = wizardSOCKS
		cf.i2pOnly = transport.IsI2P(j.Domainpart())
	case ui.ConnSAM:
		cf.sam = wizardSAM
		cf.i2pOnly = transport.IsI2P(j.Domainpart())
	case ui.ConnCustom:
		cf.server = strings.TrimSpace(f.Custom)
	}
	a, err := cf.account(j.String())
	if err != nil {
		return store.Account{}, err
	}
	if _, err := w.st.Account(context.Background(), a.JID); err == nil {
		return store.Account{}, fmt.Errorf("%s is already in this profile", a.JID)
	}
	return a, nil
}

// trustOnly accepts an unknown certificate only if it is the one the user
// agreed to; it records the one it saw.
type trustOnly struct {
	agreed string
	mu     sync.Mutex
	seen   string
}

func (t *trustOnly) trust(host, fp string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen = fp
	return t.agreed != "" && fp == t.agreed
}

// certQuestion turns a refused unknown certificate into the wizard's
// question.
func (t *trustOnly) certQuestion(host string, err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if errors.Is(err, xmppclient.ErrCertRejected) && t.seen != "" {
		return &ui.CertError{Host: host, Fingerprint: xmppclient.FormatFingerprint(t.seen), Raw: t.seen}
	}
	return err
}

func newTrust(f ui.AccountForm) *trustOnly {
	t := &trustOnly{}
	if f.Fingerprint != "" {
		if p, err := xmppclient.NormalizeFingerprint(f.Fingerprint); err == nil {
			t.agreed = p
		}
	}
	return t
}

func (w *wizardBackend) AddAccount(ctx context.Context, f ui.AccountForm) error {
	a, err := w.account(f)
	if err != nil {
		return err
	}
	if err := w.st.AddAccount(ctx, a); err != nil {
		return err
	}
	t := newTrust(f)
	if err := w.e.loginOnce(ctx, w.st, a, f.Password, t.trust); err != nil {
		_ = w.st.RemoveAccount(context.Background(), a.JID)
		return t.certQuestion(domainOf(a.JID), err)
	}
	w.loggedIn(a, f.Password, f.Remember)
	return nil
}

func (w *wizardBackend) Register(ctx context.Context, f ui.AccountForm) error {
	a, err := w.account(f)
	if err != nil {
		return err
	}
	// The account row must exist for the pin to be stored.
	if err := w.st.AddAccount(ctx, a); err != nil {
		return err
	}
	fail := func(err error) error {
		_ = w.st.RemoveAccount(context.Background(), a.JID)
		return err
	}
	t := newTrust(f)
	cfg, cleanup, err := w.e.clientConfig(ctx, w.st, a, f.Password)
	if err != nil {
		return fail(err)
	}
	cfg.Trust = t.trust
	err = xmppclient.Register(ctx, cfg)
	cleanup()
	if err != nil {
		return fail(t.certQuestion(domainOf(a.JID), err))
	}
	// The certificate is pinned now: log in with it.
	if err := w.e.loginOnce(ctx, w.st, a, f.Password, t.trust); err != nil {
		return fail(fmt.Errorf("%s was created, but logging in failed: %w", a.JID, err))
	}
	w.loggedIn(a, f.Password, f.Remember)
	return nil
}

// loggedIn keeps the password if asked and the OS keyring is there, and
// starts the account's session.
func (w *wizardBackend) loggedIn(a store.Account, password string, remember bool) {
	if remember && w.e.keyringUsable() {
		if err := w.e.rememberPassword(a.JID, password); err != nil {
			w.e.log.Warn("the password was not saved", "err", err)
		}
	}
	if w.started == nil {
		return
	}
	gb := w.started(a, password)
	w.mu.Lock()
	w.gb = gb
	w.mu.Unlock()
}

// onEvent sees the session's events (the wiring calls it).
func (w *wizardBackend) onEvent(ev xmppclient.Event) {
	if ack, ok := ev.(xmppclient.MessageAcked); ok {
		w.mu.Lock()
		if c := w.acks[ack.ID]; c != nil {
			close(c)
			delete(w.acks, ack.ID)
		} else if len(w.early) < 1000 {
			w.early[ack.ID] = true
		}
		w.mu.Unlock()
	}
}

// loginOnce is checkLogin with the password given and a say on unknown
// certificates: it proves the settings and pins the certificate.
func (e *env) loginOnce(ctx context.Context, st *store.Store, a store.Account, password string, trust func(host, fp string) bool) error {
	cfg, cleanup, err := e.clientConfig(ctx, st, a, password)
	if err != nil {
		return err
	}
	defer cleanup()
	cfg.NoReconnect = true
	cfg.Passive = true
	cfg.Trust = trust
	c, err := xmppclient.New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx) }()
	s := &session{st: st, account: a, client: c}
	var loginErr error
	online := false
	for ev := range c.Events() {
		s.handle(ctx, e, ev)
		if sc, ok := ev.(xmppclient.StateChanged); ok {
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
	}
	<-errc
	if online {
		return nil
	}
	if loginErr == nil {
		loginErr = errors.New("the login did not complete")
	}
	return loginErr
}

// client waits for the session's client to be online.
func (w *wizardBackend) client(ctx context.Context) (*xmppclient.Client, *guiBackend, error) {
	w.mu.Lock()
	gb := w.gb
	w.mu.Unlock()
	if gb == nil {
		return nil, nil, errors.New("no account is logged in")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		if c := gb.client.Load(); c != nil {
			if err := c.WaitOnline(ctx); err != nil {
				return nil, nil, errors.New("the account is not online (see the status bar of the chat window)")
			}
			return c, gb, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, errors.New("the account is not connected yet")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (w *wizardBackend) TestContact() string    { return w.contact }
func (w *wizardBackend) FederationRoom() string { return w.room }

func (w *wizardBackend) AddTestContact(ctx context.Context) (string, error) {
	c, gb, err := w.client(ctx)
	if err != nil {
		return "", err
	}
	to, err := parsePeerJID(w.contact)
	if err != nil {
		return "", err
	}
	if err := c.AddContact(ctx, to, "", nil, true); err != nil {
		return "", err
	}
	m, err := gb.Send(ctx, to.String(), "hello")
	if err != nil {
		return "", fmt.Errorf("%s was added, but \"hello\" was not sent: %w", to, err)
	}
	// The ack can come before Send returns: onEvent keeps early ones.
	w.mu.Lock()
	acked := make(chan struct{})
	if w.early[m.Key] {
		close(acked)
	} else {
		w.acks[m.Key] = acked
	}
	w.mu.Unlock()
	select {
	case <-acked:
		return fmt.Sprintf("added %s to your contacts and sent \"hello\" (your server accepted it)", to), nil
	case <-time.After(time.Minute):
		return fmt.Sprintf("added %s; \"hello\" is queued: your server has not confirmed it yet, it is sent when it does", to), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (w *wizardBackend) JoinFederationRoom(ctx context.Context) (string, error) {
	c, gb, err := w.client(ctx)
	if err != nil {
		return "", err
	}
	room, err := roomJID(w.room)
	if err != nil {
		return "", err
	}
	if err := gb.JoinRoom(ctx, room.String(), "", false); err != nil {
		return "", fmt.Errorf("could not join %s: %w", room, err)
	}
	nick, _ := c.RoomNick(room)
	return fmt.Sprintf("joined %s as %s; it is in your contact list, and joined again at each login", room, nick), nil
}

// RunNode creates the bundled node, its admin, starts it in the
// background and logs the admin in.
func (w *wizardBackend) RunNode(ctx context.Context, admin, password string) (string, error) {
	info, err := node.Load(w.nodeDir)
	if err != nil {
		info, err = node.Init(ctx, node.InitOptions{Dir: w.nodeDir, C2SPort: w.nodePort, S2SPort: w.nodeS2SPort, SOCKS: w.nodeSOCKS, Hops: w.nodeHops})
		if err != nil {
			return "", fmt.Errorf("creating the node: %w", err)
		}
	}
	addr, err := node.AddUser(ctx, w.nodeDir, admin, password)
	if err != nil {
		return "", err
	}
	if supervise.RunningPID(w.nodeDir) == 0 {
		start := w.startNode
		if start == nil {
			start = func(ctx context.Context, dir, network string) error {
				quiet := *w.e
				quiet.stdout = discard{}
				return nodeStart(ctx, &quiet, dir, network, routerChoice{})
			}
		}
		if err := start(ctx, w.nodeDir, w.nodeNetwork); err != nil {
			return "", fmt.Errorf("starting the node: %w", err)
		}
	}
	// The node's certificate is ours: pin it up front.
	pin, err := nodeCertPin(w.nodeDir, info.Domain)
	if err != nil {
		return "", err
	}
	a := store.Account{JID: addr, Server: fmt.Sprintf("127.0.0.1:%d", info.C2SPort), Pin: pin}
	if _, err := w.st.Account(ctx, a.JID); err == nil {
		return "", fmt.Errorf("%s is already in this profile", a.JID)
	}
	if err := w.st.AddAccount(ctx, a); err != nil {
		return "", err
	}
	if err := w.e.loginOnce(ctx, w.st, a, password, nil); err != nil {
		_ = w.st.RemoveAccount(context.Background(), a.JID)
		return "", fmt.Errorf("the node runs, but logging in as %s failed: %w", addr, err)
	}
	w.loggedIn(a, password, true)
	return info.Domain, nil
}

func nodeCertPin(dir, domain string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "prosody", "certs", domain+".crt"))
	if err != nil {
		return "", fmt.Errorf("reading the node's certificate: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return "", errors.New("the node's certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", fmt.Errorf("the node's certificate: %w", err)
	}
	return xmppclient.Fingerprint(cert), nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
