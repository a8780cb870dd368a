package gui

import (
	"context"
	"errors"
	"testing"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
)

func TestGUIBackendReadsTheProfile(t *testing.T) {
	ctx := context.Background()
	p, err := chat.OpenProfile(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	st := p.Store()
	const me, bob = "me@x.test", "bob@x.test"
	if err := st.AddAccount(ctx, store.Account{JID: me}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutContact(ctx, store.Contact{Account: me, JID: bob, Name: "Bob", Subscription: "both"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddIncoming(ctx, &store.Message{Account: me, From: bob + "/p", To: me, Body: "one", OriginID: "a"}); err != nil {
		t.Fatal(err)
	}
	out := &store.Message{Account: me, From: me, To: bob, Body: "two", OriginID: "b"}
	if err := st.AddOutgoing(ctx, out); err != nil {
		t.Fatal(err)
	}
	b := NewBackend(p, me)
	cs, err := b.Contacts(ctx)
	if err != nil || len(cs) != 1 || cs[0] != (ui.Contact{JID: bob, Name: "Bob"}) {
		t.Fatalf("Contacts: %v %v", cs, err)
	}
	ms, err := b.History(ctx, bob, 0, 50)
	if err != nil || len(ms) != 2 {
		t.Fatalf("History: %v %v", ms, err)
	}
	if ms[0].Body != "one" || ms[0].Outgoing || ms[0].State != ui.Received || ms[0].Key != "a" ||
		ms[1].Body != "two" || !ms[1].Outgoing || ms[1].State != ui.Queued || ms[1].Key != "b" || ms[1].ID != out.ID {
		t.Errorf("History: %+v", ms)
	}
	if older, err := b.History(ctx, bob, ms[1].ID, 50); err != nil || len(older) != 1 {
		t.Errorf("History before %d: %v %v", ms[1].ID, older, err)
	}
	if _, err := b.Send(ctx, bob, "x"); !errors.Is(err, chat.ErrNoSession) {
		t.Errorf("Send before login: %v", err)
	}
}
