package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/clove-xmpp/clove/internal/owner"
)

// Sessions of one account can run on one profile at once: the window,
// `clove listen`, a bot, and a `clove send` beside them. Each sends only
// the messages it queued itself, and those of sessions that ended, which
// it takes over (issue 17): before, each sent every queued message of the
// account at every (re)connect, so the server acknowledged one process's
// message to another — `clove send` waited 30 s for an ack it never saw
// and said "not acknowledged" of a delivered message — and two sessions
// could send the same message (a second copy at a receiver that does not
// deduplicate by origin-id). Who is alive is told by a file lock per
// session in the profile's locks/ directory (package internal/owner),
// which the kernel drops whatever way a process ends.

// ownership is a session's share of the account's outbox: its token (the
// lock it holds while it runs) and, once it runs, its subscription to the
// profile's watcher, which says which sessions just ended.
type ownership struct {
	dir   string // the profile's lock directory
	token *owner.Token
	sub   atomic.Pointer[owner.Sub]
	log   *slog.Logger
}

// locksDir is where the profile's sessions hold their locks.
func (p *Profile) locksDir() string { return filepath.Join(p.dir, "locks") }

// takeOwnership gives a new session its token.
func (p *Profile) takeOwnership() (*ownership, error) {
	dir := p.locksDir()
	t, err := owner.Take(dir)
	if err != nil {
		err = fmt.Errorf("could not lock the session's outbox share in %s: %w", dir, err)
		if errors.Is(err, syscall.ENOSPC) {
			return nil, fullDisk{err}
		}
		return nil, err
	}
	return &ownership{dir: dir, token: t, log: p.log}, nil
}

// alive reports whether the session with token id runs: it holds its
// lock, or it ended less than the grace time ago (see takeOver).
func (o *ownership) alive(id string) bool {
	return o.sub.Load().Settling(id) || owner.Alive(o.dir, id)
}

// profileWatch is the profile's one watcher of its sessions' locks,
// started by the first session that runs and stopped by Close: one
// inotify instance for all of the process's sessions (a user has 128).
type profileWatch struct {
	once sync.Once
	w    *owner.Watcher
	err  error
	stop context.CancelFunc
}

func (p *Profile) watcher() (*owner.Watcher, error) {
	p.watch.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		p.watch.stop = cancel
		p.watch.w, p.watch.err = owner.Watch(ctx, p.locksDir())
	})
	return p.watch.w, p.watch.err
}

// stopWatch stops the watcher, if one started, for good.
func (p *Profile) stopWatch() {
	p.watch.once.Do(func() {}) // none starts after this
	if p.watch.stop != nil {
		p.watch.stop()
	}
}

// release ends the session's share: what it left queued is anyone's.
func (o *ownership) release() {
	if err := o.token.Release(); err != nil {
		o.log.Warn("could not remove the session's lock file", "err", err)
	}
}

// Taking over waits a grace time after a session ended: what it wrote to
// its connection just before may not be read by the server yet (a burst
// has up to 1,024 messages unacknowledged; prosody with an archive takes
// ~3,500 a second), and a message looked up in the archive before the
// server has it is sent a second time. Measured with a 1 ms grace
// (TestKilledSendTakenOverByRunningSession, loopback): 40 extra copies of
// 600 in one run of three; with 2 s none. Over I2P a stream delivers what
// it holds for many seconds after its local end closed.
const (
	takeOverGrace    = 2 * time.Second
	takeOverGraceI2P = 30 * time.Second
)

// takeOver has the client take over, while the session runs, what other
// sessions of the account leave queued when they end: a grace time after
// the end, not at the next login. It costs nothing while no session ends
// (the kernel tells), and a read of the outbox when one did.
func (s *Session) takeOver(ctx context.Context) {
	grace := s.opts.TakeOverGrace
	if grace == 0 {
		grace = takeOverGrace
		if OverI2P(s.account) {
			grace = takeOverGraceI2P
		}
	}
	w, err := s.p.watcher()
	if err != nil {
		s.p.log.Warn("cannot watch for other sessions' end; what they leave queued is sent at the next login", "err", err)
		return
	}
	sub := w.Subscribe(grace)
	defer sub.Close()
	s.own.sub.Store(sub)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.quit:
			return
		case _, ok := <-sub.C():
			if !ok {
				return
			}
		}
		ok, err := s.p.st.Claimable(ctx, s.account.JID, s.own.token.ID(), s.own.alive)
		switch {
		case err != nil && ctx.Err() == nil:
			s.p.log.Warn("could not look for messages other sessions left queued", "err", err)
		case ok:
			s.client.CheckOutbox()
		}
	}
}
