package chat

import (
	"context"
	"errors"
	"fmt"
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
		DirectTLS:  a.DirectTLS,
	}
}

// dialer dials the account's server: a transport.Connector, which checks
// the settings once and owns the SAM session (one for every connect, made
// anew when the router ends it — with the saved identity if the account
// keeps its address); Close ends it.
type dialer struct{ c *transport.Connector }

func (d dialer) Close() {
	if d.c != nil {
		_ = d.c.Close()
	}
}

// newDialer checks the account's settings and returns its dialer.
func (p *Profile) newDialer(a store.Account, domain string) (dialer, error) {
	c, err := transport.NewConnector(transportSettings(a), domain, transport.WithLogger(p.log),
		transport.WithSAMOptions(transport.SAMOptions{Keys: a.SAMKeys, InboundLength: a.I2PHops, OutboundLength: a.I2PHops, Logger: p.log}))
	if err != nil {
		return dialer{}, err
	}
	return dialer{c}, nil
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
		Dial:     d.c.Dial,
		Pins:     pinStore{st: p.st, account: a.JID},
		Pin:      a.Pin,
		// XEP-0368: TLS from the first byte on the account's server port.
		DirectTLS: a.DirectTLS,
		Archive:   cursor{st: p.st, account: a.JID},
		Logger:    p.log,
	}
	if OverI2P(a) {
		// I2P: building a SAM session or reaching a fresh destination takes
		// minutes on a just-started router, not seconds.
		cfg.ConnectTimeout = 4 * time.Minute
	}
	return cfg, d, nil
}

// trustPinned is trust (the question about an unknown certificate) that
// first accepts, without asking, a certificate another account of the
// profile pinned for the same host: the user already said yes to it (the
// second account on a server asked again). A different certificate is
// still a question. nil stays nil: trust on first use.
func (p *Profile) trustPinned(account string, trust func(host, fp string) bool) func(host, fp string) bool {
	if trust == nil {
		return nil
	}
	return func(host, fp string) bool {
		// Asked inside the TLS handshake, which gives no context; a read
		// of a small table.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ok, err := p.st.Pinned(ctx, account, host, fp)
		if err != nil {
			p.log.Warn("could not read the profile's certificate pins", "err", err)
		}
		if ok {
			p.log.Info("certificate already trusted for another account", "host", host)
			return true
		}
		return trust(host, fp)
	}
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

// outbox is the account's outbox in the profile, as one session's client
// takes it: with own, the session writes its messages as its own and is
// given only those and the ones it takes over from sessions that ended
// (see ownership); without, every queued message is its to send (a bare
// client: the benchmarks).
type outbox struct {
	st      *store.Store
	account string
	own     *ownership
}

var _ xmppclient.BatchOutbox = outbox{}

func (o outbox) Enqueue(ctx context.Context, e xmppclient.OutboxEntry) error {
	return o.add(ctx, []*store.Message{o.message(e)})
}

func (o outbox) EnqueueBatch(ctx context.Context, es []xmppclient.OutboxEntry) error {
	ms := make([]*store.Message, len(es))
	for i, e := range es {
		ms[i] = o.message(e)
	}
	return o.add(ctx, ms)
}

func (o outbox) add(ctx context.Context, ms []*store.Message) error {
	if o.own == nil {
		return diskFull(o.st.AddOutgoingBatch(ctx, ms))
	}
	return diskFull(o.st.AddOutgoingFor(ctx, o.own.token.ID(), ms))
}

func (o outbox) AckedBatch(ctx context.Context, ids []string) error {
	return diskFull(o.st.MarkSentBatch(ctx, o.account, ids))
}

func (o outbox) message(e xmppclient.OutboxEntry) *store.Message {
	peer := e.To
	if j, err := jid.Parse(e.To); err == nil && j.Resourcepart() == "" {
		peer = j.Bare().String()
	} else if err == nil {
		peer = j.String() // a room's private message: the chat is room/nick
	}
	return &store.Message{
		Account:  o.account,
		Peer:     peer,
		Outgoing: true,
		From:     o.account,
		To:       e.To,
		Body:     e.Body,
		File:     storeFile(e.File),
		Reply:    storeReply(e.Reply),
		OriginID: e.ID,
		StanzaID: e.ID,
		Time:     e.Created,
		Replaces: e.Replace,
		Retract:  e.Retract,
	}
}

func (o outbox) Pending(ctx context.Context) ([]xmppclient.OutboxEntry, error) {
	if o.own == nil {
		ms, err := o.st.Pending(ctx, o.account)
		if err != nil {
			return nil, err
		}
		out := make([]xmppclient.OutboxEntry, 0, len(ms))
		for _, m := range ms {
			out = append(out, xmppclient.OutboxEntry{ID: m.OriginID, To: m.To, Body: m.Body, Created: m.Time, File: clientFile(m.File), Replace: m.Replaces, Retract: m.Retract, Reply: clientReply(m.Reply)})
		}
		return out, nil
	}
	cs, err := o.st.Claim(ctx, o.account, o.own.token.ID(), o.own.alive)
	if err != nil {
		return nil, diskFull(err)
	}
	out := make([]xmppclient.OutboxEntry, 0, len(cs))
	for _, m := range cs {
		out = append(out, xmppclient.OutboxEntry{ID: m.OriginID, To: m.To, Body: m.Body, Created: m.Time, Adopted: m.Adopted, File: clientFile(m.File), Replace: m.Replaces, Retract: m.Retract, Reply: clientReply(m.Reply)})
	}
	if n := adoptedCount(cs); n > 0 {
		o.own.log.Info("taking over messages another session of the account left queued when it ended", "account", o.account, "messages", n)
	}
	return out, nil
}

func adoptedCount(cs []store.Claimed) int {
	n := 0
	for _, c := range cs {
		if c.Adopted {
			n++
		}
	}
	return n
}

func (o outbox) Acked(ctx context.Context, id string) error {
	err := diskFull(o.st.MarkSent(ctx, o.account, id))
	if errors.Is(err, store.ErrNotFound) {
		// The server acknowledges every stanza with an id: a receipt or a
		// room message is not in the outbox, and nothing is wrong. The
		// client tells these from its own messages (a message it sent and
		// the profile no longer holds is wrong).
		return fmt.Errorf("%w: %w", xmppclient.ErrNoSuchMessage, err)
	}
	return err
}

// fullDisk is the store's full disk as the client knows it: one short
// sentence for the user, both errors.Is-able.
type fullDisk struct{ err error }

func (e fullDisk) Error() string   { return xmppclient.ErrStorageFull.Error() + "; nothing was written" }
func (e fullDisk) Unwrap() []error { return []error{xmppclient.ErrStorageFull, e.err} }

// diskFull gives the client its ErrStorageFull for the store's full disk.
func diskFull(err error) error {
	if errors.Is(err, store.ErrDiskFull) {
		return fullDisk{err}
	}
	return err
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
