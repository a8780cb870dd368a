package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentWritersAndReaders runs writers of every kind against readers
// and checks that no error (in particular no "database is locked") reaches a
// caller and that every write landed.
func TestConcurrentWritersAndReaders(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "clove.db")
	s := openStore(t, path)
	mustAddAccount(t, s, me)
	// A second Store on the same file stands for a second process: its
	// writes contend for SQLite's lock and must wait, not fail.
	s2 := openStore(t, path)

	const writers, perWriter = 4, 150
	var (
		wg      sync.WaitGroup
		errs    = make(chan error, 100)
		done    = make(chan struct{})
		reads   atomic.Int64
		dupHits atomic.Int64
	)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				m := out(me, fmt.Sprintf("peer%d@example.org", w), fmt.Sprintf("writer %d message %d", w, i))
				if err := s.AddOutgoing(ctx, m); err != nil {
					report(fmt.Errorf("AddOutgoing: %w", err))
					return
				}
				if i%2 == 0 {
					if err := s.MarkSent(ctx, me, m.OriginID); err != nil {
						report(fmt.Errorf("MarkSent: %w", err))
						return
					}
				}
			}
		})
	}
	// Incoming traffic where every message arrives twice (live + carbon).
	for w := range 2 {
		wg.Go(func() {
			for i := range perWriter {
				for range 2 {
					m := in(me, "friend@example.org", fmt.Sprintf("incoming %d/%d", w, i))
					m.OriginID = fmt.Sprintf("in-%d-%d", w, i)
					ins, err := s.AddIncoming(ctx, m)
					if err != nil {
						report(fmt.Errorf("AddIncoming: %w", err))
						return
					}
					if !ins {
						dupHits.Add(1)
					}
				}
			}
		})
	}
	// The other "process".
	wg.Go(func() {
		for i := range perWriter {
			if err := s2.AddOutgoing(ctx, out(me, "elsewhere@example.org", fmt.Sprint("second process ", i))); err != nil {
				report(fmt.Errorf("second store AddOutgoing: %w", err))
				return
			}
		}
	})
	var rg sync.WaitGroup
	for range 2 {
		rg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := s.History(ctx, me, "peer1@example.org", 0, 50); err != nil {
					report(fmt.Errorf("History: %w", err))
				}
				if _, err := s.Search(ctx, me, "", "message", 20); err != nil {
					report(fmt.Errorf("Search: %w", err))
				}
				if _, err := s.Pending(ctx, me); err != nil {
					report(fmt.Errorf("Pending: %w", err))
				}
				reads.Add(3)
			}
		})
	}
	wg.Wait()
	close(done)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	wantMessages := writers*perWriter + 2*perWriter + perWriter
	if n := count(t, s, "messages", "1"); n != wantMessages {
		t.Errorf("%d messages stored, want %d", n, wantMessages)
	}
	if n := count(t, s, "outbox", "1"); n != writers*perWriter/2+perWriter {
		t.Errorf("%d outbox rows, want %d", n, writers*perWriter/2+perWriter)
	}
	if dupHits.Load() != 2*perWriter {
		t.Errorf("%d duplicates detected, want %d", dupHits.Load(), 2*perWriter)
	}
	t.Logf("%d reads ran during the writes", reads.Load())
	checkIntegrity(t, s)
}

// TestGroupCommitIsolation runs a batch where one write fails: the others
// must still commit and each caller must get its own result.
func TestGroupCommitIsolation(t *testing.T) {
	s := newStoreWith(t, me)
	insert := func(body string) writeFunc {
		return func(ctx context.Context, tx *sql.Tx) error {
			ins, err := prepareInsert(ctx, tx, "")
			if err != nil {
				return err
			}
			_, err = insertMessage(ctx, ins, &Message{Account: me, Peer: you, From: me, To: you, Body: body, State: Received, Time: at(0)})
			return err
		}
	}
	boom := errors.New("boom")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	reqs := []*writeReq{
		{ctx: context.Background(), fn: insert("one")},
		{ctx: context.Background(), fn: func(context.Context, *sql.Tx) error { return boom }},
		{ctx: cancelled, fn: insert("never")},
		{ctx: context.Background(), fn: insert("two")},
	}
	for _, r := range reqs {
		r.done = make(chan error, 1)
	}
	s.wr.run(reqs)
	for i, want := range []error{nil, boom, context.Canceled, nil} {
		if err := <-reqs[i].done; !errors.Is(err, want) {
			t.Errorf("request %d: %v, want %v", i, err, want)
		}
	}
	h, err := s.History(t.Context(), me, you, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := bodies(h); len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Errorf("stored %q, want [one two]", got)
	}
}
