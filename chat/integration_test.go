package chat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// testAccount is user@srv in a fresh profile (password user-pw).
func testAccount(t testing.TB, srv *prosodytest.Server, user string) (*Profile, store.Account) {
	t.Helper()
	p, err := OpenProfile(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	a, err := p.NewAccount(user+"@"+srv.Domain, Settings{Server: srv.C2SAddr, Pin: srv.CertFingerprint})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AddAccount(context.Background(), a, &Login{Password: user + "-pw"}); err != nil {
		t.Fatal(err)
	}
	return p, a
}

// Save before show: every message a session tells is in the profile when
// it is told, each once; the sender's Deliver returns once the server
// acked all, and its history says so. Run under -race (make test).
func TestSessionSavesBeforeItTells(t *testing.T) {
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	bp, ba := testAccount(t, srv, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	bs, err := bp.Session(ba, "bob-pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	bctx, bstop := context.WithCancel(ctx)
	bs.Start(bctx)
	if err := bs.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 50
	got := make(chan error, n)
	go func() {
		seen := map[string]bool{}
		for ev := range bs.Events() {
			sv, ok := ev.(Saved)
			m, isMsg := sv.Event.(xmppclient.MessageReceived)
			if !ok || !isMsg || !sv.Fresh {
				continue
			}
			// Told: it must be stored already, and told once.
			hist, err := bp.History(context.Background(), ba.JID, aa.JID, 0, 1000)
			found := false
			for _, h := range hist {
				found = found || h.OriginID == m.OriginID
			}
			switch {
			case err != nil:
				got <- err
			case !found:
				got <- fmt.Errorf("message %s told before it was saved", m.OriginID)
			case seen[m.OriginID]:
				got <- fmt.Errorf("message %s told twice", m.OriginID)
			default:
				seen[m.OriginID] = true
				got <- nil
			}
		}
	}()

	as, err := ap.Session(aa, "alice-pw", Options{Passive: true})
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("numbered %03d", i)
	}
	ids, err := as.Deliver(ctx, jid.MustParse(ba.JID), texts, time.Minute)
	if err != nil || len(ids) != n {
		t.Fatalf("Deliver: %d ids, %v", len(ids), err)
	}
	for i := 0; i < n; i++ {
		select {
		case err := <-got:
			if err != nil {
				t.Fatal(err)
			}
		case <-ctx.Done():
			t.Fatalf("bob was told %d of %d messages", i, n)
		}
	}
	hist, err := ap.History(ctx, aa.JID, ba.JID, 0, 1000)
	if err != nil || len(hist) != n {
		t.Fatalf("alice's history: %d messages, %v", len(hist), err)
	}
	for _, m := range hist {
		if m.State != store.Sent && m.State != store.Delivered {
			t.Errorf("message %s is %s after Deliver returned", m.OriginID, m.State)
		}
	}
	bstop()
	if err := bs.Wait(); err != nil {
		t.Logf("bob's session ended: %v", err)
	}
}

// The one-shot runs word their failures: a wrong password fails for good,
// and an unreachable server is "never connected".
func TestOneShotRunsSayWhy(t *testing.T) {
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	p, a := testAccount(t, srv, "alice")
	s, err := p.Session(a, "wrong", Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Listen(context.Background(), 20*time.Second, 1, func(xmppclient.Message) {})
	if err == nil {
		t.Fatal("listen with a wrong password: no error")
	}
	t.Logf("wrong password: %v", err)
	srv.Stop(t)
	s, err = p.Session(a, "alice-pw", Options{Passive: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Deliver(context.Background(), jid.MustParse("bob@"+srv.Domain), []string{"hi"}, 2*time.Second)
	var na *NotAcked
	if !errors.As(err, &na) || na.Acked != 0 || na.Total != 1 {
		t.Fatalf("server down: %v; want a NotAcked of 0/1", err)
	}
	if pending, _ := p.Store().Pending(context.Background(), a.JID); len(pending) != 1 {
		t.Errorf("outbox after a failed delivery: %d messages, want 1", len(pending))
	}
}
