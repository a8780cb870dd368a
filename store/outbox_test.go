package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

const (
	ownerA = "AAAAAAAAAAAAAAAAAAAAAAAAAA"
	ownerB = "BBBBBBBBBBBBBBBBBBBBBBBBBB"
	ownerC = "CCCCCCCCCCCCCCCCCCCCCCCCCC"
)

// liveSet is an alive function: the owners named are running.
func liveSet(owners ...string) func(string) bool {
	return func(o string) bool { return slices.Contains(owners, o) }
}

func claimBodies(tb testing.TB, s *Store, account, owner string, alive func(string) bool) (all, adopted []string) {
	tb.Helper()
	cs, err := s.Claim(context.Background(), account, owner, alive)
	if err != nil {
		tb.Fatalf("Claim(%s): %v", owner, err)
	}
	all, adopted = []string{}, []string{}
	for _, c := range cs {
		all = append(all, c.Body)
		if c.Adopted {
			adopted = append(adopted, c.Body)
		}
	}
	return all, adopted
}

// Each running session gets only its own messages and those of sessions
// that ended; messages without an owner are anyone's; acks remove a
// message whoever owns it.
func TestClaim(t *testing.T) {
	ctx := context.Background()
	const alice = "alice@example.org"
	s := newStoreWith(t, alice, "carol@example.org")
	add := func(owner string, bodies ...string) {
		t.Helper()
		var ms []*Message
		for _, b := range bodies {
			ms = append(ms, out(alice, "bob@example.org", b))
		}
		var err error
		if owner == "" {
			err = s.AddOutgoingBatch(ctx, ms)
		} else {
			err = s.AddOutgoingFor(ctx, owner, ms)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	add("", "old")
	add(ownerA, "a1")
	add(ownerB, "b1", "b2")
	add(ownerA, "a2")
	if err := s.AddOutgoingFor(ctx, ownerC, []*Message{out("carol@example.org", "bob@example.org", "carol's")}); err != nil {
		t.Fatal(err)
	}
	both := liveSet(ownerA, ownerB)

	if ok, err := s.Claimable(ctx, alice, ownerB, both); !ok || err != nil {
		t.Fatalf("Claimable with a message without owner: %v, %v", ok, err)
	}
	all, adopted := claimBodies(t, s, alice, ownerA, both)
	if want := []string{"old", "a1", "a2"}; !slices.Equal(all, want) || !slices.Equal(adopted, []string{"old"}) {
		t.Fatalf("A claims %v (adopted %v), want %v (adopted [old])", all, adopted, want)
	}
	all, adopted = claimBodies(t, s, alice, ownerB, both)
	if want := []string{"b1", "b2"}; !slices.Equal(all, want) || len(adopted) != 0 {
		t.Fatalf("B claims %v (adopted %v), want %v", all, adopted, want)
	}
	if ok, err := s.Claimable(ctx, alice, ownerA, both); ok || err != nil {
		t.Fatalf("Claimable with both alive: %v, %v", ok, err)
	}

	// An ack removes B's message from A's session just as well (the
	// server took it), and B ends with the other one queued.
	if err := s.MarkSent(ctx, alice, firstOrigin(t, s, alice, "b1")); err != nil {
		t.Fatal(err)
	}
	onlyA := liveSet(ownerA)
	if ok, err := s.Claimable(ctx, alice, ownerA, onlyA); !ok || err != nil {
		t.Fatalf("Claimable after B ended: %v, %v", ok, err)
	}
	all, adopted = claimBodies(t, s, alice, ownerA, onlyA)
	if want := []string{"old", "a1", "b2", "a2"}; !slices.Equal(all, want) || !slices.Equal(adopted, []string{"b2"}) {
		t.Fatalf("A after B ended claims %v (adopted %v), want %v (adopted [b2])", all, adopted, want)
	}
	all, adopted = claimBodies(t, s, alice, ownerA, onlyA)
	if len(all) != 4 || len(adopted) != 0 {
		t.Fatalf("claimed again: %v, adopted %v", all, adopted)
	}
	// Another account's messages stay where they are.
	if p, err := s.Pending(ctx, "carol@example.org"); err != nil || len(p) != 1 {
		t.Fatalf("carol's outbox: %d, %v", len(p), err)
	}
	if _, err := s.Claim(ctx, alice, "", onlyA); !errors.Is(err, ErrInvalid) {
		t.Errorf("Claim without owner: %v", err)
	}
	if err := s.AddOutgoingFor(ctx, "", []*Message{out(alice, "bob@example.org", "x")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddOutgoingFor without owner: %v", err)
	}
}

func firstOrigin(tb testing.TB, s *Store, account, body string) string {
	tb.Helper()
	ms, err := s.Pending(context.Background(), account)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range ms {
		if m.Body == body {
			return m.OriginID
		}
	}
	tb.Fatalf("no queued %q", body)
	return ""
}

// Two processes take over one dead session's messages at once: each
// message goes to one of them. (Two Stores on one file: two connections,
// as two processes have.)
func TestClaimRace(t *testing.T) {
	ctx := context.Background()
	const alice = "alice@example.org"
	path := filepath.Join(t.TempDir(), "clove.db")
	s1 := openStore(t, path)
	mustAddAccount(t, s1, alice)
	s2 := openStore(t, path)
	const n = 300
	var ms []*Message
	for i := range n {
		ms = append(ms, out(alice, "bob@example.org", fmt.Sprint(i)))
	}
	if err := s1.AddOutgoingFor(ctx, ownerC, ms); err != nil {
		t.Fatal(err)
	}
	alive := liveSet(ownerA, ownerB)
	var wg sync.WaitGroup
	got := make([][]Claimed, 2)
	for i, c := range []struct {
		s     *Store
		owner string
	}{{s1, ownerA}, {s2, ownerB}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			got[i], err = c.s.Claim(ctx, alice, c.owner, alive)
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(got[0])+len(got[1]) != n || (len(got[0]) != 0 && len(got[1]) != 0) {
		t.Fatalf("claimed %d and %d of %d: want all by one", len(got[0]), len(got[1]), n)
	}
}

// A profile from before owners (schema 6) keeps its queued message, and
// the first session takes it over.
func TestClaimAfterMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "clove.db")
	if err := prepareFile(path, slog.Default()); err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector{dsn: dsn(path, nil)})
	if err := migrate(ctx, db, migrations()[:6], slog.Default()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO accounts (jid, created) VALUES ('alice@example.org', 0)`,
		`INSERT INTO messages (account, peer, outgoing, from_jid, to_jid, body, origin_id, time, state)
			VALUES ('alice@example.org', 'bob@example.org', 1, 'alice@example.org', 'bob@example.org', 'from before', 'o1', 0, 'queued')`,
		`INSERT INTO outbox (message_id, account) VALUES (last_insert_rowid(), 'alice@example.org')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := openStore(t, path)
	all, adopted := claimBodies(t, s, "alice@example.org", ownerA, liveSet(ownerA))
	if !slices.Equal(all, []string{"from before"}) || !slices.Equal(adopted, all) {
		t.Fatalf("claimed %v, adopted %v", all, adopted)
	}
}
