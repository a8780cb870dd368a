package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
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
type writer struct {
	db      *sql.DB
	log     *slog.Logger
	reqs    chan *writeReq // unbuffered: a send succeeds only while the loop runs
	closing chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newWriter(db *sql.DB, log *slog.Logger) *writer {
	w := &writer{
		db:      db,
		log:     log,
		reqs:    make(chan *writeReq),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
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
	for {
		batch = batch[:0]
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
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
	}
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
