package owner

import (
	"context"
	"sync"
	"time"
)

// Watcher tells the running sessions of a profile when others end. One
// serves a whole process (an inotify instance each would spend a scarce
// per-user resource: 128 by default); each session subscribes.
type Watcher struct {
	mu      sync.Mutex
	ended   map[string]time.Time // session id → when it was seen ending
	subs    map[*Sub]bool
	stopped bool
}

// Watch watches the lock files in dir until ctx ends.
//
// On Linux the kernel tells when a session ended (inotify: its lock file
// is closed, whatever way its process ended); elsewhere subscribers are
// signalled every pollEvery and nothing is settling.
func Watch(ctx context.Context, dir string) (*Watcher, error) {
	w := &Watcher{ended: map[string]time.Time{}, subs: map[*Sub]bool{}}
	if err := w.start(ctx, dir); err != nil {
		return nil, err
	}
	return w, nil
}

// Sub is one session's subscription to a Watcher.
type Sub struct {
	w     *Watcher
	grace time.Duration
	c     chan struct{}
}

// Subscribe returns a subscription whose C receives a signal (coalesced)
// grace after a session was seen ending, and that says the session is
// settling until then. The grace is for what the dead session wrote to
// its connection just before to reach the server: a message taken over
// and looked up in the archive before the server has it is sent twice.
func (w *Watcher) Subscribe(grace time.Duration) *Sub {
	s := &Sub{w: w, grace: grace, c: make(chan struct{}, 1)}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		close(s.c)
	} else {
		w.subs[s] = true
	}
	return s
}

// C receives a signal when a session that ended may have left messages to
// take over; it is closed by Close or when the watcher stops.
func (s *Sub) C() <-chan struct{} { return s.c }

// Close ends the subscription.
func (s *Sub) Close() {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if s.w.subs[s] {
		delete(s.w.subs, s)
		close(s.c)
	}
}

// Settling reports whether the session with token id was seen ending
// less than the subscription's grace time ago. A nil Sub knows of none.
func (s *Sub) Settling(id string) bool {
	if s == nil {
		return false
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	t, ok := s.w.ended[id]
	return ok && time.Since(t) < s.grace
}

// forgetAfter bounds how long an ended session is remembered: longer than
// any grace time.
const forgetAfter = 10 * time.Minute

// saw notes that the session id ended (id "": some session, unknown) and
// signals each subscriber its grace later.
func (w *Watcher) saw(id string) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, t := range w.ended { // as small as the sessions ended lately
		if now.Sub(t) >= forgetAfter {
			delete(w.ended, k)
		}
	}
	if id != "" {
		w.ended[id] = now
	}
	for s := range w.subs {
		time.AfterFunc(s.grace, s.signal)
	}
}

// signalAll signals every subscriber now.
func (w *Watcher) signalAll() {
	w.mu.Lock()
	subs := make([]*Sub, 0, len(w.subs))
	for s := range w.subs {
		subs = append(subs, s)
	}
	w.mu.Unlock()
	for _, s := range subs {
		s.signal()
	}
}

func (s *Sub) signal() {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if !s.w.subs[s] {
		return // closed
	}
	select {
	case s.c <- struct{}{}:
	default: // one pending signal covers them all
	}
}

func (w *Watcher) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	for s := range w.subs {
		close(s.c)
	}
	clear(w.subs)
}
