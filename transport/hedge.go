package transport

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"time"
)

// Hedged connects over I2P.
//
// i2pd 2.45.1 (Debian 12's) can keep a first stream to a destination dead
// for minutes: the router answers the SOCKS or SAM connect with success, but
// the stream carries nothing until a 3-minute timer drops a broken session
// (docs/i2pd.md, i2pd 2.45.1 traps: "A first stream stays silent for
// minutes"; seen by Clove's own router-restart test: login stalled 70 s,
// twice). A second stream opened beside the first gets through. So,
// happy-eyeballs style: when nothing has come back a while after the
// client's first write, open another stream, replay what the client wrote
// so far, and keep whichever answers first; the others are closed. The
// client speaks first in XMPP and the server answers only its stream
// header, so replaying the writes made before any answer is safe.
//
// No library does this for an arbitrary net.Conn (x/net/proxy and SAM
// clients dial once); it is small and tested on its own.

// hedgeMax bounds the streams open at once for one connection.
const hedgeMax = 3

// DefaultHedgeAfter is how long an I2P connection waits for a first byte
// before opening another stream beside the first (see WithHedge). A
// legitimate first answer over I2P can take 10 s on the real network; the
// first stream is kept, so hedging early costs one more stream, not the
// answer.
const DefaultHedgeAfter = 5 * time.Second

type attemptResult struct {
	a   *attempt
	err error
}

type attempt struct {
	c   net.Conn
	buf []byte
}

// hedgedConn is a connection that races further attempts until one of them
// yields a first byte; from then on it is that connection.
type hedgedConn struct {
	ctx    context.Context
	cancel context.CancelFunc
	dial   func(context.Context) (net.Conn, error)
	after  time.Duration
	first  net.Conn // for the addresses

	results chan attemptResult

	mu         sync.Mutex
	winner     net.Conn
	leftover   []byte
	attempts   []*attempt // live, before a winner
	started    int        // attempts made (live or not)
	dialing    int        // attempts being dialed
	pending    []byte     // written before a winner, replayed on new attempts
	wrote      bool
	lastErr    error
	closed     bool
	readDL     time.Time
	writeDL    time.Time
	timer      *time.Timer
	timerC     chan struct{} // signalled when the hedge timer fires
	readerWait chan struct{} // closed when a dial finishes or Close runs, to wake Read
}

// hedge wraps c, the first attempt, so that after `after` without an answer
// to the first write, dial is called again (at most hedgeMax streams in
// all), each new stream gets the writes made so far, and the first stream to
// answer wins. ctx bounds the extra dials.
func hedge(ctx context.Context, c net.Conn, after time.Duration, dial func(context.Context) (net.Conn, error)) net.Conn {
	ctx, cancel := context.WithCancel(ctx)
	h := &hedgedConn{
		ctx: ctx, cancel: cancel, dial: dial, after: after, first: c,
		results:    make(chan attemptResult, hedgeMax),
		started:    1,
		timerC:     make(chan struct{}, 1),
		readerWait: make(chan struct{}),
	}
	h.attempts = []*attempt{{c: c}}
	return h
}

// firstRead waits for a's first bytes and reports them.
func (h *hedgedConn) firstRead(a *attempt) {
	buf := make([]byte, 4096)
	n, err := a.c.Read(buf)
	a.buf = buf[:n]
	h.results <- attemptResult{a: a, err: err}
}

func (h *hedgedConn) Write(p []byte) (int, error) {
	h.mu.Lock()
	if w := h.winner; w != nil {
		h.mu.Unlock()
		return w.Write(p)
	}
	if h.closed {
		h.mu.Unlock()
		return 0, net.ErrClosed
	}
	h.pending = append(h.pending, p...)
	var err error
	for _, a := range slices.Clone(h.attempts) {
		if _, e := a.c.Write(p); e != nil {
			err = e
			h.drop(a, e) // its reader reports too; dropping twice is harmless
		}
	}
	if !h.wrote {
		h.wrote = true
		for _, a := range h.attempts {
			go h.firstRead(a)
		}
		h.armTimer()
	}
	if len(h.attempts) == 0 && h.dialing == 0 {
		if h.started >= hedgeMax {
			h.mu.Unlock()
			return 0, err
		}
		h.spawn() // it gets p with the rest of the pending writes
	}
	h.mu.Unlock()
	return len(p), nil
}

// armTimer schedules the next hedge; h.mu is held.
func (h *hedgedConn) armTimer() {
	if h.started >= hedgeMax || h.after <= 0 {
		return
	}
	if h.timer != nil {
		h.timer.Stop() // one hedge timer at a time
	}
	h.timer = time.AfterFunc(h.after, func() {
		select {
		case h.timerC <- struct{}{}:
		default:
		}
	})
}

// spawn dials another attempt in the background; h.mu is held.
func (h *hedgedConn) spawn() {
	h.started++
	h.dialing++
	go func() {
		c, err := h.dial(h.ctx)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.dialing--
		defer h.wake()
		if err != nil {
			h.lastErr = err
			return
		}
		if h.closed || h.winner != nil {
			_ = c.Close()
			return
		}
		if !h.readDL.IsZero() {
			_ = c.SetReadDeadline(h.readDL)
		}
		if !h.writeDL.IsZero() {
			_ = c.SetWriteDeadline(h.writeDL)
		}
		if _, err := c.Write(h.pending); err != nil {
			h.lastErr = err
			_ = c.Close()
			return
		}
		a := &attempt{c: c}
		h.attempts = append(h.attempts, a)
		go h.firstRead(a)
	}()
	h.armTimer()
}

// wake tells a waiting Read that something changed; h.mu is held.
func (h *hedgedConn) wake() {
	close(h.readerWait)
	h.readerWait = make(chan struct{})
}

func (h *hedgedConn) Read(p []byte) (int, error) {
	for {
		h.mu.Lock()
		if w := h.winner; w != nil {
			if len(h.leftover) > 0 {
				n := copy(p, h.leftover)
				h.leftover = h.leftover[n:]
				h.mu.Unlock()
				return n, nil
			}
			h.mu.Unlock()
			return w.Read(p)
		}
		if h.closed {
			h.mu.Unlock()
			return 0, net.ErrClosed
		}
		if !h.wrote {
			// Nothing asked yet: read the first attempt as it is.
			c := h.attempts[0].c
			h.mu.Unlock()
			return c.Read(p)
		}
		if len(h.attempts) == 0 && h.dialing == 0 {
			// Every stream failed and none is on its way.
			err := h.lastErr
			h.mu.Unlock()
			return 0, err
		}
		wait := h.readerWait
		h.mu.Unlock()

		select {
		case r := <-h.results:
			h.mu.Lock()
			if len(r.a.buf) > 0 {
				h.win(r.a)
				h.mu.Unlock()
				continue
			}
			h.drop(r.a, r.err)
			if len(h.attempts) == 0 && h.dialing == 0 && h.started < hedgeMax && !h.closed && !isTimeout(r.err) {
				h.spawn() // every stream failed at once: try another now
			}
			h.mu.Unlock()
		case <-h.timerC:
			h.mu.Lock()
			if h.winner == nil && !h.closed && h.started < hedgeMax {
				h.spawn()
			}
			h.mu.Unlock()
		case <-wait:
		}
	}
}

// win makes a the connection; h.mu is held.
func (h *hedgedConn) win(a *attempt) {
	h.winner, h.leftover = a.c, a.buf
	for _, o := range h.attempts {
		if o != a {
			_ = o.c.Close()
		}
	}
	h.attempts, h.pending = nil, nil
	if h.timer != nil {
		h.timer.Stop()
	}
	h.cancel()
}

// drop forgets a failed attempt; h.mu is held.
func (h *hedgedConn) drop(a *attempt, err error) {
	_ = a.c.Close()
	for i, o := range h.attempts {
		if o == a {
			h.attempts = append(h.attempts[:i], h.attempts[i+1:]...)
			break
		}
	}
	if err == nil {
		err = errors.New("the connection closed without an answer")
	}
	h.lastErr = err
}

func (h *hedgedConn) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	h.cancel()
	if h.timer != nil {
		h.timer.Stop()
	}
	h.wake()
	if h.winner != nil {
		return h.winner.Close()
	}
	var err error
	for _, a := range h.attempts {
		if e := a.c.Close(); e != nil && err == nil {
			err = e
		}
	}
	return err
}

func (h *hedgedConn) conn() net.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.winner != nil {
		return h.winner
	}
	return h.first
}

func (h *hedgedConn) LocalAddr() net.Addr  { return h.conn().LocalAddr() }
func (h *hedgedConn) RemoteAddr() net.Addr { return h.conn().RemoteAddr() }

func (h *hedgedConn) SetDeadline(t time.Time) error {
	return errors.Join(h.SetReadDeadline(t), h.SetWriteDeadline(t))
}

func (h *hedgedConn) SetReadDeadline(t time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.readDL = t
	if h.winner != nil {
		return h.winner.SetReadDeadline(t)
	}
	for _, a := range h.attempts {
		_ = a.c.SetReadDeadline(t)
	}
	return nil
}

func (h *hedgedConn) SetWriteDeadline(t time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.writeDL = t
	if h.winner != nil {
		return h.winner.SetWriteDeadline(t)
	}
	for _, a := range h.attempts {
		_ = a.c.SetWriteDeadline(t)
	}
	return nil
}
