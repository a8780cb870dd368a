package xmppclient

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// Stream management (XEP-0198), which mellium does not implement: the
// client counts stanzas on the wire (see streamScanner), answers <r/> with
// <a h/>, requests acks for messages it sends, maps the server's <a h/> back
// to message ids (which is how the outbox learns a message was accepted), and
// resumes a dropped session when the server allows it.

const nsSM = "urn:xmpp:sm:3"

type smAck struct {
	seq uint32
	id  string
}

// smState lives as long as the Client: it carries what resumption needs
// from one connection to the next.
type smState struct {
	mu sync.Mutex

	// Outbound: stanzas we sent since <enable/> (or the server's h on resume).
	outCounting bool
	outSeq      uint32
	unacked     []smAck
	rPending    bool // an <r/> is outstanding
	sinceR      int  // messages sent since the last <r/>
	// presenceSeq is the count at our last broadcast presence; a resumed
	// session whose h is below it never saw it (presenceLost).
	presenceSeq  uint32
	presenceLost bool

	// Inbound: stanzas received since <enabled/>; kept across resumption.
	inCounting bool
	inSeq      uint32
	rMarks     []uint32 // inSeq at each <r/> the server sent, in order

	// ackedC is closed (and cleared) at the next <a/> that acknowledges
	// something, and when the connection changes: a sender waiting for
	// room in the window (see window) wakes on it.
	ackedC chan struct{}

	// Session from <enabled/>.
	enabled   bool
	resumeID  string
	location  string
	boundJID  jid.JID
	resumable bool
}

// newConnection resets the per-connection counting state.
func (sm *smState) newConnection() {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.outCounting, sm.inCounting = false, false
	sm.rMarks = nil
	sm.rPending = false
	sm.enabled = false
	sm.wakeLocked()
}

func (sm *smState) wakeLocked() {
	if sm.ackedC != nil {
		close(sm.ackedC)
		sm.ackedC = nil
	}
}

// sendWindow bounds the messages sent and not yet acknowledged: a burst
// goes out as fast as the server takes it and no faster. Racing ahead
// gained nothing — the server works through its backlog at its own pace —
// but it spent the client's CPU (SQLite writes, encoding) all at once,
// which on a small machine is taken from the server doing the work (on 2
// cores the server's share of a 5,000-message burst fell by a tenth). It
// also bounds what must be sent again after a lost connection.
const sendWindow = 1024

// window reports whether the window is full and, if so, a channel closed
// at the next ack (or when the connection changes).
func (sm *smState) window() (full bool, acked <-chan struct{}) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if !sm.enabled || len(sm.unacked) < sendWindow {
		return false, nil
	}
	if sm.ackedC == nil {
		sm.ackedC = make(chan struct{})
	}
	return true, sm.ackedC
}

func (sm *smState) onOut(local string, tag []byte) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	switch {
	case local == "enable":
		sm.outCounting, sm.outSeq, sm.unacked = true, 0, nil
	case local == "resume":
		sm.outCounting = true // outSeq is set from <resumed h/>
	case local == "r":
		sm.rPending = true
		sm.sinceR = 0
	case sm.outCounting && isStanza(local):
		sm.outSeq++
		if local == "presence" && tagAttr(tag, "to") == "" {
			sm.presenceSeq = sm.outSeq
		}
		if local == "message" {
			if id := tagAttr(tag, "id"); id != "" {
				sm.unacked = append(sm.unacked, smAck{seq: sm.outSeq, id: id})
				sm.sinceR++
			}
		}
	}
}

func (sm *smState) onIn(local string, _ []byte) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	switch {
	case local == "enabled":
		sm.inCounting, sm.inSeq = true, 0
	case local == "resumed":
		sm.inCounting = true // inSeq continues from the old session
	case local == "r":
		sm.rMarks = append(sm.rMarks, sm.inSeq)
	case sm.inCounting && isStanza(local):
		sm.inSeq++
	}
}

// answer returns the h to send for the oldest unanswered <r/>.
func (sm *smState) answer() uint32 {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if len(sm.rMarks) == 0 {
		return sm.inSeq
	}
	h := sm.rMarks[0]
	sm.rMarks = sm.rMarks[1:]
	return h
}

// ack handles <a h/>: it returns the ids of messages the server now holds,
// and whether more remain unacknowledged.
func (sm *smState) ack(h uint32) (ids []string, more bool) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.rPending = false
	i := 0
	for ; i < len(sm.unacked); i++ {
		if int32(sm.unacked[i].seq-h) > 0 {
			break
		}
		ids = append(ids, sm.unacked[i].id)
	}
	sm.unacked = sm.unacked[i:]
	if i > 0 {
		sm.wakeLocked()
	}
	return ids, len(sm.unacked) > 0
}

// needR reports whether an <r/> is due (messages unacked and none
// outstanding); urgent when a long burst has gone unrequested.
func (sm *smState) needR() (due, urgent bool) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	due = sm.enabled && len(sm.unacked) > 0 && !sm.rPending
	return due, due && sm.sinceR >= ackBurst
}

// Ack requests are coalesced: one <r/> a short moment after a burst of
// messages, or at once after ackBurst of them. Asking after every message
// (or again on every <a/>) keeps the server busy answering.
const (
	ackDelay = 5 * time.Millisecond
	ackBurst = 256
)

func (sm *smState) isEnabled() bool {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.enabled
}

// smConn counts stanzas as they cross the (TLS) connection, and refuses
// an incoming stanza larger than the limit before the decoder holds it.
type smConn struct {
	net.Conn
	tls   *tls.Conn
	in    streamScanner
	out   streamScanner
	guard *readGuard
	wmu   sync.Mutex
}

func newSMConn(c *tls.Conn, sm *smState, guard *readGuard, limit int64) *smConn {
	sc := &smConn{Conn: c, tls: c, guard: guard}
	sc.in.onTop = sm.onIn
	sc.in.limit = limit
	sc.out.onTop = sm.onOut
	return sc
}

func (c *smConn) Read(p []byte) (int, error) {
	if err := c.in.over; err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		if ferr := c.in.feed(p[:n]); ferr != nil {
			// None of p goes up: the decoder already holds at most the
			// limit, and the connection is given up.
			c.guard.set(ferr)
			return 0, ferr
		}
	}
	return n, err
}

func (c *smConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	_ = c.out.feed(p) // no limit on what Clove writes
	c.wmu.Unlock()
	return c.Conn.Write(p)
}

// ConnectionState lets mellium (and Clove's pinning) see the TLS state.
func (c *smConn) ConnectionState() tls.ConnectionState { return c.tls.ConnectionState() }

// startTLS wraps mellium's STARTTLS feature so that the secured connection
// is an smConn.
// The encrypted stream's stanzas are bounded by limit (refusals recorded in
// guard); plain, if not nil, is the connection under TLS, whose own
// scanner stops there.
func startTLS(cfg *tls.Config, sm *smState, failed *error, plain *sessionConn, guard *readGuard, limit int64) xmpp.StreamFeature {
	f := xmpp.StartTLS(cfg)
	parse := f.Parse
	f.Parse = func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
		_, data, err := parse(ctx, d, start)
		return true, data, err // TLS is never optional for Clove
	}
	inner := f.Negotiate
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		mask, rw, err := inner(ctx, s, data)
		if err != nil {
			*failed = err
			return mask, rw, err
		}
		if plain != nil {
			plain.encrypted() // from here its bytes are TLS records: the smConn counts
		}
		tc, ok := rw.(*tls.Conn)
		if !ok {
			return mask, rw, fmt.Errorf("xmpp: unexpected TLS connection type %T", rw)
		}
		// Handshake now, under ctx, so certificate problems surface here.
		if err := tc.HandshakeContext(ctx); err != nil {
			*failed = err
			return mask, nil, err
		}
		return mask, newSMConn(tc, sm, guard, limit), nil
	}
	return f
}

// smFeature is an informational feature: it records that the server offers
// stream management.
func smFeature() xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:      xml.Name{Space: nsSM, Local: "sm"},
		Necessary: xmpp.Authn,
		Parse: func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			return false, true, d.Skip()
		},
	}
}

var errResumeFailed = errors.New("stream resumption failed")

// bindOrResume replaces resource binding: with a resumable previous session
// it sends <resume/> first and binds only if that fails. Binding is Clove's
// own: mellium v0.22.0's bind request sends an empty <resource/> (it writes
// the JID field where the resource belongs), so the server picks a random
// resource on every connection.
func bindOrResume(sm *smState, want jid.JID) xmpp.StreamFeature {
	f := xmpp.BindResource()
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		_, offered := s.Feature(nsSM)
		sm.mu.Lock()
		id, resumable, prevIn, bound := sm.resumeID, sm.resumable, sm.inSeq, sm.boundJID
		sm.mu.Unlock()
		if offered && resumable && id != "" {
			h, err := resume(ctx, s, id, prevIn)
			if err == nil {
				s.UpdateAddr(bound)
				sm.mu.Lock()
				sm.presenceLost = sm.presenceSeq != 0 && int32(sm.presenceSeq-h) > 0
				sm.outSeq = h
				sm.enabled = true
				sm.mu.Unlock()
				return xmpp.Ready, nil, nil
			}
			if !errors.Is(err, errResumeFailed) {
				return 0, nil, err
			}
			sm.mu.Lock()
			sm.resumable, sm.resumeID = false, ""
			sm.mu.Unlock()
		}
		j, err := bindResource(s, want.Resourcepart())
		if err != nil {
			return 0, nil, err
		}
		s.UpdateAddr(j)
		return xmpp.Ready, nil, nil
	}
	return f
}

func bindResource(s *xmpp.Session, resource string) (jid.JID, error) {
	var inner xml.TokenReader
	if resource != "" {
		inner = textElement("resource", resource)
	}
	type bound struct {
		JID string `xml:"jid"`
	}
	reply, err := negotiationIQ[bound](s, xmlstream.Wrap(inner, xml.StartElement{Name: xml.Name{Space: nsBind, Local: "bind"}}))
	if err != nil {
		return jid.JID{}, err
	}
	if reply.Type != "result" {
		if reply.Error != nil {
			return jid.JID{}, fmt.Errorf("the server refused to bind a resource: %s", reply.Error.Condition)
		}
		return jid.JID{}, errors.New("the server refused to bind a resource")
	}
	j, err := jid.Parse(reply.Payload.JID)
	if err != nil {
		return jid.JID{}, fmt.Errorf("the server bound an invalid address %q: %w", reply.Payload.JID, err)
	}
	return j, nil
}

const nsBind = "urn:ietf:params:xml:ns:xmpp-bind"

func resume(ctx context.Context, s *xmpp.Session, id string, h uint32) (uint32, error) {
	w := s.TokenWriter()
	defer w.Close()
	start := xml.StartElement{Name: xml.Name{Space: nsSM, Local: "resume"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "previd"}, Value: id},
		{Name: xml.Name{Local: "h"}, Value: strconv.FormatUint(uint64(h), 10)},
	}}
	if _, err := xmlstream.Copy(w, xmlstream.Wrap(nil, start)); err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	r := s.TokenReader()
	defer r.Close()
	d := xml.NewTokenDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			return 0, err
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var v struct {
			H string `xml:"h,attr"`
		}
		if err := d.DecodeElement(&v, &el); err != nil {
			return 0, err
		}
		switch el.Name.Local {
		case "resumed":
			n, err := strconv.ParseUint(v.H, 10, 32)
			if err != nil {
				return 0, fmt.Errorf("xmpp: bad h in <resumed/>: %w", err)
			}
			return uint32(n), nil
		case "failed":
			return 0, errResumeFailed
		default:
			return 0, fmt.Errorf("xmpp: unexpected <%s/> while resuming", el.Name.Local)
		}
	}
}

func smElement(local string, attrs ...xml.Attr) xml.TokenReader {
	return xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsSM, Local: local}, Attr: attrs})
}

func hAttr(h uint32) xml.Attr {
	return xml.Attr{Name: xml.Name{Local: "h"}, Value: strconv.FormatUint(uint64(h), 10)}
}
