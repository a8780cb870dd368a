package xmppclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// Config says how a Client connects and where it keeps what must survive.
type Config struct {
	// JID is the account; a bare JID gets a random resource.
	JID      jid.JID
	Password string
	// Dial opens the connection (see package transport). Required.
	Dial func(ctx context.Context) (net.Conn, error)

	// Pins stores certificate fingerprints (trust on first use). Pin, if
	// set, is a fingerprint the server must present.
	Pins PinStore
	Pin  string
	// DirectTLS: Dial reaches a direct TLS port (XEP-0368), where TLS
	// starts with the first byte instead of after STARTTLS (two round
	// trips fewer; over I2P each costs hundreds of milliseconds).
	DirectTLS bool
	// Trust is asked about an unknown self-signed certificate; nil trusts it
	// on first use.
	Trust func(host, fingerprint string) bool

	// Outbox persists messages until the server acknowledges them; nil keeps
	// them in memory only.
	Outbox Outbox
	// Archive gives the MAM cursor; nil disables MAM catch-up.
	Archive ArchiveCursor
	// OMEMO is the account's OMEMO device (omemo.go; chat gives an
	// omemo/device Account); nil sends and keeps everything in plaintext
	// (and says so of encrypted messages).
	OMEMO OMEMOAccount
	// RequireEncryption: chat messages to a contact without OMEMO devices
	// (or with OMEMO off) fail with ErrPlaintextRefused instead of going
	// out readable.
	RequireEncryption bool
	// NoOMEMOPublish keeps the own OMEMO device off the server on this
	// client: it still decrypts what arrives, but publishes neither its
	// entry in the account's device list nor its bundle. For a login
	// check (chat's CheckLogin), which logs out as soon as it is online:
	// its publication ran on in the background and was cut off at a
	// random step, so the device was announced (or not) by the check, and
	// sometimes listed with no bundle that contacts could encrypt for
	// (docs/omemo.md).
	NoOMEMOPublish bool

	// Passive skips initial presence (scripts that only send).
	Passive bool
	// HoldAcks sends each answer to the server's ack requests together
	// with the next write (or alone after 100 ms): for connections through
	// an I2P router, where a lone small write delays the next one (see
	// ackConn).
	HoldAcks bool
	// NoReconnect makes Run return after the first connection ends.
	NoReconnect bool
	// MaxStanzaSize bounds one incoming stanza, in bytes, counted as it is
	// read; a server that sends more is disconnected (and Run reconnects).
	// Zero picks DefaultMaxStanzaSize.
	MaxStanzaSize int64
	// Timeouts; zero values pick defaults fit for a local server.
	ConnectTimeout time.Duration // whole login, default 30 s
	KeepAlive      time.Duration // ping interval, default 60 s
	BackoffMin     time.Duration // default 1 s
	BackoffMax     time.Duration // default 60 s

	// SelfPingIdle is how long a joined room may be silent before we ping
	// our own occupant address in it (XEP-0410) to learn whether the room
	// still has us; default 5 min, negative: never.
	SelfPingIdle time.Duration
	// RoomArchiveMax bounds the messages a join fetches from a room's
	// archive (muc_mam.go; the newest are kept); zero: 1000.
	RoomArchiveMax int

	Logger *slog.Logger
}

// DefaultMaxStanzaSize is 1 MiB: twice the largest stanza prosody accepts
// from anyone (c2s_stanza_size_limit 256 KiB from clients,
// s2s_stanza_size_limit 512 KiB from other servers), so whatever a sender
// could get through reaches Clove, with room for what a server writes
// itself (a roster of ~10,000 contacts), while a stanza costs at most a
// few MiB to decode.
const DefaultMaxStanzaSize = 1 << 20

// Client is one account's connection. Create it with New, run it with Run,
// read Events.
type Client struct {
	upload uploadCache // FindUploadService's answer for this login
	cfg    Config
	log    *slog.Logger
	events chan Event
	queue  *fifo[Event]
	work   *fifo[func()]
	outbox Outbox
	sm     smState
	omemo  omemoState

	// Acks the outbox could not record (a full disk), and whether the
	// disk is full as far as the client knows (see acked).
	// reconciling, while set, is shown each archived message (see
	// reconcile).
	reconciling atomic.Pointer[reconciliation]

	// vcardMu: one read-modify-write of our own vCard at a time (the
	// avatar's photo, the profile's fields), so neither loses the other's.
	vcardMu sync.Mutex

	ackMu      sync.Mutex
	unrecorded []string
	diskFull   bool

	mu      sync.Mutex
	sess    *xmpp.Session
	conn    net.Conn
	state   ConnState
	sentNow map[string]bool // outbox ids sent on the current connection
	// sentBefore: those sent on the connection before (see reconcile);
	// born: when the client was made (older entries an earlier process
	// may have sent).
	sentBefore map[string]bool
	born       time.Time
	// flushAgain: a message was accepted while not online; login's outbox
	// flush may have read the outbox before it was written, so the outbox
	// is sent again once online (sentNow skips what already went out).
	flushAgain bool
	// adopted: entries taken over from a session that ended and not yet
	// sent on a connection of ours (see unsure).
	adopted map[string]bool
	// recheck: CheckOutbox's request (buffered 1); flushMu: one flush at
	// a time (a recheck's, a login's, flushAgain's).
	recheck    chan struct{}
	flushMu    sync.Mutex
	online     chan struct{} // closed while Online
	retryNow   chan struct{} // RetryNow's signal (buffered 1)
	bound      jid.JID
	status     string // our presence "show" (or Invisible), resent after reconnects
	statusText string // and its free text
	// What the server's session has of our presence (invisible.go):
	// presGen counts new server sessions, listRooms are the rooms the
	// active invisible list lets presence through to.
	sent      presSent
	presGen   int
	listRooms []string
	refused   presTarget // the last change the server refused
	// photo: our own avatar's hash as our presence announces it
	// (XEP-0153, ownphoto.go); kept across sessions.
	photo ownPhoto
	// presMu orders presence changes: each is several requests whose
	// answers the next one depends on.
	presMu           sync.Mutex
	invisibleSupport atomic.Int32 // a Support
	// rPlanned: an ack request is scheduled (see requestAck).
	rPlanned bool
	// Rooms (muc.go): joined rooms and our nick, pending joins and their
	// nick, and rooms that were created by our join (to be configured).
	rooms     map[string]string
	joins     map[string]chan error
	joinNicks map[string]string
	// nickWaits: a nickname change waiting for the room's answer
	// (mucnick.go), by room.
	nickWaits map[string]chan error
	// subjectWaits: a subject change waiting for the room (mucsubject.go),
	// by room; subjectJoins: rooms joined whose first subject, the room's
	// own, has not come yet.
	subjectWaits map[string]subjectWait
	// joinCodes: what our own presence said at a join under way (status
	// 100, 170), by room.
	joinCodes    map[string]RoomJoined
	subjectJoins map[string]bool
	created      map[string]bool
	// Self-ping (selfping.go): when each joined room last sent us
	// anything, and the rooms being checked now.
	roomSeen map[string]time.Time
	pinging  map[string]bool
	// roomQueries: the rooms whose archive is being read after a join
	// (muc_mam.go); roomLast: the room's stanza-id of the last message
	// each room sent us, for the catch-up of a rejoin.
	roomQueries map[string]*roomCatchUp
	roomLast    map[string]string
	// roomCrypt: what OMEMO in each joined room needs (muc_omemo.go):
	// whether the room is private, its members' and occupants' real
	// addresses; sentGroup: the text of our recent encrypted room
	// messages, for the room's copy of them (which this device cannot
	// decrypt).
	roomCrypt map[string]*roomCrypt
	sentGroup recentTexts
	// inactive: the user is not looking (XEP-0352, csi.go).
	inactive bool
	// bmSess is the session bmPEP was asked on: whether the server keeps
	// bookmarks in PEP (bookmarks2.go).
	bmSess *xmpp.Session
	bmPEP  bool
	// blocked is the blocklist as read on blockedSess (invite.go), for
	// checking invitations; a blocklist push clears blockedSess.
	blocked     []jid.JID
	blockedSess *xmpp.Session
}

// New checks cfg and returns a Client that is not yet connected.
func New(cfg Config) (*Client, error) {
	if cfg.JID.Localpart() == "" || cfg.JID.Domainpart() == "" {
		return nil, fmt.Errorf("%q is not an account address (expected name@server)", cfg.JID.String())
	}
	if cfg.Dial == nil {
		return nil, errors.New("xmppclient: Config.Dial is required")
	}
	if cfg.Pin != "" {
		p, err := NormalizeFingerprint(cfg.Pin)
		if err != nil {
			return nil, err
		}
		cfg.Pin = p
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if cfg.RoomArchiveMax <= 0 {
		cfg.RoomArchiveMax = roomArchiveMax
	}
	if cfg.SelfPingIdle == 0 {
		cfg.SelfPingIdle = 5 * time.Minute
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = 60 * time.Second
	}
	if cfg.MaxStanzaSize <= 0 {
		cfg.MaxStanzaSize = DefaultMaxStanzaSize
	}
	if cfg.BackoffMin == 0 {
		cfg.BackoffMin = time.Second
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.JID.Resourcepart() == "" {
		j, err := cfg.JID.WithResource("clove-" + randomID()[:8])
		if err != nil {
			return nil, err
		}
		cfg.JID = j
	}
	c := &Client{
		cfg:      cfg,
		log:      cfg.Logger.With("account", cfg.JID.Bare().String()),
		events:   make(chan Event, 64),
		queue:    newFIFO[Event](),
		work:     newFIFO[func()](),
		outbox:   cfg.Outbox,
		online:   make(chan struct{}),
		retryNow: make(chan struct{}, 1),
		recheck:  make(chan struct{}, 1),
		born:     time.Now(),
	}
	c.omemo.requireE2E.Store(cfg.RequireEncryption)
	c.omemo.published = make(chan struct{})
	if c.outbox == nil {
		c.outbox = newMemOutbox()
	}
	return c, nil
}

// Events returns the channel events arrive on. Read it until it closes.
func (c *Client) Events() <-chan Event { return c.events }

// JID returns the account's full JID (the bound one once online).
func (c *Client) JID() jid.JID {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bound.Domainpart() != "" {
		return c.bound
	}
	return c.cfg.JID
}

// State returns the current connection state.
func (c *Client) State() ConnState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// WaitOnline blocks until the client is online or ctx ends.
func (c *Client) WaitOnline(ctx context.Context) error {
	c.mu.Lock()
	if c.state == Online {
		c.mu.Unlock()
		return nil
	}
	ch := c.online
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) session() (*xmpp.Session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil || c.state != Online {
		return nil, errors.New("not connected")
	}
	return c.sess, nil
}

func (c *Client) emit(ev Event) { c.queue.push(ev) }

func (c *Client) setState(s ConnState, err error, resumed bool, retry time.Duration) {
	c.mu.Lock()
	prev := c.state
	c.state = s
	if s == Online && prev != Online {
		close(c.online)
	} else if s != Online && prev == Online {
		c.online = make(chan struct{})
	}
	c.mu.Unlock()
	c.emit(StateChanged{State: s, Err: err, Resumed: resumed, Retry: retry})
}

// Run connects and keeps the account connected until ctx ends, reconnecting
// with backoff after a dropped connection. It returns nil when ctx ends, or
// the error that stopped it for good (wrong password, certificate mismatch,
// or with NoReconnect any connection error). Events is closed when Run
// returns.
func (c *Client) Run(ctx context.Context) error {
	pumpDone := make(chan struct{})
	go c.pump(pumpDone)
	workDone := make(chan struct{})
	go c.worker(workDone)
	defer func() {
		c.work.close()
		<-workDone
		c.queue.close()
		<-pumpDone
	}()

	backoff := c.cfg.BackoffMin
	for {
		select {
		case <-c.retryNow: // asked for while this attempt was coming anyway
		default:
		}
		c.setState(Connecting, nil, false, 0)
		start := time.Now()
		err := c.connectOnce(ctx)
		if ctx.Err() != nil {
			c.setState(Offline, nil, false, 0)
			return nil
		}
		if permanent(err) {
			c.setState(Failed, err, false, 0)
			return err
		}
		if c.cfg.NoReconnect {
			c.setState(Failed, err, false, 0)
			return err
		}
		if time.Since(start) > 2*c.cfg.BackoffMax {
			backoff = c.cfg.BackoffMin // the last session lived long: start over
		}
		wait := jitter(backoff)
		c.log.Info("connection lost", "err", err, "retry", wait)
		c.setState(Offline, err, false, wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
			backoff = min(backoff*2, c.cfg.BackoffMax)
		case <-c.retryNow:
			t.Stop()
			backoff = c.cfg.BackoffMin // the user asked: start over
		}
	}
}

// RetryNow ends the wait before the next connection attempt (the user's
// "Reconnect now"). Asked for while an attempt is starting anyway, it
// changes nothing.
func (c *Client) RetryNow() {
	select {
	case c.retryNow <- struct{}{}:
	default:
	}
}

func jitter(d time.Duration) time.Duration {
	var b [1]byte
	_, _ = rand.Read(b[:])
	return d - d/4 + time.Duration(int64(d/2)*int64(b[0])/255)
}

// AuthError: the server refused the credentials.
type AuthError struct{ Err error }

func (e *AuthError) Error() string {
	return "the server refused the login: wrong address or password (" + e.Err.Error() + ")"
}
func (e *AuthError) Unwrap() error { return e.Err }

func permanent(err error) bool {
	var ae *AuthError
	var pe *PinMismatchError
	// A port that does not speak TLS (ErrNotDirectTLS) will not start to
	// on a retry: the setting is wrong, and retrying would only hide that.
	return errors.As(err, &ae) || errors.As(err, &pe) || errors.Is(err, ErrCertRejected) || errors.Is(err, ErrNotDirectTLS)
}

// saslFeature wraps mellium's SASL so that a refusal becomes an AuthError.
func saslFeature(password string, failed *error) xmpp.StreamFeature {
	f := xmpp.SASL("", password, sasl.ScramSha256, sasl.ScramSha1, sasl.Plain)
	inner := f.Negotiate
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		mask, rw, err := inner(ctx, s, data)
		if err != nil && !isNetErr(err) {
			err = &AuthError{Err: err}
		}
		if err != nil {
			*failed = err
		}
		return mask, rw, err
	}
	return f
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// login dials and negotiates a session (TLS, SASL, bind or resume).
func (c *Client) login(ctx context.Context) (*xmpp.Session, net.Conn, *readGuard, error) {
	// The context outlives the connection deadline a little: mellium clears
	// deadlines when its context ends, which must not race with ours.
	deadline := time.Now().Add(c.cfg.ConnectTimeout)
	lctx, cancel := context.WithDeadline(ctx, deadline.Add(time.Second))
	defer cancel()
	conn, err := c.cfg.Dial(lctx)
	if err != nil {
		return nil, nil, nil, err
	}
	// The dialer says whether it reached a direct TLS port (an
	// _xmpps-client SRV target: transport.IsDirectTLS).
	direct := c.cfg.DirectTLS || isDirectTLS(conn)
	if c.cfg.HoldAcks {
		conn = &ackConn{Conn: conn}
	}
	// mellium's own context handling resets the deadline it sets, which can
	// miss a blocked read: bound the login with a real deadline, and close
	// the connection if the caller gives up.
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c.sm.newConnection()
	v := &verifier{host: c.cfg.JID.Domainpart(), want: c.cfg.Pin, pins: c.cfg.Pins, trust: c.cfg.Trust, emit: c.emit, ctx: lctx}
	// mellium may report a failed write of its stream error instead of the
	// reason negotiation failed: the features record the real one.
	var failed error
	guard := &readGuard{}
	sc := newSessionConn(conn, guard, c.cfg.MaxStanzaSize)
	sess, err := c.negotiate(lctx, sc, direct, v, guard, &failed)
	if err == nil && failed != nil {
		// mellium treats a failed optional feature as absent and carries on:
		// never go on without TLS or authentication.
		err = failed
	}
	if err == nil && sess.State()&(xmpp.Secure|xmpp.Authn) != xmpp.Secure|xmpp.Authn {
		err = errors.New("the server did not offer an encrypted, authenticated session (STARTTLS and SASL are required)")
	}
	if err != nil {
		if failed != nil {
			err = failed
		}
		conn.Close()
		if tooLarge := guard.err(); tooLarge != nil {
			return nil, nil, nil, tooLarge
		}
		return nil, nil, nil, explainLogin(c.cfg.JID.Domainpart(), err)
	}
	_ = conn.SetDeadline(time.Time{})
	sc.guard()
	return sess, conn, guard, nil
}

// negotiate runs the stream negotiation on sc: STARTTLS first, or with
// DirectTLS a TLS handshake before the first XMPP byte.
func (c *Client) negotiate(ctx context.Context, sc *sessionConn, direct bool, v *verifier, guard *readGuard, failed *error) (*xmpp.Session, error) {
	rest := []xmpp.StreamFeature{
		saslFeature(c.cfg.Password, failed),
		smFeature(),
		csiFeature(),
		bindOrResume(&c.sm, c.cfg.JID),
	}
	if direct {
		rw, err := directTLS(ctx, sc, v.config(), &c.sm, guard, c.cfg.MaxStanzaSize)
		if err != nil {
			*failed = err
			return nil, err
		}
		return newDirectTLSSession(ctx, c.cfg.JID, rw, rest...)
	}
	return xmpp.NewClientSession(ctx, c.cfg.JID, sc,
		append([]xmpp.StreamFeature{startTLS(v.config(), &c.sm, failed, sc, guard, c.cfg.MaxStanzaSize)}, rest...)...)
}

// explainLogin turns negotiation errors into sentences for the user.
func explainLogin(host string, err error) error {
	var ae *AuthError
	var pe *PinMismatchError
	switch {
	case errors.Is(err, ErrNotDirectTLS):
		return fmt.Errorf("%s: %w", host, err)
	case errors.As(err, &ae), errors.As(err, &pe), errors.Is(err, ErrCertRejected):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("the server %s stopped answering during login: %w", host, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		strings.Contains(err.Error(), "unexpected EOF"):
		return fmt.Errorf("the server %s closed the connection during login: %w", host, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "TLS negotiation failed") || strings.Contains(msg, "tls:") {
		return fmt.Errorf("secure connection (TLS) to %s failed: %w", host, err)
	}
	if strings.Contains(msg, "XML syntax") || strings.Contains(msg, "expected") || strings.Contains(msg, "invalid") || strings.Contains(msg, "stream") {
		return fmt.Errorf("%s did not speak XMPP as expected (is this the right host and port?): %w", host, err)
	}
	return fmt.Errorf("login to %s failed: %w", host, err)
}

func (c *Client) connectOnce(ctx context.Context) error {
	sess, conn, guard, err := c.login(ctx)
	if err != nil {
		return err
	}
	resumed := c.sm.isEnabled()
	c.mu.Lock()
	c.sess, c.conn = sess, conn
	if !resumed {
		c.sentBefore = c.sentNow
	}
	c.sentNow = map[string]bool{}
	c.bound = sess.LocalAddr()
	c.sm.boundJID = c.bound
	c.mu.Unlock()

	serveErr := make(chan error, 1)
	go func() { serveErr <- sess.Serve(xmpp.HandlerFunc(c.handle)) }()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	setup := make(chan error, 1)
	go func() { setup <- c.afterLogin(sctx, sess, resumed) }()
	go c.selfPingLoop(sctx, sess)

	ticker := time.NewTicker(c.cfg.KeepAlive)
	defer ticker.Stop()
	flush := func() {
		if err := c.flushOutbox(sctx, sess, false); err != nil && sctx.Err() == nil {
			c.log.Info("outbox not sent; it stays queued", "err", err)
		}
	}
	// recheck: a CheckOutbox during the login, whose flush may have read
	// the outbox before another session's messages became ours.
	recheck := false
	var result error
loop:
	for {
		select {
		case err := <-setup:
			if err != nil {
				result = err
				break loop
			}
			c.setState(Online, nil, resumed, 0)
			setup = nil
			if !c.cfg.Passive {
				// A presence chosen during the login (or while away, on a
				// resumed session) was only kept: send it now.
				go func() {
					if err := c.applyPresence(sctx, sess, false); err != nil && sctx.Err() == nil {
						c.emit(ErrorEvent{Err: err})
					}
				}()
			}
			c.mu.Lock()
			again := c.flushAgain || recheck
			c.flushAgain = false
			c.mu.Unlock()
			if again {
				go flush()
			}
		case <-c.recheck:
			if setup != nil {
				recheck = true
			} else {
				go flush()
			}
		case err := <-serveErr:
			serveErr = nil
			if err == nil {
				err = errors.New("the server closed the connection")
			}
			result = err
			break loop
		case <-ticker.C:
			pctx, pcancel := context.WithTimeout(sctx, c.cfg.ConnectTimeout)
			err := c.ping(pctx, sess)
			pcancel()
			if err != nil && sctx.Err() == nil {
				result = fmt.Errorf("the server did not answer a keep-alive ping: %w", err)
				break loop
			}
		case <-ctx.Done():
			break loop
		}
	}
	cancel()
	c.mu.Lock()
	c.sess, c.conn = nil, nil
	c.mu.Unlock()
	if ctx.Err() != nil {
		// Leaving on purpose: close the stream politely; the server then
		// ends the session (no resumption wanted). Its closing tag is
		// waited for (RFC 6120 §4.4; 2 s at most): once it came, the
		// server has ended the session, so a message sent to us after we
		// return goes to offline storage for the next login, not into a
		// session on its way out (which a server keeping an archive may
		// count as delivered; a `clove listen` run just after then got it
		// only as an archive copy, not as new).
		_ = sess.Close()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		if serveErr != nil {
			<-serveErr
			serveErr = nil
		}
		awaitServerClose(conn)
	}
	_ = conn.Close()
	if serveErr != nil {
		<-serveErr
	}
	if tooLarge := guard.err(); tooLarge != nil {
		// mellium reports its own failure to answer the refused stream
		// (or a closed connection), not why it ended.
		return tooLarge
	}
	return result
}

// awaitServerClose waits, after the server's closing tag, for the server
// to close its end of the connection (EOF; prosody does so at once),
// discarding what comes (a TLS close_notify), for closeWait and at most
// 64 KiB. Over SAM the EOF means i2pd has ended the I2P stream before
// Clove closes its socket and then its SAM session: closing the session
// while a stream is still open is what makes i2pd 2.45.1 free the
// session's streaming state under it and crash (docs/i2pd.md, "The
// router dies").
func awaitServerClose(conn net.Conn) {
	_ = conn.SetReadDeadline(time.Now().Add(closeWait))
	_, _ = io.CopyN(io.Discard, conn, 64<<10)
}

// closeWait bounds awaitServerClose. Over direct TCP the EOF follows the
// closing tag at once; over I2P it is one more trip through the tunnels.
const closeWait = 2 * time.Second

// afterLogin enables stream management and carbons, loads the roster, sends
// presence, flushes the outbox and catches up from the archive.
func (c *Client) afterLogin(ctx context.Context, sess *xmpp.Session, resumed bool) error {
	if !resumed {
		if _, ok := sess.Feature(nsSM); ok {
			if err := sess.Send(ctx, smElement("enable", xmlAttr("resume", "true"))); err != nil {
				return err
			}
		}
		// The roster request, then presence, without waiting for answers:
		// the account is online once they are on their way. The roster
		// and carbons answers are handled as they come (RosterChanged, or
		// an ErrorEvent wrapping ErrRoster).
		written, roster := c.requestRoster(ctx, sess)
		if err := whenWritten(written, roster, func(err error) {
			if err != nil && ctx.Err() == nil {
				c.emit(ErrorEvent{Err: fmt.Errorf("%w: %w", ErrRoster, err)})
			}
		}); err != nil {
			return err
		}
		// Carbons are asked for before going online too: once a later
		// stanza on this stream is answered (a ping), they are on.
		written, carbons := enableCarbons(ctx, sess)
		if err := whenWritten(written, carbons, func(err error) {
			if err != nil && ctx.Err() == nil {
				c.emit(ErrorEvent{Err: fmt.Errorf("carbons (other devices' messages) not available: %w", err)})
			}
		}); err != nil {
			return err
		}
		// A new server session: no presence, no active privacy list.
		c.resetPresence()
		if !c.cfg.Passive {
			go c.discoverServer(ctx, sess)
			if err := c.loginPresence(ctx, sess); err != nil {
				return err
			}
			// Off the login path: the presence goes out meanwhile (without
			// the hash until the vCard says it, XEP-0153 §4.2).
			go c.learnOwnPhoto(ctx, sess)
		}
	}
	if resumed && !c.cfg.Passive {
		// Stanzas the server never acknowledged are ours to resend: messages
		// come from the outbox; a lost presence is sent again (all its
		// steps: a privacy list request may have been lost with it).
		c.sm.mu.Lock()
		lost := c.sm.presenceLost
		c.sm.presenceLost = false
		c.sm.mu.Unlock()
		if lost {
			c.presenceUnsure()
			if err := c.loginPresence(ctx, sess); err != nil {
				return err
			}
		}
	}
	if !resumed && c.cfg.OMEMO != nil && c.cfg.NoOMEMOPublish {
		c.markPublished() // nothing to wait for before encrypting
	}
	if !resumed && c.mayPublishOMEMO() {
		// Off the login path: the account is online meanwhile; a message
		// sent before it finished is encrypted all the same (the peer's
		// devices are fetched on demand).
		go func() {
			err := c.publishOMEMO(ctx, sess)
			c.markPublished()
			if ctx.Err() == nil {
				c.emit(OMEMOReady{DeviceID: c.cfg.OMEMO.DeviceID(), Err: err})
			}
		}()
	}
	if err := c.csiAfterLogin(ctx, sess, resumed); err != nil {
		return err
	}
	if err := c.flushOutbox(ctx, sess, !resumed); err != nil {
		return err
	}
	if !resumed {
		c.rejoinRooms(ctx)
	}
	if c.cfg.Archive != nil && !resumed {
		go c.catchUp(ctx, sess)
	}
	return nil
}

// whenWritten waits until a request is written (see iqWritten), then hands
// its answer to answer when it comes, off this goroutine. An error before
// the request was written means the stream is broken: it is returned.
func whenWritten(written <-chan struct{}, answered <-chan error, answer func(error)) error {
	select {
	case <-written:
		go func() { answer(<-answered) }()
		return nil
	case err := <-answered:
		select {
		case <-written:
			answer(err)
			return nil
		default:
			return err
		}
	}
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
