package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestReleaseMemory checks that ReleaseMemory closes the idle readers and
// that nothing is lost: the history reads back whole, and writes and
// reads work after it as before.
func TestReleaseMemory(t *testing.T) {
	s := newStoreWith(t, "me@example.org")
	ctx := t.Context()
	const n = 50
	for i := range n {
		if err := s.AddOutgoing(ctx, out("me@example.org", "you@example.org", fmt.Sprint("m", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Reads side by side leave more than one reader idle.
	var wg sync.WaitGroup
	for range maxReaders {
		wg.Go(func() {
			if _, err := s.History(ctx, "me@example.org", "", 0, n); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if idle := s.r.Stats().Idle; idle == 0 {
		t.Fatalf("no idle reader before ReleaseMemory")
	}

	if err := s.ReleaseMemory(ctx); err != nil {
		t.Fatalf("ReleaseMemory: %v", err)
	}
	if st := s.r.Stats(); st.Idle != 0 || st.OpenConnections != 0 {
		t.Errorf("after ReleaseMemory: %d readers open, %d idle; want none", st.OpenConnections, st.Idle)
	}
	if st := s.w.Stats(); st.OpenConnections != 0 {
		t.Errorf("after ReleaseMemory: the writer's connection open (%d)", st.OpenConnections)
	}

	if err := s.AddOutgoing(ctx, out("me@example.org", "you@example.org", "after")); err != nil {
		t.Fatalf("AddOutgoing after ReleaseMemory: %v", err)
	}
	got, err := s.History(ctx, "me@example.org", "", 0, 2*n)
	if err != nil {
		t.Fatalf("History after ReleaseMemory: %v", err)
	}
	if len(got) != n+1 {
		t.Errorf("History after ReleaseMemory: %d messages, want %d", len(got), n+1)
	}
	if idle := s.r.Stats().Idle; idle != 1 {
		t.Errorf("after a read: %d idle readers, want 1 (kept again)", idle)
	}
	// The writer's new connection has the settings of the first.
	var limit int64
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_size_limit").Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit != 64<<20 {
		t.Errorf("the writer's journal_size_limit after ReleaseMemory: %d, want %d", limit, 64<<20)
	}
	if err := checkConn(ctx, s.w, s.path); err != nil {
		t.Error(err)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseMemory(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("ReleaseMemory after Close: %v, want ErrClosed", err)
	}
}
