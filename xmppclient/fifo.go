package xmppclient

import "sync"

// fifo is an unbounded queue: handlers push without ever blocking.
type fifo[T any] struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []T
	closed bool
}

func newFIFO[T any]() *fifo[T] {
	f := &fifo[T]{}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *fifo[T]) push(v T) {
	f.mu.Lock()
	if !f.closed {
		f.items = append(f.items, v)
		f.cond.Signal()
	}
	f.mu.Unlock()
}

// pop blocks for the next item; ok is false once closed and drained.
func (f *fifo[T]) pop() (v T, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.items) == 0 && !f.closed {
		f.cond.Wait()
	}
	if len(f.items) == 0 {
		return v, false
	}
	v = f.items[0]
	var zero T
	f.items[0] = zero
	f.items = f.items[1:]
	return v, true
}

func (f *fifo[T]) close() {
	f.mu.Lock()
	f.closed = true
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (c *Client) pump(done chan struct{}) {
	defer close(done)
	defer close(c.events)
	for {
		ev, ok := c.queue.pop()
		if !ok {
			return
		}
		if c.cfg.OMEMO != nil || isOMEMOEvent(ev) {
			var keep bool
			if ev, keep = c.omemoEvent(ev); !keep {
				continue
			}
		}
		c.events <- ev
	}
}

func (c *Client) worker(done chan struct{}) {
	defer close(done)
	for {
		f, ok := c.work.pop()
		if !ok {
			return
		}
		f()
	}
}
