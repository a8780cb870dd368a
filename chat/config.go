package chat

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// This file wires the client to the account: its transport settings give
// the dialer, the store backs the client's outbox, pins and archive cursor.

func transportSettings(a store.Account) transport.Settings {
	return transport.Settings{
		Server:     a.Server,
		Proxy:      a.Proxy,
		SAM:        a.SAM,
		I2POnly:    a.I2POnly,
		DarknetMap: a.DarknetMap,
	}
}

// dialer dials an account's server; Close ends what it keeps open (the
// SAM session).
type dialer struct {
	dial  func(ctx context.Context) (net.Conn, error)
	close func()
}

func (d dialer) Close() {
	if d.close != nil {
		d.close()
	}
}

// newDialer checks the account's settings and returns its dialer.
func (p *Profile) newDialer(a store.Account, domain string) (dialer, error) {
	s := transportSettings(a)
	if err := s.Validate(); err != nil {
		return dialer{}, err
	}
	if _, err := transport.Plan(s, domain); err != nil {
		return dialer{}, err
	}
	if a.SAM == "" {
		return dialer{dial: func(ctx context.Context) (net.Conn, error) {
			return transport.Connect(ctx, s, domain, transport.WithLogger(p.log))
		}}, nil
	}
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
			d, err := transport.NewSAM(ctx, a.SAM, transport.SAMOptions{Keys: a.SAMKeys, InboundLength: a.I2PHops, OutboundLength: a.I2PHops, Logger: p.log})
			if err != nil {
				return nil, err
			}
			sam = d
		}
		return sam, nil
	}
	return dialer{
		dial: func(ctx context.Context) (net.Conn, error) {
			d, err := session(ctx)
			if err != nil {
				return nil, err
			}
			c, err := transport.Connect(ctx, s, domain, transport.WithDialer(d), transport.WithLogger(p.log))
			var de *transport.DialError
			if errors.As(err, &de) && de.Reason == transport.ReasonSessionEnded {
				d.Close() // the next attempt makes a new session
			}
			return c, err
		},
		close: func() {
			mu.Lock()
			defer mu.Unlock()
			if sam != nil {
				sam.Close()
			}
		},
	}, nil
}

// clientConfig builds the xmppclient configuration for an account; the
// dialer must be closed once the client is done.
func (p *Profile) clientConfig(a store.Account, password string) (xmppclient.Config, dialer, error) {
	j, err := ParseAccountJID(a.JID)
	if err != nil {
		return xmppclient.Config{}, dialer{}, err
	}
	d, err := p.newDialer(a, j.Domainpart())
	if err != nil {
		return xmppclient.Config{}, dialer{}, err
	}
	cfg := xmppclient.Config{
		JID:      j,
		Password: password,
		Dial:     d.dial,
		Pins:     pinStore{st: p.st, account: a.JID},
		Pin:      a.Pin,
		Outbox:   outbox{st: p.st, account: a.JID},
		Archive:  cursor{st: p.st, account: a.JID},
		Logger:   p.log,
	}
	if OverI2P(a) {
		// I2P: building a SAM session or reaching a fresh destination takes
		// minutes on a just-started router, not seconds.
		cfg.ConnectTimeout = 4 * time.Minute
	}
	return cfg, d, nil
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

var _ xmppclient.BatchOutbox = outbox{}

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

type cursor struct {
	st      *store.Store
	account string
}

func (c cursor) LastArchiveID(ctx context.Context) (string, error) {
	return c.st.LastArchiveID(ctx, c.account)
}

// StoreOutbox is account's outbox in st, as the client takes it
// (benchmarks give it to a bare client).
func StoreOutbox(st *store.Store, account string) xmppclient.BatchOutbox {
	return outbox{st: st, account: account}
}
