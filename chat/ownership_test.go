package chat

import (
	"context"
	"errors"
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Two sessions of one account on one profile, in one process (another
// process is the same to the locks: cmd/clove's tests run clove send as
// one): what one queues is not the other's while it lives, and is once it
// ended; an ack for an id the profile does not hold says so.
func TestSessionsShareTheOutbox(t *testing.T) {
	ctx := context.Background()
	p, err := OpenProfile(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a := store.Account{JID: "alice@example.org", Server: "127.0.0.1:1"}
	if err := p.AddAccount(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	first, err := p.Session(a, "pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.Session(a, "pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Wait()
	id, err := first.Send(ctx, jid.MustParse("bob@example.org"), "queued by the first")
	if err != nil {
		t.Fatal(err)
	}
	out := outbox{st: p.st, account: a.JID, own: second.own}
	if es, err := out.Pending(ctx); err != nil || len(es) != 0 {
		t.Fatalf("the second session is given %v, %v while the first runs", es, err)
	}
	_ = first.Wait() // never started: ends at once, and lets go
	es, err := out.Pending(ctx)
	if err != nil || len(es) != 1 || es[0].ID != id || !es[0].Adopted {
		t.Fatalf("after the first ended the second is given %+v, %v; want %s, adopted", es, err, id)
	}
	if err := out.Acked(ctx, "a-receipt"); !errors.Is(err, xmppclient.ErrNoSuchMessage) {
		t.Errorf("ack of an id the outbox never held: %v", err)
	}
	if err := out.Acked(ctx, id); err != nil {
		t.Errorf("ack: %v", err)
	}
	if ms, err := p.st.Pending(ctx, a.JID); err != nil || len(ms) != 0 {
		t.Errorf("outbox after the ack: %d, %v", len(ms), err)
	}
}
