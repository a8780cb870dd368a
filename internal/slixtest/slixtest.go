package slixtest

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

//go:embed harness.py
var harnessPy []byte

const (
	// DefaultReadyTimeout bounds login and initial presence; on loopback
	// with prosody it takes ~0.4 s, most of it Python importing slixmpp.
	DefaultReadyTimeout = 30 * time.Second
	// probeTimeout bounds one `python3 -c "import slixmpp"` (~0.2 s).
	probeTimeout = 15 * time.Second
	// closeGrace is how long Close waits for a clean logout before SIGKILL.
	closeGrace = 3 * time.Second
	// maxLine bounds one event line from the child: a message with its XML.
	maxLine = 64 << 20
	// stderrKeep is how much of the child's stderr an error quotes.
	stderrKeep = 8 << 10
)

// pythons are the interpreters tried, in order, when Params.Python is empty:
// Debian's own first, where python3-slixmpp lives, even when a pyenv or
// virtualenv python3 comes first on PATH.
func pythons() []string { return []string{"/usr/bin/python3", "python3"} }

// Params says which account the child logs in with and where.
type Params struct {
	// JID is the account; with a resource, that resource is asked for,
	// without one the server picks it.
	JID string
	// Password goes to the child on its stdin.
	Password string
	// Addr is the server's client-to-server address, "127.0.0.1:5222".
	Addr string
	// CertPEM is the server certificate to trust (a test server's
	// self-signed one); the host name is checked against JID's domain. Empty:
	// the system's trusted roots.
	CertPEM []byte
	// Priority is the initial presence's priority. Prosody hands a chat
	// message to a bare JID to every resource of the highest priority, so
	// equal priorities make this client one more receiver next to another.
	Priority int
	// Plugins are slixmpp plugins to register ("xep_0085", "xep_0308").
	Plugins []string
	// Python is the interpreter; empty: the first of pythons() that imports
	// slixmpp.
	Python string
	// Debug writes slixmpp's debug log (every stanza) to the child's stderr,
	// which Err and Stderr show.
	Debug bool
	// ReadyTimeout bounds Start's wait for login and presence, and in
	// OMEMO mode then for the OMEMO set-up; zero means DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// OMEMO loads slixmpp-omemo (Debian's python3-slixmpp-omemo; see
	// RequireOMEMO): OMEMO 0.3 and 0.8 with blind trust, encrypted
	// messages reported decrypted (Message.Encrypted), Outgoing.Encrypt
	// honoured. Start then returns once the device list and bundles are
	// published, with Client.OMEMO set.
	OMEMO bool
	// OMEMOStore is the directory the OMEMO state (identity, device id,
	// sessions) is kept in, as omemo-<bare JID>.json: the same directory
	// again is the same device. Empty: the client's temp directory, a new
	// device every Start.
	OMEMOStore string
	// Carbons enables message carbons (XEP-0280) before Start returns: a
	// carbon from the account's own bare JID is then reported as the
	// message it forwards (Message.Carbon says which kind; in OMEMO mode
	// decrypted like any other), XML still the whole stanza as received.
	// Off, carbons are not enabled and nothing is unwrapped.
	Carbons bool
}

// Message is one message stanza as the child received it.
type Message struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Type     string `json:"type"` // "normal" when the stanza has none
	ID       string `json:"id"`
	OriginID string `json:"origin_id"` // XEP-0359 <origin-id/>
	StanzaID string `json:"stanza_id"` // XEP-0359 <stanza-id/> set by a server
	Body     string `json:"body"`
	XML      string `json:"xml"` // the whole stanza, for extensions

	// OMEMO mode, a stanza with an OMEMO <encrypted> element: Body is the
	// decrypted text ("" for a key transport message, which has none).
	Encrypted bool `json:"encrypted"`
	// DecryptError says why decryption failed; Body is then the stanza's
	// own, the fallback text.
	DecryptError string `json:"decrypt_error"`
	// PreKey: the key for this device came as a pre-key message, the one
	// that starts a session.
	PreKey bool `json:"prekey"`
	// SenderDevice is the sending device's id (the header's sid).
	SenderDevice uint32 `json:"sender_device"`
	// Reflected: a groupchat message that is the room's copy of one this
	// very device sent encrypted (From is room/our nick). OMEMO encrypts
	// for every device but the sending one, so it is not decrypted: Body is
	// the text this client sent with that stanza id, or "" with
	// DecryptError when it sent none.
	Reflected bool `json:"reflected"`

	// Carbon is "sent" or "received" for a carbon copy (Params.Carbons),
	// the other fields then the forwarded message's; "" otherwise.
	Carbon string `json:"carbon"`

	// A reply (XEP-0461) as the xep_0461 plugin reads it (registered
	// with Params.Plugins): the id and author of the message answered.
	ReplyID string `json:"reply_id"`
	ReplyTo string `json:"reply_to"`
	// Reactions (XEP-0444) as the xep_0444 plugin reads them: the id of
	// the message reacted to and the reactions ("" and nil: none).
	ReactionsID string   `json:"reactions_id"`
	Reactions   []string `json:"reactions"`
	// Retracts (XEP-0424, urn:xmpp:message-retract:0 as slixmpp 1.8's
	// xep_0424 plugin reads it): the id of the message retracted.
	Retracts string `json:"retracts"`
	// Chat markers (XEP-0333) as the xep_0333 plugin reads them: the id a
	// displayed marker names, and whether the message is markable.
	Displayed string `json:"displayed"`
	Markable  bool   `json:"markable"`
}

// OMEMODevice is an OMEMO device as slixmpp-omemo sees it.
type OMEMODevice struct {
	ID uint32 `json:"device_id"`
	// Fingerprint is the identity key in its Curve25519 form, 64 lowercase
	// hex digits (python-omemo's format_identity_key, the groups joined):
	// what Clove shows, without the 0x05 type byte.
	Fingerprint string `json:"fingerprint"`
	// Trust is slixmpp-omemo's trust level name (BLINDLY_TRUSTED,
	// TRUSTED, UNDECIDED, DISTRUSTED); empty in Client.OMEMO.
	Trust string `json:"trust,omitempty"`
	// Namespaces are the OMEMO versions the device was seen with.
	Namespaces []string `json:"namespaces,omitempty"`
}

// Outgoing is a message for Send.
type Outgoing struct {
	To       string `json:"to"`
	Body     string `json:"body,omitempty"`
	Type     string `json:"type,omitempty"` // default "chat"
	ID       string `json:"id,omitempty"`
	OriginID string `json:"origin_id,omitempty"`
	// ExtraXML is appended to the stanza as it is: elements with their
	// namespace, e.g. `<active xmlns='http://jabber.org/protocol/chatstates'/>`.
	// With Encrypt it goes outside the encryption.
	ExtraXML string `json:"extra_xml,omitempty"`
	// Encrypt sends Body OMEMO-encrypted to To's devices (OMEMO mode
	// only), with an EME hint and the plugin's fallback text as the body.
	Encrypt bool `json:"encrypt,omitempty"`
	// Recipients are the bare JIDs Encrypt encrypts for instead of To's
	// devices (the sender's own other devices get the key as always). A
	// room has no devices: Type "groupchat" with Encrypt needs them, the
	// room's other members, To being the room's bare JID. Without Encrypt
	// they are an error.
	Recipients []string `json:"recipients,omitempty"`
}

// event is one line from the child.
type event struct {
	Event  string          `json:"event"`
	JID    string          `json:"jid"`
	Seq    int             `json:"seq"`
	Error  string          `json:"error"`
	Reason string          `json:"reason"`
	Result json.RawMessage `json:"result"`
	Message
	// omemo_ready
	DeviceID    uint32 `json:"device_id"`
	Fingerprint string `json:"fingerprint"`
}

// reply is a command's outcome.
type reply struct {
	err    string
	result json.RawMessage
}

// Client is one running slixmpp child. Its methods are safe for concurrent
// use.
type Client struct {
	// JID is the full JID the server bound.
	JID string
	// OMEMO is this client's own device in OMEMO mode (Fingerprint its
	// identity key), the zero value otherwise.
	OMEMO OMEMODevice

	cmd    *exec.Cmd
	dir    string
	stderr *tailBuffer
	ready  chan string      // the bound JID, once
	omemo  chan OMEMODevice // its own device, once OMEMO is set up
	exited chan struct{}    // closed once the child is reaped

	writeMu sync.Mutex // one command line at a time on stdin
	stdin   io.WriteCloser

	mu      sync.Mutex
	msgs    []Message
	pres    []Presence
	changed chan struct{} // closed and replaced when msgs grows or the child ends
	replies map[int]chan reply
	seq     int
	fatal   string // the child's first "error" event
	waitErr error  // the child's exit, once exited is closed

	closeOnce sync.Once
}

// Available reports whether an interpreter with slixmpp is installed; most
// tests want Require.
func Available(ctx context.Context) error {
	_, err := findPython(ctx, "", false)
	return err
}

// AvailableOMEMO reports whether an interpreter with slixmpp-omemo is
// installed; most tests want RequireOMEMO.
func AvailableOMEMO(ctx context.Context) error {
	_, err := findPython(ctx, "", true)
	return err
}

// Require skips the test under -short and when slixmpp is not installed,
// except on CI (the CI environment variable set, not to "false" or "0"),
// where a missing slixmpp fails it: a skipped interop test there would hide
// that nothing was checked.
func Require(tb testing.TB) {
	tb.Helper()
	require(tb, false)
}

// RequireOMEMO is Require for OMEMO mode: it skips (fails on CI) when
// slixmpp-omemo cannot be imported. Debian 12 has no python3-slixmpp-omemo;
// make deps installs Debian 13's (docs/omemo.md).
func RequireOMEMO(tb testing.TB) {
	tb.Helper()
	require(tb, true)
}

func require(tb testing.TB, omemo bool) {
	tb.Helper()
	what, pkg := "slixmpp", "python3-slixmpp"
	if omemo {
		what, pkg = "slixmpp-omemo", "python3-slixmpp-omemo"
	}
	if testing.Short() {
		tb.Skipf("-short: no %s client", what)
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	_, err := findPython(ctx, "", omemo)
	if err == nil {
		return
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		tb.Fatalf("%s is missing: run make deps (CI is set, so this is not skipped): %v", what, err)
	}
	tb.Skipf("skipping: %s is not installed (make deps installs it): %v", pkg, err)
}

// findPython returns the interpreter to run: want if set, else the first of
// pythons() that imports slixmpp, and slixmpp_omemo too if omemo.
func findPython(ctx context.Context, want string, omemo bool) (string, error) {
	cands := pythons()
	if want != "" {
		cands = []string{want}
	}
	imports := "import slixmpp"
	if omemo {
		imports += ", slixmpp_omemo"
	}
	var errs []error
	for _, c := range cands {
		path, err := exec.LookPath(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		out, err := exec.CommandContext(pctx, path, "-c", imports).CombinedOutput()
		cancel()
		if err == nil {
			return path, nil
		}
		errs = append(errs, fmt.Errorf("%s: %s: %w: %s", path, imports, err, lastLine(out)))
	}
	if omemo {
		return "", fmt.Errorf("slixtest: no python3 with slixmpp and slixmpp_omemo (make deps installs Debian 13's python3-slixmpp-omemo): %w", errors.Join(errs...))
	}
	return "", fmt.Errorf("slixtest: no python3 with slixmpp (Debian: apt-get install python3-slixmpp): %w", errors.Join(errs...))
}

func (p *Params) check() (host, port string, err error) {
	j, err := jid.Parse(p.JID)
	if err != nil || j.Localpart() == "" {
		return "", "", fmt.Errorf("slixtest: JID %q is not an account (user@domain[/resource]): %v", p.JID, err)
	}
	if p.Password == "" {
		return "", "", errors.New("slixtest: no password")
	}
	host, port, err = net.SplitHostPort(p.Addr)
	if err != nil {
		return "", "", fmt.Errorf("slixtest: server address %q: %w", p.Addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", "", fmt.Errorf("slixtest: server address %q: bad port", p.Addr)
	}
	if p.OMEMOStore != "" && !p.OMEMO {
		return "", "", errors.New("slixtest: OMEMOStore without OMEMO")
	}
	for _, pl := range p.Plugins {
		if pl == "" || strings.ContainsAny(pl, " ./\\") {
			return "", "", fmt.Errorf("slixtest: plugin name %q", pl)
		}
	}
	return host, port, nil
}

// Start runs a slixmpp client and returns once it is logged in and its
// initial presence is in effect at the server (it got the answer to a
// roster request sent after it). ctx bounds the child's whole life, not
// only the start: when ctx ends the child is killed. Close ends it sooner.
func Start(ctx context.Context, p Params) (*Client, error) {
	host, port, err := p.check()
	if err != nil {
		return nil, err
	}
	python, err := findPython(ctx, p.Python, p.OMEMO)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "slixtest-")
	if err != nil {
		return nil, fmt.Errorf("slixtest: %w", err)
	}
	cfg := map[string]any{
		"jid": p.JID, "password": p.Password, "host": host, "port": port,
		"priority": p.Priority, "plugins": p.Plugins, "debug": p.Debug,
	}
	if p.Carbons {
		cfg["carbons"] = true
	}
	if p.OMEMO {
		store := p.OMEMOStore
		if store == "" {
			store = dir
		}
		bare, _ := jid.Parse(p.JID) // checked above
		cfg["omemo_store"] = filepath.Join(store, "omemo-"+bare.Bare().String()+".json")
	}
	script := filepath.Join(dir, "harness.py")
	err = os.WriteFile(script, harnessPy, 0o600)
	if err == nil && len(p.CertPEM) > 0 {
		cfg["ca_file"] = filepath.Join(dir, "server.pem")
		err = os.WriteFile(cfg["ca_file"].(string), p.CertPEM, 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("slixtest: %w", err)
	}
	c, err := start(ctx, python, script, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	line, err := json.Marshal(cfg)
	if err == nil {
		err = c.writeLine(line)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("slixtest: configuring the child: %w", err)
	}
	if err := c.waitReady(ctx, p.ReadyTimeout, p.OMEMO); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// start runs the interpreter on the script and starts reading its output.
func start(ctx context.Context, python, script, dir string) (*Client, error) {
	cmd := exec.CommandContext(ctx, python, script)
	cmd.Dir = dir
	// No .pyc next to slixmpp (root) or in dir; unbuffered as a second
	// guard behind the script's flushes.
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	setProcAttr(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	cmd.WaitDelay = closeGrace
	c := &Client{
		cmd: cmd, dir: dir, stderr: &tailBuffer{max: stderrKeep},
		ready: make(chan string, 1), omemo: make(chan OMEMODevice, 1), exited: make(chan struct{}),
		changed: make(chan struct{}), replies: map[int]chan reply{},
	}
	cmd.Stderr = c.stderr
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("slixtest: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("slixtest: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("slixtest: starting %s: %w", python, err)
	}
	go c.read(stdout)
	return c, nil
}

// waitReady waits for the login and presence, then with omemo for the
// OMEMO set-up, each for at most timeout.
func (c *Client) waitReady(ctx context.Context, timeout time.Duration, omemo bool) error {
	if timeout <= 0 {
		timeout = DefaultReadyTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case c.JID = <-c.ready:
	case <-c.exited:
		return fmt.Errorf("slixtest: the client ended before it was ready: %w", c.Err())
	case <-t.C:
		return fmt.Errorf("slixtest: not ready after %v: %s", timeout, c.stderr.String())
	case <-ctx.Done():
		return fmt.Errorf("slixtest: waiting for the client: %w", ctx.Err())
	}
	if !omemo {
		return nil
	}
	t.Reset(timeout)
	select {
	case c.OMEMO = <-c.omemo:
		return nil
	case <-c.exited:
		return fmt.Errorf("slixtest: the client ended before its OMEMO was ready: %w", c.Err())
	case <-t.C:
		return fmt.Errorf("slixtest: OMEMO not ready after %v: %s", timeout, c.stderr.String())
	case <-ctx.Done():
		return fmt.Errorf("slixtest: waiting for the client's OMEMO: %w", ctx.Err())
	}
}

// read handles the child's events until its stdout closes, then reaps it.
// Wait must come after the last read of the pipe (os/exec's rule).
func (c *Client) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		var ev event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			c.setFatal(fmt.Sprintf("unreadable line from the child: %.200q", sc.Text()))
			continue
		}
		c.handle(ev)
	}
	if err := sc.Err(); err != nil {
		c.setFatal(fmt.Sprintf("reading the child's output: %v", err))
		_ = killGroup(c.cmd.Process) // it would block on a full pipe
	}
	err := c.cmd.Wait()
	c.mu.Lock()
	c.waitErr = err
	for seq, ch := range c.replies {
		ch <- reply{err: "the client ended"}
		delete(c.replies, seq)
	}
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	close(c.exited)
}

func (c *Client) handle(ev event) {
	switch ev.Event {
	case "ready":
		select {
		case c.ready <- ev.JID:
		default: // said twice: the first counts
		}
	case "omemo_ready":
		select {
		case c.omemo <- OMEMODevice{ID: ev.DeviceID, Fingerprint: ev.Fingerprint}:
		default:
		}
	case "message":
		c.mu.Lock()
		c.msgs = append(c.msgs, ev.Message)
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	case "presence":
		c.mu.Lock()
		c.pres = append(c.pres, Presence{From: ev.From, To: ev.To, Type: ev.Type, XML: ev.XML})
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	case "reply":
		c.mu.Lock()
		if ch, ok := c.replies[ev.Seq]; ok {
			ch <- reply{err: ev.Error, result: ev.Result}
			delete(c.replies, ev.Seq)
		}
		c.mu.Unlock()
	case "error":
		c.setFatal(ev.Error)
	}
}

// setFatal keeps the first fatal error: what follows it (a disconnect) is
// its consequence.
func (c *Client) setFatal(s string) {
	c.mu.Lock()
	if c.fatal == "" {
		c.fatal = s
	}
	c.mu.Unlock()
}

// Err is nil while the child runs and after a clean Close; otherwise it
// says why the child ended, with the end of its stderr.
func (c *Client) Err() error {
	select {
	case <-c.exited:
	default:
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fatal == "" && c.waitErr == nil {
		return nil
	}
	msg := c.fatal
	if msg == "" {
		msg = "exited"
	}
	return fmt.Errorf("slixtest: %s (%v); stderr: %s", msg, c.waitErr, c.stderr.String())
}

// PID is the child's process id, also its process group's.
func (c *Client) PID() int { return c.cmd.Process.Pid }

// Stderr is the end of the child's stderr (slixmpp's log).
func (c *Client) Stderr() string { return c.stderr.String() }

// Messages returns the message stanzas received so far, in order.
func (c *Client) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}

// Wait returns the messages received so far once cond holds for them, or
// with an error when ctx ends or the child does first.
func (c *Client) Wait(ctx context.Context, cond func([]Message) bool) ([]Message, error) {
	for {
		c.mu.Lock()
		msgs := append([]Message(nil), c.msgs...)
		changed := c.changed
		c.mu.Unlock()
		if cond(msgs) {
			return msgs, nil
		}
		select {
		case <-c.exited:
			c.mu.Lock()
			msgs = append([]Message(nil), c.msgs...)
			c.mu.Unlock()
			if cond(msgs) {
				return msgs, nil
			}
			return msgs, fmt.Errorf("slixtest: the client ended while waiting (%d messages): %w", len(msgs), c.Err())
		case <-ctx.Done():
			return msgs, fmt.Errorf("slixtest: waiting (%d messages): %w", len(msgs), ctx.Err())
		case <-changed:
		}
	}
}

// WaitMessages waits until at least n messages have arrived.
func (c *Client) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	return c.Wait(ctx, func(m []Message) bool { return len(m) >= n })
}

// Send has the child send a message and returns once slixmpp wrote it to
// the stream (not once the server took it: the harness uses no stream
// management).
func (c *Client) Send(ctx context.Context, m Outgoing) error {
	_, err := c.SendStanzas(ctx, m)
	return err
}

// SendStanzas is Send returning the XML of the stanzas written: one, or
// with Encrypt one per OMEMO version used (0.3 only, in practice).
func (c *Client) SendStanzas(ctx context.Context, m Outgoing) ([]string, error) {
	if m.To == "" {
		return nil, errors.New("slixtest: Send: no recipient")
	}
	var sent []string
	if err := c.command(ctx, "send", m, &sent); err != nil {
		return nil, err
	}
	return sent, nil
}

// OMEMODevices returns the devices of bare JID j that the client's OMEMO
// knows (OMEMO mode): those it encrypted to or got messages from, and its
// own with j its own JID.
func (c *Client) OMEMODevices(ctx context.Context, j string) ([]OMEMODevice, error) {
	var devs []OMEMODevice
	if err := c.command(ctx, "omemo_devices", map[string]string{"jid": j}, &devs); err != nil {
		return nil, err
	}
	return devs, nil
}

// SendReply sends m as a reply (XEP-0461) to the message replyID by
// replyTo, built with the xep_0461 plugin's stanza (register it with
// Params.Plugins); as that plugin's send_reply, it adds no fallback
// (m.Body goes as it is; m.ExtraXML is not used).
func (c *Client) SendReply(ctx context.Context, m Outgoing, replyTo, replyID string) error {
	return c.command(ctx, "reply", map[string]string{"to": m.To, "body": m.Body, "type": m.Type, "id": m.ID, "reply_to": replyTo, "reply_id": replyID}, nil)
}

// React sends reactions (XEP-0444) to the message id of to with the
// xep_0444 plugin's send_reactions (register it with Params.Plugins):
// the whole set, with the store hint; none takes them back.
func (c *Client) React(ctx context.Context, to, id string, reactions []string) error {
	return c.command(ctx, "react", map[string]any{"to": to, "reactions_id": id, "reactions": reactions}, nil)
}

// Retract retracts the message id sent to to (XEP-0424 as slixmpp 1.8's
// xep_0424 plugin sends it: urn:xmpp:message-retract:0 in XEP-0422's
// apply-to, with its fallback body); typ is "chat" (empty) or "groupchat".
func (c *Client) Retract(ctx context.Context, to, id, typ string) error {
	return c.command(ctx, "retract", map[string]string{"to": to, "id": id, "type": typ}, nil)
}

// Marker sends a chat marker (XEP-0333; marker "displayed", "received"
// or "acknowledged") for the message id of to with the xep_0333 plugin's
// send_marker (a message of type normal, as it sends it).
func (c *Client) Marker(ctx context.Context, to, id, marker string) error {
	return c.command(ctx, "marker", map[string]string{"to": to, "id": id, "marker": marker}, nil)
}

// SendPresence sends a presence to to with extraXML inside it as given:
// a room join is to room/nick with `<x xmlns='http://jabber.org/protocol/muc'/>`.
// The room's messages then arrive as any message (Type "groupchat").
func (c *Client) SendPresence(ctx context.Context, to, extraXML string) error {
	return c.command(ctx, "presence", map[string]string{"to": to, "extra_xml": extraXML}, nil)
}

// command sends one operation with its arguments (a struct whose JSON
// fields are merged with op and seq), waits for its reply and decodes the
// reply's result into result if that is not nil.
func (c *Client) command(ctx context.Context, op string, args, result any) error {
	fields := map[string]any{}
	if args != nil {
		b, err := json.Marshal(args)
		if err == nil {
			err = json.Unmarshal(b, &fields)
		}
		if err != nil {
			return fmt.Errorf("slixtest: %s: %w", op, err)
		}
	}
	ch := make(chan reply, 1)
	c.mu.Lock()
	select {
	case <-c.exited:
		c.mu.Unlock()
		return fmt.Errorf("slixtest: %s: the client has ended: %w", op, c.Err())
	default:
	}
	c.seq++
	fields["seq"], fields["op"] = c.seq, op
	c.replies[c.seq] = ch
	c.mu.Unlock()
	line, err := json.Marshal(fields)
	if err == nil {
		err = c.writeLine(line)
	}
	if err != nil {
		return fmt.Errorf("slixtest: %s: %w", op, err)
	}
	select {
	case r := <-ch:
		if r.err != "" {
			return fmt.Errorf("slixtest: %s: %s", op, r.err)
		}
		if result != nil && len(r.result) > 0 {
			if err := json.Unmarshal(r.result, result); err != nil {
				return fmt.Errorf("slixtest: %s: its result: %w", op, err)
			}
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("slixtest: %s: %w", op, ctx.Err())
	}
}

func (c *Client) writeLine(line []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.stdin.Write(append(line, '\n'))
	return err
}

// Close logs the client out (it closes the child's stdin, on which the
// script disconnects once what it was sending is written: a message whose
// Send returned just before is not lost), kills its process group after
// closeGrace if it is still there, and removes its files. It returns once
// the child is reaped; calling it again does nothing.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.writeMu.Lock()
		_ = c.stdin.Close()
		c.writeMu.Unlock()
		t := time.NewTimer(closeGrace)
		defer t.Stop()
		select {
		case <-c.exited:
		case <-t.C:
			_ = killGroup(c.cmd.Process)
			<-c.exited
		}
		err = os.RemoveAll(c.dir)
	})
	return err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.b))
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
