package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// Read markers (XEP-0333) in the real window, with slixmpp's xep_0333
// plugin as Bob: opening his chat with the window in front tells him his
// message was seen (one displayed marker, for it); his marker for
// Alice's message makes her row say "read", and `history` says so too.
func TestGUIReadMarkersUnderXvfb(t *testing.T) {
	needX(t)
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	alice := newCLI(t, "alice-pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0333"}})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	waitUntil(t, 30*time.Second, "alice and bob share presence both ways", func() bool {
		alice.ok("roster", "--account", aj, "approve", bj)
		return strings.Contains(alice.ok("roster", "--account", aj, "list"), "both")
	})
	// While Alice is offline: the server keeps it for her.
	if err := bob.Send(ctx, slixtest.Outgoing{To: aj, Type: "chat", ID: "b1", Body: "Did you get the tickets?", ExtraXML: "<markable xmlns='urn:xmpp:chat-markers:0'/>"}); err != nil {
		t.Fatal(err)
	}

	w := aliceWindow(t, alice, aj)
	time.Sleep(time.Second)
	w.click(100, 85) // Bob
	displayed := func(id string) func([]slixtest.Message) bool {
		return func(ms []slixtest.Message) bool {
			for _, m := range ms {
				if m.Displayed == id {
					return true
				}
			}
			return false
		}
	}
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	_, err = bob.Wait(wctx, displayed("b1"))
	wcancel()
	if err != nil {
		t.Fatalf("bob got no displayed marker for his message once alice opened the chat: %v", err)
	}

	w.must("type", "--delay", "15", "Yes, two of them")
	w.keys("Return")
	got, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return hasBody(ms, "Yes, two of them") })
	if err != nil {
		t.Fatal(err)
	}
	mine := withBody(got, "Yes, two of them")
	if !mine.Markable {
		t.Errorf("alice's message reached bob not markable: %s", mine.XML)
	}
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "markers-1-delivered.png"))
	if err := bob.Marker(ctx, aj, mine.ID, "displayed"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "alice's history says read", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", bj), "Yes, two of them [read]")
	})
	time.Sleep(700 * time.Millisecond)
	w.screenshot(shotPath(t, "markers-2-read.png"))
	n := 0
	for _, m := range bob.Messages() {
		if m.Displayed != "" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("bob got %d displayed markers, want 1 (for b1)", n)
	}
	w.stop()
}
