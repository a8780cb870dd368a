package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Reactions (XEP-0444) in the store: a sender's new set replaces the
// old, an empty set removes it, a message the profile does not hold
// keeps nothing, History carries them, and they go with the message.
func TestReactions(t *testing.T) {
	ctx := context.Background()
	const a, bob, carol = "alice@example.org", "bob@example.org", "carol@example.org"
	s := newStoreWith(t, a)
	m := in(a, bob, "Shall we?")
	m.OriginID, m.StanzaID = "b1", "b1"
	if _, err := s.AddIncoming(ctx, m); err != nil {
		t.Fatal(err)
	}
	other := in(a, carol, "hi")
	other.OriginID = "c1"
	if _, err := s.AddIncoming(ctx, other); err != nil {
		t.Fatal(err)
	}
	set := func(peer, ref, sender string, emojis ...string) ([]Reaction, error) {
		t.Helper()
		_, all, err := s.SetReactions(ctx, a, peer, ref, sender, emojis, time.Now())
		return all, err
	}
	str := func(rs []Reaction) string {
		var parts []string
		for _, r := range rs {
			parts = append(parts, r.Sender+":"+strings.Join(r.Emojis, ""))
		}
		return strings.Join(parts, " ")
	}
	for _, step := range []struct {
		name, peer, ref, sender string
		emojis                  []string
		want                    string
		err                     error
	}{
		{"bob reacts", bob, "b1", bob, []string{"👍", "🎉"}, bob + ":👍🎉", nil},
		{"we react", bob, "b1", a, []string{"❤️"}, bob + ":👍🎉 " + a + ":❤️", nil},
		{"bob's new set replaces his old", bob, "b1", bob, []string{"😂"}, a + ":❤️ " + bob + ":😂", nil},
		{"we take ours back", bob, "b1", a, nil, bob + ":😂", nil},
		{"an unknown id keeps nothing", bob, "nope", bob, []string{"👎"}, "", ErrNotFound},
		{"another chat's message is not bob's to react to", bob, "c1", bob, []string{"👎"}, "", ErrNotFound},
	} {
		all, err := set(step.peer, step.ref, step.sender, step.emojis...)
		if !errors.Is(err, step.err) || (err == nil && str(all) != step.want) {
			t.Errorf("%s: %q %v; want %q %v", step.name, str(all), err, step.want, step.err)
		}
	}
	h, err := s.History(ctx, a, bob, 0, 0)
	if err != nil || len(h) != 1 || str(h[0].Reactions) != bob+":😂" {
		t.Fatalf("History: %+v %v", h, err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM reactions`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d reaction rows (%v), want 1", n, err)
	}
	if err := s.RemoveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM reactions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d reaction rows left after the account went (%v)", n, err)
	}
}

// A reply is stored with its message and read back.
func TestReplyStored(t *testing.T) {
	ctx := context.Background()
	const a, bob = "alice@example.org", "bob@example.org"
	s := newStoreWith(t, a)
	m := in(a, bob, "Yes")
	m.OriginID = "b2"
	m.Reply = &Reply{To: a, ID: "x1", Quote: "Shall we?"}
	if _, err := s.AddIncoming(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindMessage(ctx, a, bob, "b2")
	if err != nil || got.Reply == nil || *got.Reply != *m.Reply || got.Body != "Yes" {
		t.Fatalf("FindMessage: %+v %v", got, err)
	}
	if _, err := s.FindMessage(ctx, a, bob, "nothing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindMessage of an unknown id: %v", err)
	}
}

// A page larger than SQLite's limit on bound parameters reads its
// reactions all the same (they are read in chunks).
func TestReactionsLargePage(t *testing.T) {
	ctx := context.Background()
	const a, bob = "alice@example.org", "bob@example.org"
	s := newStoreWith(t, a)
	ms := make([]*Message, 40000)
	for i := range ms {
		ms[i] = in(a, bob, "m")
	}
	ms[0].OriginID = "first"
	if _, err := s.AddIncomingBatch(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SetReactions(ctx, a, bob, "first", bob, []string{"👍"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, a, bob, 0, len(ms))
	if err != nil || len(h) != len(ms) || len(h[0].Reactions) != 1 {
		t.Fatalf("History of %d: %d messages, first's reactions %+v, %v", len(ms), len(h), h[0].Reactions, err)
	}
}

// FindMessage's lookups use the indexes for their kind of id, not a walk
// over the chat: the first three name an index of their own, the last
// walks the chat's newest findRecent messages only. (Each reaction that
// comes makes one; an OR of all kinds scanned the chat, 30 ms in a chat
// of 100,000 messages.)
func TestFindMessagePlans(t *testing.T) {
	ctx := context.Background()
	s := newStoreWith(t, "alice@example.org")
	want := []string{"messages_origin", "messages_room_sid", "messages_archive", "messages_peer"}
	for i, where := range findSteps() {
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT `+msgColumns+` FROM messages WHERE `+where+` ORDER BY +id DESC LIMIT 1`, "a", "p", "x")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, "INDEX "+want[i]) || strings.Contains(all, "SCAN messages") {
			t.Errorf("step %d (%s): %s; want it to use %s", i+1, where, all, want[i])
		}
	}
}

// Our own set kept while offline: pending until ReactionsSent names the
// same set (a set changed meanwhile stays pending); an empty set waits,
// then goes.
func TestOwnReactionsPending(t *testing.T) {
	ctx := context.Background()
	const a, bob = "alice@example.org", "bob@example.org"
	s := newStoreWith(t, a)
	m := in(a, bob, "hi")
	m.OriginID = "b1"
	if _, err := s.AddIncoming(ctx, m); err != nil {
		t.Fatal(err)
	}
	pending := func() string {
		t.Helper()
		ps, err := s.PendingReactions(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.Message.OriginID+":"+strings.Join(p.Emojis, "")+"/"+p.Sender)
		}
		return strings.Join(out, " ")
	}
	id, all, err := s.SetOwnReactions(ctx, a, bob, "b1", a, []string{"👍"}, time.Now())
	if err != nil || len(all) != 1 {
		t.Fatal(all, err)
	}
	if got := pending(); got != "b1:👍/"+a {
		t.Fatalf("pending: %q", got)
	}
	if _, _, err := s.SetOwnReactions(ctx, a, bob, "b1", a, []string{"🎉"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.ReactionsSent(ctx, id, a, []string{"👍"}); err != nil { // the old set went
		t.Fatal(err)
	}
	if got := pending(); got != "b1:🎉/"+a {
		t.Errorf("after the old set was sent: %q; want the new one pending", got)
	}
	if err := s.ReactionsSent(ctx, id, a, []string{"🎉"}); err != nil {
		t.Fatal(err)
	}
	if got := pending(); got != "" {
		t.Errorf("after it was sent: %q", got)
	}
	if _, all, err = s.SetOwnReactions(ctx, a, bob, "b1", a, nil, time.Now()); err != nil || len(all) != 0 {
		t.Fatalf("take back: %+v %v", all, err)
	}
	if got := pending(); got != "b1:/"+a {
		t.Errorf("the empty set: %q; want it pending", got)
	}
	if err := s.ReactionsSent(ctx, id, a, nil); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM reactions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows once the empty set went (%v)", n, err)
	}
}
