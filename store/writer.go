package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// maxBatch bounds how many queued writes share one transaction.
const maxBatch = 256

// writeFunc does one logical write inside tx. It must not keep tx, and must
// be safe to run twice: when a shared transaction fails, each of its writes
// is retried alone.
type writeFunc func(ctx context.Context, tx *sql.Tx) error

type writeReq struct {
	ctx  context.Context
	fn   writeFunc
	done chan error // buffered, receives exactly one result
}

// writer serialises all writes through one connection and one goroutine and
// commits them in groups: the writes that arrive while a commit is being
// synced to disk go together into the next transaction, so concurrent callers
// share one fsync instead of paying one each. A caller's write returns only
// after the transaction that holds it has committed (synchronous=FULL: the
// WAL is synced), so a nil error means the write is on disk.
//
// A single writer connection also means no two transactions of this process
// ever contend for SQLite's write lock, so "database is locked" cannot reach
// a caller from inside the process; busy_timeout covers other processes.
//
// Between writes it does deferred work (see idleWork): once no write has
// come for idleDelay, or at the latest after maxLag of continuous writing.
type writer struct {
	db      *sql.DB
	log     *slog.Logger
	reqs    chan *writeReq // unbuffered: a send succeeds only while the loop runs
	closing chan struct{}
	stopped chan struct{}
	once    sync.Once

	idle idleWork // nil: none
}

// idleWork does one bounded piece of deferred work inside tx and reports
// whether more is left. Like a writeFunc it must be safe to run twice.
type idleWork func(ctx context.Context, tx *sql.Tx) (more bool, err error)

// Deferred work runs once the writer has had no write for idleDelay, or
// after maxLag of writes that never pause that long.
const (
	idleDelay = 250 * time.Millisecond
	maxLag    = 5 * time.Second
)

func newWriter(db *sql.DB, log *slog.Logger, idle idleWork) *writer {
	w := &writer{
		db:      db,
		log:     log,
		reqs:    make(chan *writeReq),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
		idle:    idle,
	}
	go w.loop()
	return w
}

// do runs fn in a write transaction and waits until it has committed. If ctx
// is done before fn starts, fn does not run and ctx's error is returned. Once
// fn has started, do waits for the outcome whatever ctx does, so that a nil
// error always means committed and a non-nil error (other than ctx's before
// the start) means not written.
func (w *writer) do(ctx context.Context, op string, fn writeFunc) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case w.reqs <- r:
	case <-w.closing:
		return wrap(op, ErrClosed)
	case <-ctx.Done():
		return wrap(op, ctx.Err())
	}
	return wrap(op, <-r.done)
}

// close stops accepting writes, waits for the running batch and returns.
func (w *writer) close() {
	w.once.Do(func() { close(w.closing) })
	<-w.stopped
}

func (w *writer) loop() {
	defer close(w.stopped)
	batch := make([]*writeReq, 0, maxBatch)
	// The first idle check also picks up work left by an earlier run.
	idle := time.NewTimer(idleDelay)
	defer idle.Stop()
	if w.idle == nil {
		idle.Stop()
	}
	var behind time.Time // since when writes have outrun the idle work
	for {
		batch = batch[:0]
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
		case <-idle.C:
			if w.runIdle() {
				idle.Reset(0) // more: next turn, after any waiting write
			} else {
				behind = time.Time{}
			}
			continue
		case <-w.closing:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		w.run(batch)
		if w.idle == nil {
			continue
		}
		if behind.IsZero() {
			behind = time.Now()
		} else if time.Since(behind) >= maxLag {
			behind = time.Now()
			if !w.runIdle() {
				behind = time.Time{}
			}
		}
		idle.Reset(idleDelay)
	}
}

// runIdle does one piece of the idle work in its own transaction and
// reports whether more is left. A failure is logged and the work waits
// for the next write. A full disk is not a warning: the writes that
// failed for it told their callers, and the work waits for room (it ran
// after every failed write and said so each time: issue 17).
func (w *writer) runIdle() (more bool) {
	err := w.tx([]*writeReq{{ctx: context.Background(), fn: func(ctx context.Context, tx *sql.Tx) error {
		m, err := w.idle(ctx, tx)
		more = m
		return err
	}}})
	if classify(err) == ErrDiskFull || errors.Is(err, ErrDiskFull) {
		w.log.Debug("store: deferred work waits for room on the disk", "err", err)
		return false
	}
	if err != nil {
		w.log.Warn("store: deferred work failed; retrying after the next write", "err", err)
		return false
	}
	return more
}

// run commits batch in one transaction; if that fails, it runs each write in
// its own transaction so that one bad write does not fail the others and each
// caller gets its own error.
func (w *writer) run(batch []*writeReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if len(live) > 1 {
		err := w.tx(live)
		if err == nil {
			for _, r := range live {
				r.done <- nil
			}
			return
		}
		w.log.Debug("store: group commit failed, retrying writes one by one", "writes", len(live), "err", err)
	}
	for _, r := range live {
		r.done <- w.tx([]*writeReq{r})
	}
}

// tx runs reqs in one transaction. The statements run under a context that
// is never cancelled: go-sqlite3 interrupts a statement when its context is
// done, and SQLite then rolls back the whole transaction, which would take
// the other callers' writes with it.
func (w *writer) tx(reqs []*writeReq) (err error) {
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if err = r.fn(context.WithoutCancel(r.ctx), tx); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}
