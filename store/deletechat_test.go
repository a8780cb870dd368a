package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// DeleteChat takes a chat's history out of the profile and of the file:
// its messages, their reactions and their words in the search index go,
// the other chat stays, a message still in the outbox stays (it goes
// out as promised), and the deleted text is nowhere in the database or
// its WAL afterwards (read as bytes).
func TestDeleteChat(t *testing.T) {
	const a, bob, carol = "alice@example.org", "bob@example.org", "carol@example.org"
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, filepath.Join(dir, "clove.db"))
	mustAddAccount(t, s, a)
	const secret = "zebracrossing7731"
	for i := range 50 {
		if _, err := s.AddIncoming(ctx, in(a, bob, fmt.Sprintf("%s number %d from bob", secret, i))); err != nil {
			t.Fatal(err)
		}
	}
	sent := out(a, bob, "answered "+secret)
	if err := s.AddOutgoing(ctx, sent); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, a, sent.OriginID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SetReactions(ctx, a, bob, sent.OriginID, bob, []string{"👍"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	queued := out(a, bob, "still to go")
	if err := s.AddOutgoing(ctx, queued); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddIncoming(ctx, in(a, carol, "carol's "+secret+" stays")); err != nil {
		t.Fatal(err)
	}
	if ms, err := s.Search(ctx, a, "", secret, 100); err != nil || len(ms) != 52 {
		t.Fatalf("before: search found %d, %v", len(ms), err)
	}

	n, err := s.DeleteChat(ctx, a, bob)
	if err != nil || n != 51 {
		t.Fatalf("DeleteChat = %d, %v; want 51 (50 received, 1 sent; the queued one stays)", n, err)
	}
	h, err := s.History(ctx, a, bob, 0, 100)
	if err != nil || len(h) != 1 || h[0].Body != "still to go" {
		t.Fatalf("bob's history after: %+v, %v; want the queued message alone", h, err)
	}
	if p, err := s.Pending(ctx, a); err != nil || len(p) != 1 || p[0].OriginID != queued.OriginID {
		t.Errorf("the outbox after: %+v, %v", p, err)
	}
	if h, err := s.History(ctx, a, carol, 0, 100); err != nil || len(h) != 1 {
		t.Errorf("carol's history after: %d, %v", len(h), err)
	}
	if ms, err := s.Search(ctx, a, "", secret, 100); err != nil || len(ms) != 1 || ms[0].Peer != carol {
		t.Errorf("after: search found %+v, %v; want carol's alone", ms, err)
	}
	var left int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM reactions`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d reactions left, %v", left, err)
	}
	checkIntegrity(t, s)

	// The bytes: bob's words are gone from the database and the WAL;
	// carol's message (the same word) is there once, in her row, and
	// the index holds the word for her.
	var all []byte
	for _, f := range []string{"clove.db", "clove.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	for _, gone := range []string{"from bob", "answered " + secret, "number 49"} {
		if bytes.Contains(all, []byte(gone)) {
			t.Errorf("%q is still in the database file or its WAL", gone)
		}
	}
	if !bytes.Contains(all, []byte("carol's "+secret+" stays")) {
		t.Error("carol's message is not in the file: the check reads the wrong bytes")
	}

	if n, err := s.DeleteChat(ctx, a, "nobody@example.org"); err != nil || n != 0 {
		t.Errorf("deleting a chat with no history: %d, %v", n, err)
	}
}
