package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// openStore opens a store at path and closes it when the test ends.
func openStore(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), path)
	if errors.Is(err, ErrNoFTS5) {
		tb.Fatalf("%v\n(the store tests need: go test -tags sqlite_fts5)", err)
	}
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore opens a fresh store in a temporary directory.
func newStore(tb testing.TB) *Store {
	tb.Helper()
	return openStore(tb, filepath.Join(tb.TempDir(), "clove.db"))
}

// newStoreWith opens a fresh store holding the given accounts.
func newStoreWith(tb testing.TB, accounts ...string) *Store {
	tb.Helper()
	s := newStore(tb)
	for _, a := range accounts {
		mustAddAccount(tb, s, a)
	}
	return s
}

func mustAddAccount(tb testing.TB, s *Store, jid string) {
	tb.Helper()
	if err := s.AddAccount(context.Background(), Account{JID: jid}); err != nil {
		tb.Fatalf("AddAccount(%s): %v", jid, err)
	}
}

// out builds an outgoing message from account to peer.
func out(account, peer, body string) *Message {
	return &Message{Account: account, From: account + "/clove", To: peer, Body: body}
}

// in builds an incoming message from peer to account.
func in(account, peer, body string) *Message {
	return &Message{Account: account, From: peer + "/phone", To: account + "/clove", Body: body}
}

// checkIntegrity asserts that the database, its foreign keys and the FTS
// index agree.
func checkIntegrity(tb testing.TB, s *Store) {
	tb.Helper()
	ctx := context.Background()
	var res string
	if err := s.w.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		tb.Fatalf("integrity_check = %q, %v", res, err)
	}
	rows, err := s.w.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		tb.Fatalf("foreign_key_check: %v", err)
	}
	if rows.Next() {
		tb.Errorf("foreign_key_check reports violations")
	}
	rows.Close()
	// With rank 1 FTS5 also checks the index against the messages, which
	// holds only once every pending message is indexed.
	// On a full disk nothing can be indexed: check the index alone.
	check := "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"
	if err := s.catchUpIndex(ctx, "check", s.r); errors.Is(err, ErrDiskFull) {
		check = "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')"
	} else if err != nil {
		tb.Fatalf("index pending messages: %v", err)
	}
	if _, err := s.w.ExecContext(ctx, check); err != nil {
		tb.Fatalf("FTS integrity-check: %v", err)
	}
}

// count returns SELECT count(*) FROM table WHERE cond.
func count(tb testing.TB, s *Store, table, cond string, args ...any) int {
	tb.Helper()
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", table, cond)
	if err := s.r.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n
}

// bodies lists the bodies of ms.
func bodies(ms []Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Body)
	}
	return out
}

// at returns a fixed time plus n seconds, for deterministic timestamps.
func at(n int) time.Time {
	return time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC).Add(time.Duration(n) * time.Second)
}
