package chat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/omemo/device"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Options say how a Session runs.
type Options struct {
	// Passive: no initial presence (one-shot commands that only act).
	Passive bool
	// NoReconnect: Run ends after the first connection ends.
	NoReconnect bool
	// Trust is asked about an unknown self-signed certificate (nil: trust
	// it on first use).
	Trust func(host, fingerprint string) bool
	// Rooms: on the first login, read the room bookmarks into the profile
	// and enter the rooms marked autojoin (the window does; a one-shot
	// command does not).
	Rooms bool
	// WatchRouter: for an I2P account, tell the router's state in
	// RouterStatus events while the session runs.
	WatchRouter bool
	// Notice, if set, is told what a person at a terminal should read:
	// a certificate trusted on first use, a retry, a message not delivered,
	// a profile that could not be saved to. It is called from the
	// session's goroutines.
	Notice func(string)
	// Progress: also tell Notice, 3 s into connecting and every 30 s
	// after, that the session is still connecting and why that may take
	// long (I2P), so a wait is never silent.
	Progress bool
	// Tweak adjusts the client's configuration (tests: fast reconnects).
	Tweak func(*xmppclient.Config)
	// Plain: no OMEMO in this session (clove send --plain): messages go
	// in plaintext, the device is not published, and encrypted messages
	// that arrive are saved as not decrypted.
	Plain bool
	// TakeOverGrace is how long after another session of the account
	// ended its queued messages are taken over while this one runs (0:
	// the default, see takeOverGrace).
	TakeOverGrace time.Duration

	// check: a login check (CheckLogin), which logs out once online: the
	// OMEMO device is not published (xmppclient.Config.NoOMEMOPublish).
	check bool
}

// Session is one account's running session: its client, whose events it
// saves before telling them (Events), and the account's actions.
type Session struct {
	p       *Profile
	account store.Account
	opts    Options
	client  *xmppclient.Client
	dialer  dialer
	own     *ownership // its share of the account's outbox

	events chan Event
	side   chan Event    // news from the session's own goroutines
	quit   chan struct{} // closed when the event loop ended
	runErr chan error

	// For an account on the profile's own node: its last known state
	// (nil: not read yet), and a nudge to read it again.
	nodeState atomic.Pointer[NodeState]
	nodeCheck chan struct{}
	once      sync.Once
	// started is set by Start, before anything reads it (Start and Wait
	// are called from the session's owner, in that order).
	started bool
	// cursor holds the archive cursor while a message could not be saved
	// (used by the event loop alone).
	cursor cursorGuard
	// full: the disk holding the profile was told to be full, and no
	// write has worked since (one notice, not one per event).
	full bool
	// fullLater: a one-shot command names the full disk in its result, so
	// the event loop keeps quiet about it and keeps the first such error
	// in fullErr for the end (set before Start; fullErr is read once the
	// events are closed).
	fullLater bool
	fullErr   error
	// delivering: the ids a one-shot send waits for; that a message among
	// them could not be sent is its result, not a notice (set before
	// Start, read-only after).
	delivering map[string]bool
	// While full: roomCheck ticks to see whether space came back without
	// waiting for a write to work, and missed says a message could not be
	// saved (fetched again from the archive once there is room). The
	// event loop's alone.
	roomCheck *time.Ticker
	missed    bool
	// typing: the chat states (XEP-0085) we send and who sends us theirs.
	typing  *typing
	markers *markers
	// avatars: the avatar fetches of this run (avatar.go).
	avatars avatarFetches
	// tooLarge: contacts whose vCard was over the stanza limit this run.
	tooLarge tooLargeProfiles
}

// Session makes account a's session with password; Start runs it. The
// client exists from here on: Send and SendMany write to the outbox before
// the session ever connects.
func (p *Profile) Session(a store.Account, password string, opts Options) (*Session, error) {
	cfg, d, err := p.clientConfig(a, password)
	if err != nil {
		return nil, err
	}
	own, err := p.takeOwnership()
	if err != nil {
		d.Close()
		return nil, err
	}
	if opts.Plain && a.RequireEncryption {
		d.Close()
		own.release()
		return nil, fmt.Errorf("%s sends nothing unencrypted (require-encryption is on): plaintext refused", a.JID)
	}
	cfg.RequireEncryption = a.RequireEncryption
	cfg.Outbox = outbox{st: p.st, account: a.JID, own: own}
	cfg.Passive = opts.Passive
	cfg.NoReconnect = opts.NoReconnect
	cfg.NoOMEMOPublish = opts.check
	if !opts.Plain {
		// The profile is this device: its OMEMO keys are made once, on
		// the first session (100 pre-keys, some ms), and kept.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		acc, err := device.Open(ctx, p.st, a.JID)
		cancel()
		switch {
		case errors.Is(err, store.ErrNotFound):
			// An account not in the profile (tests' sessions): it has no
			// place for keys, so it runs in plaintext.
		case err != nil:
			d.Close()
			own.release()
			return nil, err
		default:
			// Only a non-nil *device.Account: a nil one in the interface
			// would not be nil.
			cfg.OMEMO = acc
		}
	}
	cfg.Trust = p.trustPinned(a.JID, opts.Trust)
	if opts.Tweak != nil {
		opts.Tweak(&cfg)
	}
	c, err := xmppclient.New(cfg)
	if err != nil {
		d.Close()
		own.release()
		return nil, err
	}
	s := &Session{
		p: p, account: a, opts: opts, client: c, dialer: d, own: own,
		events: make(chan Event),
		side:   make(chan Event),
		quit:   make(chan struct{}),
		runErr: make(chan error, 1),

		nodeCheck: make(chan struct{}, 1),
	}
	s.typing = newTyping(s)
	s.markers = newMarkers()
	return s, nil
}

// Account is the session's account.
func (s *Session) Account() store.Account { return s.account }

// JID is the account's address with the session's resource.
func (s *Session) JID() jid.JID { return s.client.JID() }

// State is the connection's state now.
func (s *Session) State() xmppclient.ConnState { return s.client.State() }

// WaitOnline returns once the session is online.
func (s *Session) WaitOnline(ctx context.Context) error { return s.client.WaitOnline(ctx) }

// Ping asks the server for an answer (a round trip: what was written
// before it has been read by the server once it returns).
func (s *Session) Ping(ctx context.Context) error { return s.client.Ping(ctx) }

// Events tells what happened, each event once saved, in order. It must be
// read until it is closed, which it is once the session ended (its
// context was cancelled, or it failed for good).
func (s *Session) Events() <-chan Event { return s.events }

// Start runs the session until ctx ends: it connects (and reconnects), and
// saves and then tells each event.
func (s *Session) Start(ctx context.Context) {
	s.started = true
	go func() { s.runErr <- s.client.Run(ctx) }()
	if s.opts.Progress && s.opts.Notice != nil {
		go s.progress(ctx)
	}
	if s.opts.WatchRouter {
		if s.p.NodeAccount(s.account.Domain()) {
			go s.watchNode(ctx)
		} else {
			go s.watchRouter(ctx)
		}
	}
	go s.loop(ctx)
	go s.takeOver(ctx)
}

// Wait waits for the session to end (its context must be cancelled, or
// Events read to its end) and releases what it held; it returns why the
// client stopped.
func (s *Session) Wait() error {
	if !s.started {
		s.once.Do(s.release)
		return nil
	}
	for range s.events {
		// Told to no one: the caller stopped reading. Still saved.
	}
	err := <-s.runErr
	s.runErr <- err // Wait may be called again
	s.once.Do(s.release)
	return err
}

// release lets go of what the session held once its client stopped: the
// dialer, and its share of the outbox (what it left queued is for the
// next session, or for one running beside it, to send).
func (s *Session) release() {
	s.own.release()
	s.dialer.Close()
}

// end is Wait for a run that had its own reason to stop: a context that
// ended (the run's deadline, an interrupt, the run cancelling itself when
// done) is how such a run stops, not a failure.
func (s *Session) end() error {
	err := s.Wait()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

// loop is "save before show", the one place where it happens: each client
// event is recorded in the profile, then told.
func (s *Session) loop(ctx context.Context) {
	defer close(s.events)
	defer close(s.quit)
	in := s.client.Events()
	joined := false
	defer func() {
		if s.roomCheck != nil {
			s.roomCheck.Stop()
		}
	}()
	for {
		var roomCheck <-chan time.Time
		if s.roomCheck != nil {
			roomCheck = s.roomCheck.C
		}
		select {
		case <-roomCheck:
			if free, ok := diskFree(s.p.dir); ok && free >= roomAgain {
				s.hasRoom(ctx)
			}
		case ev, ok := <-in:
			if !ok {
				return
			}
			if f, ok := ev.(xmppclient.MessageFailed); ok {
				ev = s.blame(f)
			}
			if r, ok := ev.(xmppclient.ReactionsReceived); ok {
				// Not a message: told once saved, as what changed.
				if rc, ok := s.saveReactions(ctx, r); ok {
					s.events <- rc
				}
				continue
			}
			if d, ok := ev.(xmppclient.ChatDisplayedElsewhere); ok && !s.markers.readElsewhere(d) {
				continue // read elsewhere, but not up to the newest here
			}
			s.typing.seen(ev)
			s.markers.seen(ev)
			fresh := s.save(ctx, &ev)
			s.onAvatar(ctx, ev)
			s.events <- Saved{Event: ev, Fresh: fresh}
			switch e := ev.(type) {
			case xmppclient.BookmarkChanged, xmppclient.BookmarkRemoved:
				if s.opts.Rooms {
					go s.followBookmark(ctx, ev)
				}
			case xmppclient.StateChanged:
				if e.State == xmppclient.Online {
					go s.sendPendingReactions(ctx) // kept while offline
				}
			}
			if sc, ok := ev.(xmppclient.StateChanged); ok && sc.State == xmppclient.Online && s.opts.Rooms && !joined {
				// The client enters its rooms again after a reconnect; the
				// bookmarks are read once per run.
				joined = true
				go s.autojoin(ctx)
			}
		case ev := <-s.side:
			s.events <- ev
		}
	}
}

// tell hands news from the session's own goroutines to the event loop; it
// gives up once the loop ended.
func (s *Session) tell(ev Event) {
	select {
	case s.side <- ev:
	case <-s.quit:
	}
}

// save records an event in the profile and gives the notices a person at a
// terminal should read; it reports whether a message is new. A correction
// kept as a new message is changed in *evp (see persist).
func (s *Session) save(ctx context.Context, evp *xmppclient.Event) (fresh bool) {
	ev := *evp
	if hold, why := s.cursor.hold(ev); hold {
		if errors.Is(why, store.ErrDiskFull) {
			// The full disk was said, and says it all.
			s.p.log.Info("the message archive is fetched again on the next connection", "why", why)
		} else {
			s.notice("the message archive is fetched again on the next connection: %v", why)
		}
		return false
	}
	fresh, err := persist(context.Background(), s.p.st, s.account.JID, evp)
	ev = *evp
	s.cursor.saved(ev, err)
	switch {
	case errors.Is(err, store.ErrDiskFull):
		if !s.full {
			s.isFull()
			s.fullNotice(fmt.Sprintf("could not save to the profile: %s (%v)", xmppclient.ErrStorageFull, err),
				"; nothing more is said until there is room again")
		}
		s.missed = s.missed || isMessage(ev)
		fresh = true
	case err != nil:
		s.notice("could not save to the profile: %v", err)
		fresh = true // shown rather than lost
	case s.full && isMessage(ev):
		s.hasRoom(ctx)
	}
	switch ev := ev.(type) {
	case xmppclient.CertPinned:
		if !ev.Known {
			s.notice("trusting %s's certificate on first use; SHA-256 %s (pinned)", ev.Host, xmppclient.FormatFingerprint(ev.Fingerprint))
		}
	case xmppclient.StateChanged:
		if ev.State == xmppclient.Offline && ev.Err != nil {
			s.notice("%s; retrying in %s", OneLine(ev.Err.Error()), ev.Retry.Round(100*time.Millisecond))
		}
	case xmppclient.MessageFailed:
		if ev.Condition == "omemo" && s.delivering[ev.ID] {
			break // Deliver's result says it
		}
		s.notice("message %s was not delivered: %s", ev.ID, ev.Error())
	case xmppclient.ErrorEvent:
		if errors.Is(ev.Err, xmppclient.ErrStorageFull) {
			if s.full {
				break // said already
			}
			s.isFull()
			if s.fullLater {
				s.fullNotice(ev.Err.Error(), "")
				break
			}
		}
		s.p.log.Warn("client", "err", ev.Err)
	}
	return fresh
}

// fullNotice says text, the disk's being full, now (followed by more), or
// keeps it for the end of a one-shot command (fullLater).
func (s *Session) fullNotice(text, more string) {
	if s.fullLater {
		if s.fullErr == nil {
			s.fullErr = errors.New(text)
		}
		return
	}
	s.notice("%s%s", text, more)
}

func (s *Session) notice(format string, a ...any) {
	if s.opts.Notice != nil {
		s.opts.Notice(fmt.Sprintf(format, a...))
	} else {
		s.p.log.Info(fmt.Sprintf(format, a...))
	}
}

// OneLine folds an error's text to one line.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// progress says, as a notice, that connecting takes a while (I2P routers
// can take minutes), so a wait is never silent.
func (s *Session) progress(ctx context.Context) {
	for wait := 3 * time.Second; ; wait = 30 * time.Second {
		wctx, cancel := context.WithTimeout(ctx, wait)
		err := s.client.WaitOnline(wctx)
		cancel()
		if err == nil || ctx.Err() != nil || s.over() {
			return
		}
		why := ""
		if addr, _ := routerAddr(s.account); addr != "" {
			if !routerAnswers(addr) {
				why = "; the I2P router is not answering at " + addr + ": start i2pd, or run 'clove node start'"
			} else {
				why = "; the I2P router answers, tunnels and the server lookup can take minutes"
			}
		}
		s.notice("still connecting %s (%s)%s…", s.account.JID, Describe(s.account), why)
	}
}

// watchRouter tells, for an I2P account, whether its router answers and
// what to do next. It only ever connects to the account's own proxy or SAM
// port (never probes others: I2P mode dials nothing else).
func (s *Session) watchRouter(ctx context.Context) {
	addr, what := routerAddr(s.account)
	if addr == "" {
		return
	}
	for {
		text := "I2P router: ready"
		if !routerAnswers(addr) {
			text = fmt.Sprintf("I2P router not found at %s: start i2pd, or let Clove run its own node", addr)
		} else if s.client.State() != xmppclient.Online {
			text = "I2P router up (" + what + "); building tunnels and finding the server can take minutes"
		}
		s.tell(RouterStatus{Text: text})
		if !s.pollWait(ctx, s.client.State() == xmppclient.Online, nil) {
			return
		}
	}
}

// pollWait waits before a watcher's next look: 5 s while what it watches
// is not there yet, 30 s once it is (settled), or until wake; false once
// the session or ctx ended.
func (s *Session) pollWait(ctx context.Context, settled bool, wake <-chan struct{}) bool {
	wait := 5 * time.Second
	if settled {
		wait = 30 * time.Second
	}
	select {
	case <-ctx.Done():
		return false
	case <-s.quit:
		return false
	case <-wake:
	case <-time.After(wait):
	}
	return true
}

// over reports whether the session's event loop ended.
func (s *Session) over() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

// routerAddr is the loopback address an I2P account reaches its router at.
func routerAddr(a store.Account) (addr, what string) {
	switch {
	case a.SAM != "":
		return a.SAM, "SAM " + a.SAM
	case a.Proxy != "":
		if u, err := url.Parse(a.Proxy); err == nil && u.Host != "" {
			return u.Host, "SOCKS5 " + u.Host
		}
		return a.Proxy, "SOCKS5 " + a.Proxy
	}
	return "", ""
}

// routerAnswers reports whether something listens at the account's own
// router address; it never dials any other port (I2P mode dials nothing else).
func routerAnswers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Profile is the profile the session's account is in.
func (s *Session) Profile() *Profile { return s.p }

// RetryNow ends the wait before the next connection attempt (the user's
// "Reconnect now").
func (s *Session) RetryNow() { s.client.RetryNow() }

// cursorGuard keeps the archive cursor (XEP-0313) from moving past a
// message that was not saved. The catch-up's messages are saved one by
// one as they come and the cursor moves after the last; on a full disk a
// message's insert can fail while the cursor's small update still fits,
// and the next catch-up would start after the lost message: gone from the
// history for good. Held, the cursor stays where it was and the next
// connection fetches the same messages again (stored ones are recognised
// by their archive ids).
type cursorGuard struct{ unsaved error }

// saved notes the outcome of saving ev.
func (g *cursorGuard) saved(ev xmppclient.Event, err error) {
	switch ev.(type) {
	case xmppclient.MessageReceived, xmppclient.GroupMessage:
		if err != nil && g.unsaved == nil {
			g.unsaved = err
		}
	}
}

// hold reports whether ev moves the cursor past a message not saved since
// the last move, and why; either way the next catch-up starts afresh.
func (g *cursorGuard) hold(ev xmppclient.Event) (bool, error) {
	if _, ok := ev.(xmppclient.ArchiveSynced); !ok || g.unsaved == nil {
		return false, nil
	}
	why := g.unsaved
	g.unsaved = nil
	return true, fmt.Errorf("a message could not be saved: %w", why)
}

// isMessage reports whether saving ev adds a message to the profile. Only
// such a write working says that there is room again: a small update (a
// receipt, the cursor) can fit in pages SQLite already has while the disk
// stays full, and the notices went full, room, full, room.
func isMessage(ev xmppclient.Event) bool {
	switch ev.(type) {
	case xmppclient.MessageReceived, xmppclient.GroupMessage:
		return true
	}
	return false
}

// roomAgain is the free space on the profile's disk at which the session
// takes it that space came back (a write that adds a message working says
// so too, whatever the free space).
const roomAgain = 1 << 20

// roomCheckEvery is how often a full disk's free space is looked at.
var roomCheckEvery = time.Second

// isFull enters the full state: space is looked at from now on.
func (s *Session) isFull() {
	s.full = true
	if s.roomCheck == nil {
		s.roomCheck = time.NewTicker(roomCheckEvery)
	}
}

// hasRoom leaves the full state, says so, records the acks the client
// kept in memory, and fetches again from the archive what could not be
// saved (the cursor was held for it).
func (s *Session) hasRoom(ctx context.Context) {
	s.full = false
	if s.roomCheck != nil {
		s.roomCheck.Stop()
		s.roomCheck = nil
	}
	if !s.fullLater {
		s.notice("the disk holding the profile has room again")
	}
	go s.client.RecordAcks()
	if s.missed {
		// The cursor stored is from before the first message missed (the
		// guard held it since): the catch-up covers them all.
		s.missed, s.cursor.unsaved = false, nil
		go s.client.CatchUp(ctx)
	}
}

// SetInactive tells the server whether the user is looking at the window
// (XEP-0352; only the window calls it, never the command line); kept for
// the next logins. It reports whether it went to the server (not when
// offline, or when the server does not offer CSI).
func (s *Session) SetInactive(ctx context.Context, inactive bool) (bool, error) {
	return s.client.SetInactive(ctx, inactive)
}
