package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// This file wires the core together the way every front end does: the
// account's transport settings give the dialer, the store backs the
// client's outbox, pins and archive cursor, and client events are persisted.

func settingsOf(a store.Account) transport.Settings {
	return transport.Settings{
		Server:     a.Server,
		Proxy:      a.Proxy,
		SAM:        a.SAM,
		I2POnly:    a.I2POnly,
		DarknetMap: a.DarknetMap,
	}
}

// clientConfig builds the xmppclient configuration for an account.
func (e *env) clientConfig(ctx context.Context, st *store.Store, a store.Account, password string) (xmppclient.Config, func(), error) {
	j, err := parseAccountJID(a.JID)
	if err != nil {
		return xmppclient.Config{}, nil, err
	}
	s := settingsOf(a)
	if err := s.Validate(); err != nil {
		return xmppclient.Config{}, nil, err
	}
	domain := j.Domainpart()
	if _, err := transport.Plan(s, domain); err != nil {
		return xmppclient.Config{}, nil, err
	}
	cleanup := func() {}
	var dial func(ctx context.Context) (net.Conn, error)
	if a.SAM != "" {
		// One SAM session serves every connect; when the router ends it
		// (stopped, restarted) the next connect makes a new one — with the
		// saved identity if the account keeps its address (SAMKeys),
		// otherwise with a new address.
		var mu sync.Mutex
		var sam *transport.SAMDialer
		session := func(ctx context.Context) (*transport.SAMDialer, error) {
			mu.Lock()
			defer mu.Unlock()
			if sam != nil && !sam.Alive() {
				sam.Close()
				sam = nil
			}
			if sam == nil {
				d, err := transport.NewSAM(ctx, a.SAM, transport.SAMOptions{Keys: a.SAMKeys, InboundLength: a.I2PHops, OutboundLength: a.I2PHops, Logger: e.log})
				if err != nil {
					return nil, err
				}
				sam = d
			}
			return sam, nil
		}
		dial = func(ctx context.Context) (net.Conn, error) {
			d, err := session(ctx)
			if err != nil {
				return nil, err
			}
			c, err := transport.Connect(ctx, s, domain, transport.WithDialer(d), transport.WithLogger(e.log))
			var de *transport.DialError
			if errors.As(err, &de) && de.Reason == transport.ReasonSessionEnded {
				d.Close() // the next attempt makes a new session
			}
			return c, err
		}
		cleanup = func() {
			mu.Lock()
			defer mu.Unlock()
			if sam != nil {
				sam.Close()
			}
		}
	} else {
		dial = func(ctx context.Context) (net.Conn, error) {
			return transport.Connect(ctx, s, domain, transport.WithLogger(e.log))
		}
	}
	cfg := xmppclient.Config{
		JID:      j,
		Password: password,
		Dial:     dial,
		Pins:     pinStore{st: st, account: a.JID},
		Pin:      a.Pin,
		Outbox:   outbox{st: st, account: a.JID},
		Archive:  cursor{st: st, account: a.JID},
		Logger:   e.log,
	}
	if s.Mode() != transport.ModeDirect {
		// I2P: building a SAM session or reaching a fresh destination takes
		// minutes on a just-started router, not seconds.
		cfg.ConnectTimeout = 4 * time.Minute
	}
	return cfg, cleanup, nil
}

type pinStore struct {
	st      *store.Store
	account string
}

func (p pinStore) Pin(ctx context.Context, host string) (string, error) {
	fp, err := p.st.Pin(ctx, p.account, host)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return fp, err
}

func (p pinStore) SetPin(ctx context.Context, host, fp string) error {
	return p.st.SetPin(ctx, p.account, host, fp)
}

type outbox struct {
	st      *store.Store
	account string
}

func (o outbox) Enqueue(ctx context.Context, e xmppclient.OutboxEntry) error {
	return o.st.AddOutgoing(ctx, o.message(e))
}

func (o outbox) EnqueueBatch(ctx context.Context, es []xmppclient.OutboxEntry) error {
	ms := make([]*store.Message, len(es))
	for i, e := range es {
		ms[i] = o.message(e)
	}
	return o.st.AddOutgoingBatch(ctx, ms)
}

func (o outbox) AckedBatch(ctx context.Context, ids []string) error {
	return o.st.MarkSentBatch(ctx, o.account, ids)
}

func (o outbox) message(e xmppclient.OutboxEntry) *store.Message {
	peer := e.To
	if j, err := jid.Parse(e.To); err == nil {
		peer = j.Bare().String()
	}
	return &store.Message{
		Account:  o.account,
		Peer:     peer,
		Outgoing: true,
		From:     o.account,
		To:       e.To,
		Body:     e.Body,
		OriginID: e.ID,
		StanzaID: e.ID,
		Time:     e.Created,
	}
}

func (o outbox) Pending(ctx context.Context) ([]xmppclient.OutboxEntry, error) {
	ms, err := o.st.Pending(ctx, o.account)
	if err != nil {
		return nil, err
	}
	out := make([]xmppclient.OutboxEntry, 0, len(ms))
	for _, m := range ms {
		out = append(out, xmppclient.OutboxEntry{ID: m.OriginID, To: m.To, Body: m.Body, Created: m.Time})
	}
	return out, nil
}

func (o outbox) Acked(ctx context.Context, id string) error {
	return o.st.MarkSent(ctx, o.account, id)
}

var _ xmppclient.BatchOutbox = outbox{}

type cursor struct {
	st      *store.Store
	account string
}

func (c cursor) LastArchiveID(ctx context.Context) (string, error) {
	return c.st.LastArchiveID(ctx, c.account)
}

// persist records what an event means for the profile. It runs on the
// consumer of Client.Events, in order. fresh is false for a message the
// profile already had (a resend, carbon or archive copy).
func persist(ctx context.Context, st *store.Store, account string, ev xmppclient.Event) (fresh bool, err error) {
	switch e := ev.(type) {
	case xmppclient.MessageReceived:
		m := e.Message
		// The sender is stored bare: an origin-id is unique per sender, and
		// a resend after a reconnect (or our own message seen again as a
		// carbon or archive copy) may come from another resource; keyed on
		// the bare address every copy deduplicates.
		peer := m.From.Bare()
		from := m.From.Bare().String()
		state := store.Received
		if m.Outgoing {
			peer = m.To.Bare()
			state = store.Sent
		}
		return st.AddIncoming(ctx, &store.Message{
			Account:   account,
			Peer:      peer.String(),
			Outgoing:  m.Outgoing,
			From:      from,
			To:        m.To.String(),
			Body:      m.Body,
			OriginID:  m.OriginID,
			StanzaID:  m.ID,
			ArchiveID: m.ArchiveID,
			Time:      m.Time,
			State:     state,
		})
	case xmppclient.GroupMessage:
		if e.Body == "" {
			return false, nil // a subject change
		}
		return st.AddIncoming(ctx, groupMessage(account, e))
	case xmppclient.MessageFailed:
		err = st.MarkFailed(ctx, account, e.ID)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	case xmppclient.ReceiptReceived:
		err = st.MarkDelivered(ctx, account, e.ID)
		if errors.Is(err, store.ErrNotFound) {
			err = nil // a receipt for a message this profile never sent
		}
	case xmppclient.ArchiveSynced:
		if e.LastID != "" {
			err = st.SetLastArchiveID(ctx, account, e.LastID)
		}
	case xmppclient.RosterChanged:
		err = persistRoster(ctx, st, account, e)
	}
	return false, err
}

// groupMessage is how a room's message is stored: peer is the room, the
// sender room/nick; its id dedupes the room's replays and our own copy.
func groupMessage(account string, g xmppclient.GroupMessage) *store.Message {
	from := g.Room.String()
	if occ, err := g.Room.WithResource(g.Nick); err == nil && g.Nick != "" {
		from = occ.String()
	}
	state := store.Received
	if g.Self {
		state = store.Sent
	}
	id := g.ID
	if id == "" {
		id = g.ArchiveID // the room's own id: the same in its replays
	}
	return &store.Message{
		Account:  account,
		Peer:     g.Room.String(),
		Outgoing: g.Self,
		From:     from,
		To:       account,
		Body:     g.Body,
		OriginID: id,
		StanzaID: g.ArchiveID,
		Time:     g.Time,
		State:    state,
	}
}

func persistRoster(ctx context.Context, st *store.Store, account string, e xmppclient.RosterChanged) error {
	if e.Full {
		old, err := st.Contacts(ctx, account)
		if err != nil {
			return err
		}
		keep := map[string]bool{}
		for _, it := range e.Items {
			keep[it.JID.Bare().String()] = true
		}
		for _, c := range old {
			if !keep[c.JID] {
				if err := st.RemoveContact(ctx, account, c.JID); err != nil {
					return err
				}
			}
		}
	}
	for _, it := range e.Items {
		var err error
		if it.Subscription == "remove" {
			err = st.RemoveContact(ctx, account, it.JID.Bare().String())
		} else {
			err = st.PutContact(ctx, store.Contact{Account: account, JID: it.JID.Bare().String(), Name: it.Name, Subscription: it.Subscription, Groups: it.Groups})
		}
		if err != nil {
			return err
		}
	}
	if e.Ver != "" {
		return st.SetRosterVersion(ctx, account, e.Ver)
	}
	return nil
}

// session is a running client for one account of the profile.
type session struct {
	st      *store.Store
	account store.Account
	client  *xmppclient.Client
	cleanup func()
	runErr  chan error
}

// startSession loads the account, asks for its password, starts the
// client. The caller reads s.client.Events() through s.next.
func (e *env) startSession(ctx context.Context, accountJID string, tweak func(*xmppclient.Config)) (*session, error) {
	aj, err := parseAccountJID(accountJID)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return nil, err
	}
	a, err := st.Account(ctx, aj.String())
	if errors.Is(err, store.ErrNotFound) {
		st.Close()
		return nil, fmt.Errorf("no account %s in this profile: add it with 'clove account add %s'", aj, aj)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	pw, err := e.password(a.JID)
	if err != nil {
		st.Close()
		return nil, err
	}
	cfg, cleanup, err := e.clientConfig(ctx, st, a, pw)
	if err != nil {
		st.Close()
		return nil, err
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := xmppclient.New(cfg)
	if err != nil {
		cleanup()
		st.Close()
		return nil, err
	}
	return &session{st: st, account: a, client: c, cleanup: cleanup, runErr: make(chan error, 1)}, nil
}

func (s *session) start(ctx context.Context) {
	go func() { s.runErr <- s.client.Run(ctx) }()
}

// progress tells the user, on stderr, that connecting takes a while (I2P
// routers can take minutes), so a wait is never silent.
func (s *session) progress(ctx context.Context, e *env) {
	go func() {
		for wait := 3 * time.Second; ; wait = 30 * time.Second {
			wctx, cancel := context.WithTimeout(ctx, wait)
			err := s.client.WaitOnline(wctx)
			cancel()
			if err == nil || ctx.Err() != nil {
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
			fmt.Fprintf(e.stderr, "clove: still connecting %s (%s)%s…\n", s.account.JID, describeConn(s.account), why)
		}
	}()
}

// close waits for Run to end (its context must be cancelled first), drains
// and persists remaining events, then closes the store.
func (s *session) close(e *env) error {
	var err error
	for ev := range s.client.Events() {
		s.handle(context.Background(), e, ev)
	}
	select {
	case err = <-s.runErr:
	default:
	}
	s.cleanup()
	if cerr := s.st.Close(); err == nil {
		err = cerr
	}
	return err
}

// handle persists an event and reports what a user should see on stderr.
// It returns false for a message the profile already had.
func (s *session) handle(ctx context.Context, e *env, ev xmppclient.Event) (fresh bool) {
	fresh, err := persist(ctx, s.st, s.account.JID, ev)
	if err != nil {
		fmt.Fprintf(e.stderr, "clove: could not save to the profile: %v\n", err)
		fresh = true // shown rather than lost
	}
	switch ev := ev.(type) {
	case xmppclient.CertPinned:
		if !ev.Known {
			fmt.Fprintf(e.stderr, "clove: trusting %s's certificate on first use; SHA-256 %s (pinned)\n", ev.Host, xmppclient.FormatFingerprint(ev.Fingerprint))
		}
	case xmppclient.StateChanged:
		if ev.State == xmppclient.Offline && ev.Err != nil {
			fmt.Fprintf(e.stderr, "clove: %s; retrying in %s\n", oneLine(ev.Err.Error()), ev.Retry.Round(100*time.Millisecond))
		}
	case xmppclient.MessageFailed:
		fmt.Fprintf(e.stderr, "clove: message %s was not delivered: %s\n", ev.ID, ev.Error())
	case xmppclient.ErrorEvent:
		e.log.Warn("client", "err", ev.Err)
	}
	return fresh
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

// outcome follows a session's connection state for the exit of a command
// that runs until a timeout or an interrupt (listen, bot).
type outcome struct {
	failed, lastErr error
	connected       bool
}

// note records a state change; it reports whether this is the first time
// the session is online.
func (o *outcome) note(ev xmppclient.StateChanged) (first bool) {
	switch ev.State {
	case xmppclient.Failed:
		o.failed = ev.Err
	case xmppclient.Online:
		first = !o.connected
		o.connected = true
	case xmppclient.Offline:
		if ev.Err != nil {
			o.lastErr = ev.Err
		}
	}
	return first
}

// finish closes the session and words the command's result: the failure
// that ended it, or never having connected (unless ctx was interrupted).
func (o *outcome) finish(ctx context.Context, e *env, s *session) error {
	if err := s.close(e); err != nil && o.failed == nil {
		o.failed = err
	}
	switch {
	case o.failed != nil:
		return o.failed
	case !o.connected && ctx.Err() == nil && o.lastErr != nil:
		return fmt.Errorf("never connected before the timeout: %w", o.lastErr)
	case !o.connected && ctx.Err() == nil:
		return errors.New("never connected before the timeout")
	}
	return nil
}
