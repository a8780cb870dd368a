package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/clove-xmpp/clove/store"
)

// storeBackend serves the window from a real SQLite store, as the app's
// backend does (without a session).
type storeBackend struct {
	st *store.Store
	me string
}

func (b storeBackend) Contacts(ctx context.Context) ([]Contact, error) {
	cs, err := b.st.Contacts(ctx, b.me)
	out := make([]Contact, len(cs))
	for i, c := range cs {
		out[i] = Contact{JID: c.JID, Name: c.Name}
	}
	return out, err
}

func (b storeBackend) History(ctx context.Context, peer string, beforeID int64, limit int) ([]Message, error) {
	ms, err := b.st.History(ctx, b.me, peer, beforeID, limit)
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = Message{ID: m.ID, Key: m.OriginID, Peer: m.Peer, Outgoing: m.Outgoing, Body: m.Body, Time: m.Time, State: Received}
	}
	return out, err
}

func (storeBackend) Send(context.Context, string, string) (Message, error) {
	return Message{}, errors.New("read only")
}

// BenchmarkOpen100kChat: a chat of 100,000 messages in a real store, opened
// in the window on Fyne's test driver: the newest page read from SQLite,
// laid out, and the whole window painted (software renderer). Goal < 50 ms.
func BenchmarkOpen100kChat(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "clove.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const me, peer, n = "me@bench.invalid", "bob@bench.invalid", 100_000
	if err := st.AddAccount(ctx, store.Account{JID: me}); err != nil {
		b.Fatal(err)
	}
	if err := st.PutContact(ctx, store.Contact{Account: me, JID: peer, Name: "Bob", Subscription: "both"}); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now().Add(-n * time.Minute)
	for i := 0; i < n; i += 1000 {
		var ms []*store.Message
		for j := i; j < i+1000; j++ {
			ms = append(ms, &store.Message{Account: me, Peer: peer, From: peer, To: me, Body: fmt.Sprintf("message number %d, some words to index", j),
				OriginID: fmt.Sprintf("m%d", j), Time: t0.Add(time.Duration(j) * time.Minute), State: store.Received})
		}
		if _, err := st.AddIncomingBatch(ctx, ms); err != nil {
			b.Fatal(err)
		}
	}
	fa := test.NewTempApp(b)
	a := newApp(fa, me, storeBackend{st, me})
	a.async = func(f func()) { f() }
	a.later = func(func()) {}
	a.reloadContacts()
	a.win.Resize(fyne.NewSize(900, 600))
	defer a.win.Close()
	b.ResetTimer()
	for b.Loop() {
		a.chat = nil
		a.openChat(peer)
		if len(a.chat.msgs) != pageSize {
			b.Fatalf("%d messages shown", len(a.chat.msgs))
		}
		a.win.Canvas().Capture()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/open")
}
