package gui

import (
	"cmp"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

// The first-run wizard's backend: it turns the wizard's forms into the
// same account settings as `clove account add` / `clove register` /
// `clove node …` (through the same core calls), logs in once to prove them
// (asking before trusting a self-signed certificate), then hands the
// account to the wiring, which starts its session; the presets run on that
// session.

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

// WizardBackend is the wizard's backend (ui.WizardBackend). Its exported
// fields say where the presets and the bundled node are; tests point them
// at local stand-ins.
type WizardBackend struct {
	o Options
	p *chat.Profile

	Contact, Room string // the presets
	// ReceiptWait is how long the hello preset waits for the contact's
	// client to confirm "hello" (0: helloReceiptWait).
	ReceiptWait time.Duration

	NodeDir     string     // the bundled node's directory
	NodeNetwork string     // --i2pd-network file for the node ("" real I2P)
	NodePort    int        // its client port (0: 5222)
	NodeS2SPort int        // its server port (0: 5269)
	NodeSOCKS   string     // I2P SOCKS for its s2s ("": 127.0.0.1:4447)
	NodeHops    *node.Hops // its tunnel lengths (nil: I2P's usual 3)
	// NodePortInUse tells which ports are taken (nil: try to listen on
	// them); the node takes free ones instead where the user did not
	// choose its ports (node.ChoosePorts).
	NodePortInUse func(port int) bool
	// StartNode starts the node and returns once it answers (Options.StartNode:
	// the background supervisor of 'clove node start').
	StartNode func(ctx context.Context, dir, network string) error

	// Started is given the logged-in account and its password; the wiring
	// starts its session and returns the backend whose client the presets
	// use.
	Started func(a store.Account, password string) *Backend

	mu    sync.Mutex
	gb    *Backend
	news  map[string]chan xmppclient.Event // message id → what happens to it (acked, delivered, failed)
	early map[string][]xmppclient.Event    // news no one waited for yet
}

var _ ui.WizardBackend = (*WizardBackend)(nil)

// NewWizardBackend is the wizard's backend on o's profile; Started must be
// set before an account is set up.
func NewWizardBackend(o Options) *WizardBackend {
	w := &WizardBackend{
		o: o, p: o.Profile,
		Contact: presetTestContact, Room: presetFederationRoom,
		NodeDir:   filepath.Join(o.Profile.Dir(), "node"),
		StartNode: o.StartNode,
		news:      map[string]chan xmppclient.Event{},
		early:     map[string][]xmppclient.Event{},
	}
	if o.Getenv == nil {
		return w
	}
	// Tests of the real binary point the presets at local stand-ins.
	if v := o.Getenv("CLOVE_PRESET_CONTACT"); v != "" {
		w.Contact = v
	}
	if v := o.Getenv("CLOVE_PRESET_ROOM"); v != "" {
		w.Room = v
	}
	// …and the node at a private I2P network (node start --i2pd-network).
	w.NodeNetwork = o.Getenv("CLOVE_NODE_I2PD_NETWORK")
	return w
}

// Account turns the form into the account to create, through the same
// checks as the command line's flags.
func (w *WizardBackend) Account(f ui.AccountForm) (store.Account, error) {
	j, err := chat.ParseAccountJID(f.JID)
	if err != nil {
		return store.Account{}, err
	}
	var cs chat.Settings
	switch f.Conn {
	case ui.ConnAuto:
		if transport.IsI2P(j.Domainpart()) {
			cs.Proxy, cs.I2POnly = wizardSOCKS, true
		}
	case ui.ConnLocal:
		cs.Server = wizardLocalServer
	case ui.ConnSOCKS:
		cs.Proxy = wizardSOCKS
		cs.I2POnly = transport.IsI2P(j.Domainpart())
	case ui.ConnSAM:
		cs.SAM = wizardSAM
		cs.I2POnly = transport.IsI2P(j.Domainpart())
	case ui.ConnCustom:
		cs.Server = strings.TrimSpace(f.Custom)
		cs.DirectTLS = f.DirectTLS
	}
	a, err := w.p.NewAccount(j.String(), cs)
	if err != nil {
		return store.Account{}, err
	}
	if w.p.Has(context.Background(), a.JID) {
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

func (w *WizardBackend) AddAccount(ctx context.Context, f ui.AccountForm) error {
	a, err := w.Account(f)
	if err != nil {
		return err
	}
	t := newTrust(f)
	if err := w.p.AddAccount(ctx, a, &chat.Login{Password: f.Password, Trust: t.trust}); err != nil {
		return t.certQuestion(a.Domain(), err)
	}
	w.loggedIn(a, f.Password, f.Remember)
	return nil
}

func (w *WizardBackend) Register(ctx context.Context, f ui.AccountForm) error {
	a, err := w.Account(f)
	if err != nil {
		return err
	}
	t := newTrust(f)
	login := chat.Login{Password: f.Password, Trust: t.trust}
	if err := w.p.Register(ctx, a, login); err != nil {
		return t.certQuestion(a.Domain(), err)
	}
	// The certificate is pinned now: log in with it.
	if err := w.p.CheckLogin(ctx, a, login); err != nil {
		_, _ = w.p.RemoveAccount(context.Background(), a.JID)
		return fmt.Errorf("%s was created, but logging in failed: %w", a.JID, err)
	}
	w.loggedIn(a, f.Password, f.Remember)
	return nil
}

// RememberChoice offers the OS keyring or, without one, the profile, with
// the plain truth about it.
func (w *WizardBackend) RememberChoice() (label, warning string, byDefault bool) {
	return rememberChoice(w.o)
}

// rememberChoice is the wizard's and the login prompt's offer to keep a
// password: in the OS keyring (ticked), or without one in the profile
// (unticked, with a warning); none without Options.Remember.
func rememberChoice(o Options) (label, warning string, byDefault bool) {
	if o.Remember == nil {
		return "", "", false
	}
	if err := o.noKeyring(); err != nil {
		return "No system keyring here: save the password in the profile",
			fmt.Sprintf("Clove cannot use a system keyring (%s). Saved in the profile, the password is stored unencrypted in %s; anyone with your user account can read it.",
				err, chat.PasswordsDir(o.Profile.Dir())), false
	}
	return "Remember the password (system keyring)", "", true
}

// loggedIn keeps the password if asked (Options.Remember), and starts the
// account's session.
func (w *WizardBackend) loggedIn(a store.Account, password string, remember bool) {
	if remember && w.o.Remember != nil {
		if err := w.o.Remember(a.JID, password); err != nil {
			w.o.Log.Warn("the password was not saved", "err", err)
		}
	}
	if w.Started == nil {
		return
	}
	gb := w.Started(a, password)
	w.mu.Lock()
	w.gb = gb
	w.mu.Unlock()
}

// OnEvent sees the session's events (the wiring calls it): the news about
// the messages the presets send.
func (w *WizardBackend) OnEvent(ev chat.Event) {
	sv, ok := ev.(chat.Saved)
	if !ok {
		return
	}
	var id string
	switch e := sv.Event.(type) {
	case xmppclient.MessageAcked:
		id = e.ID
	case xmppclient.ReceiptReceived:
		id = e.ID
	case xmppclient.MessageFailed:
		id = e.ID
	default:
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.news[id]; c != nil {
		select {
		case c <- sv.Event:
		default: // more news than anyone reads: the first decide
		}
	} else if len(w.early) < 1000 {
		w.early[id] = append(w.early[id], sv.Event)
	}
}

// watch returns the news about message id (the ack can come before Send
// returns: OnEvent keeps early news); done stops watching.
func (w *WizardBackend) watch(id string) (news <-chan xmppclient.Event, done func()) {
	c := make(chan xmppclient.Event, 8)
	w.mu.Lock()
	for _, ev := range w.early[id] {
		c <- ev
	}
	delete(w.early, id)
	w.news[id] = c
	w.mu.Unlock()
	return c, func() {
		w.mu.Lock()
		delete(w.news, id)
		w.mu.Unlock()
	}
}

// Session waits for the wizard's account to be online.
func (w *WizardBackend) Session(ctx context.Context) (*chat.Session, *Backend, error) {
	w.mu.Lock()
	gb := w.gb
	w.mu.Unlock()
	if gb == nil {
		return nil, nil, errors.New("no account is logged in")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		if s := gb.sess.Load(); s != nil {
			if err := s.WaitOnline(ctx); err != nil {
				return nil, nil, errors.New("the account is not online (see the status bar of the chat window)")
			}
			return s, gb, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, errors.New("the account is not connected yet")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (w *WizardBackend) TestContact() string    { return w.Contact }
func (w *WizardBackend) FederationRoom() string { return w.Room }

// How long the hello preset waits for its server to accept "hello", then
// (by default) for the contact's client to confirm it; a failure from a
// remote server comes in that time too: an I2P server is minutes away on a
// cold router.
const (
	helloAckWait     = time.Minute
	helloReceiptWait = 2 * time.Minute
)

// AddTestContact adds the test contact and says hello, telling each step:
// accepted by our server, delivered (a receipt), or failed with the error
// the server sent back — not a success for a message that then bounces.
func (w *WizardBackend) AddTestContact(ctx context.Context, progress func(string)) (string, bool, error) {
	s, gb, err := w.Session(ctx)
	if err != nil {
		return "", false, err
	}
	to, err := chat.ParsePeerJID(w.Contact)
	if err != nil {
		return "", false, err
	}
	if err := s.AddContact(ctx, to.String(), ""); err != nil {
		return "", false, err
	}
	m, err := gb.Send(ctx, to.String(), "hello")
	if err != nil {
		return "", false, fmt.Errorf("%s was added, but \"hello\" was not sent: %w", to, err)
	}
	news, done := w.watch(m.Key)
	defer done()
	wait := time.NewTimer(helloAckWait)
	defer wait.Stop()
	acked := false
	for {
		select {
		case ev := <-news:
			switch e := ev.(type) {
			case xmppclient.MessageAcked:
				if !acked {
					acked = true
					progress(fmt.Sprintf("added %s; \"hello\" was accepted by your server, waiting for %s to confirm it…", to, to))
					wait.Reset(cmp.Or(w.ReceiptWait, helloReceiptWait))
				}
			case xmppclient.ReceiptReceived:
				return fmt.Sprintf("added %s; \"hello\" was delivered (%s confirmed it)", to, to), true, nil
			case xmppclient.MessageFailed:
				return "", false, fmt.Errorf("%s was added, but \"hello\" was not delivered: %s", to, failureReason(e))
			}
		case <-wait.C:
			if !acked {
				return fmt.Sprintf("added %s; \"hello\" is queued: your server has not accepted it yet, it is sent when it does", to), false, nil
			}
			return fmt.Sprintf("added %s; \"hello\" was accepted by your server, but %s has not confirmed it (it may be offline, or its client sends no receipts); the chat shows if it fails", to, to), false, nil
		case <-ctx.Done():
			return "", false, ctx.Err()
		}
	}
}

// failureReason words a bounced message's error for people: the server's
// text and its condition ("Communication with remote domains is not
// enabled (not-allowed)"), or the condition alone.
func failureReason(e xmppclient.MessageFailed) string {
	switch {
	case e.Text != "" && e.Condition != "":
		return e.Text + " (" + e.Condition + ")"
	case e.Text != "":
		return e.Text
	case e.Condition != "":
		return e.Condition
	}
	return "the server sent an error without a reason"
}

func (w *WizardBackend) JoinFederationRoom(ctx context.Context) (string, error) {
	s, gb, err := w.Session(ctx)
	if err != nil {
		return "", err
	}
	room, err := chat.RoomJID(w.Room)
	if err != nil {
		return "", err
	}
	if err := gb.JoinRoom(ctx, room.String(), "", false); err != nil {
		return "", fmt.Errorf("could not join %s: %w", room, err)
	}
	nick, _ := s.RoomNick(room)
	return fmt.Sprintf("joined %s as %s; it is in your contact list, and joined again at each login", room, nick), nil
}

// RunNode creates the bundled node, its admin, starts it in the
// background and logs the admin in.
func (w *WizardBackend) RunNode(ctx context.Context, f ui.NodeForm) (ui.NodeResult, error) {
	info, err := node.Load(w.NodeDir)
	var taken []int
	if err != nil {
		var ports []int
		if ports, taken, err = w.nodePorts(f); err != nil {
			return ui.NodeResult{}, fmt.Errorf("creating the node: %w", err)
		}
		info, err = node.Init(ctx, node.InitOptions{Dir: w.NodeDir, C2SPort: ports[0], S2SPort: ports[1], SOCKS: w.NodeSOCKS, Hops: w.NodeHops})
		if err != nil {
			return ui.NodeResult{}, fmt.Errorf("creating the node: %w", err)
		}
	}
	r := ui.NodeResult{Domain: info.Domain, C2SPort: info.C2SPort, S2SPort: info.S2SPort, Taken: taken}
	addr, err := node.AddUser(ctx, w.NodeDir, f.Admin, f.Password)
	if err != nil {
		return r, err
	}
	if supervise.RunningPID(w.NodeDir) == 0 {
		if w.StartNode == nil {
			return r, errors.New("starting the node: not possible from here")
		}
		if err := w.StartNode(ctx, w.NodeDir, w.NodeNetwork); err != nil {
			return r, fmt.Errorf("starting the node: %w", err)
		}
	}
	// The node's certificate is ours: pin it up front.
	pin, err := nodeCertPin(w.NodeDir, info.Domain)
	if err != nil {
		return r, err
	}
	a := store.Account{JID: addr, Server: fmt.Sprintf("127.0.0.1:%d", info.C2SPort), Pin: pin}
	if w.p.Has(ctx, a.JID) {
		return r, fmt.Errorf("%s is already in this profile", a.JID)
	}
	if err := w.p.AddAccount(ctx, a, &chat.Login{Password: f.Password}); err != nil {
		return r, fmt.Errorf("the node runs, but logging in as %s failed: %w", addr, err)
	}
	// The node's admin password goes to the keyring unasked, never
	// unasked into the profile in plain text.
	w.loggedIn(a, f.Password, w.o.noKeyring() == nil)
	return r, nil
}

// nodePorts are the new node's client and server ports: the ones the user
// chose, else the usual ones (NodePort, NodeS2SPort), or, on a machine
// that already runs an XMPP server (the guide's own set-up), free ones
// near them (node.ChoosePorts); taken are the usual ones that were in
// use. A chosen port that is taken fails in node.Init, plainly.
func (w *WizardBackend) nodePorts(f ui.NodeForm) (ports, taken []int, err error) {
	inUse := w.NodePortInUse
	if inUse == nil {
		inUse = node.PortInUse
	}
	chosen := []int{f.C2SPort, f.S2SPort}
	usual := []int{cmp.Or(w.NodePort, 5222), cmp.Or(w.NodeS2SPort, 5269)}
	ports = slices.Clone(chosen)
	for i, c := range chosen {
		if c != 0 {
			continue
		}
		got, err := node.ChoosePorts(usual[i:i+1], func(p int) bool { return slices.Contains(ports, p) || inUse(p) })
		if err != nil {
			return nil, nil, err
		}
		if ports[i] = got[0]; got[0] != usual[i] {
			taken = append(taken, usual[i])
		}
	}
	return ports, taken, nil
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
