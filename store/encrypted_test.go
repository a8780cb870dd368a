package store

import (
	"context"
	"testing"
)

// An incoming message keeps its encrypted flag, and an outgoing one gets
// it when it went out encrypted (issue 18).
func TestEncryptedFlag(t *testing.T) {
	ctx := context.Background()
	s := newStoreWith(t, "alice@example.org")
	m := in("alice@example.org", "bob@example.org", "secret")
	m.OriginID, m.Encrypted = "in-1", true
	if _, err := s.AddIncoming(ctx, m); err != nil {
		t.Fatal(err)
	}
	o := out("alice@example.org", "bob@example.org", "reply")
	if err := s.AddOutgoing(ctx, o); err != nil {
		t.Fatal(err)
	}
	p := out("alice@example.org", "bob@example.org", "plain")
	if err := s.AddOutgoing(ctx, p); err != nil {
		t.Fatal(err)
	}
	// An id without a row (its outbox entry outlived it) is skipped; the
	// others in the batch are marked.
	if err := s.MarkEncryptedBatch(ctx, "alice@example.org", []string{"nope", o.OriginID}); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, "alice@example.org", "bob@example.org", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range h {
		got[m.Body] = m.Encrypted
	}
	want := map[string]bool{"secret": true, "reply": true, "plain": false}
	for b, w := range want {
		if e, ok := got[b]; !ok || e != w {
			t.Errorf("%q: encrypted=%v (present %v), want %v", b, e, ok, w)
		}
	}
	checkIntegrity(t, s)
}
