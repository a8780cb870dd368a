package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// Chat states and corrections in the real window, with slixmpp as Bob:
// his typing shows in the chat's header; 30 s of typing in the composer
// reach him as one "composing"; a pause as "paused"; Up in the empty
// composer edits the last message, Enter sends the correction (the row
// shows "(edited)"), and his correction changes his row.
func TestGUIChatStatesAndCorrectionUnderXvfb(t *testing.T) {
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
	// slixmpp approves a subscription request and asks back by itself.
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0085", "xep_0308"}})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	waitUntil(t, 30*time.Second, "alice and bob share presence both ways", func() bool {
		alice.ok("roster", "--account", aj, "approve", bj)
		return strings.Contains(alice.ok("roster", "--account", aj, "list"), "both")
	})

	w := aliceWindow(t, alice, aj)
	time.Sleep(time.Second)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // Bob
	time.Sleep(700 * time.Millisecond)
	const cs = "http://jabber.org/protocol/chatstates"
	if err := bob.Send(ctx, slixtest.Outgoing{To: aj, ID: "b1", Body: "hi Alice, are you there?", ExtraXML: "<active xmlns='" + cs + "'/>"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := bob.Send(ctx, slixtest.Outgoing{To: aj, ExtraXML: "<composing xmlns='" + cs + "'/>"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	w.screenshot(screenshotPath(t, "chatstate-typing.png"))

	// 30 s of typing (xdotool's --delay 280 gives a key every ~150 ms
	// here: it waits half the delay after a key's press and half after
	// its release).
	text := strings.Repeat("typing along ", 16)[:200]
	start := time.Now()
	w.must("type", "--window", w.id, "--delay", "280", text)
	typed := time.Since(start)
	states := chatStatesAt(bob)
	t.Logf("typed %d characters in %.1f s: %d chat-state stanzas at slixmpp: %v", len(text), typed.Seconds(), len(states), stateNames(states))
	if len(states) != 1 || stateNames(states)[0] != "composing" {
		t.Errorf("want one composing for the whole typing, got %v", stateNames(states))
	}
	w.keys("Return")
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return hasBody(ms, text) })
	if err != nil {
		t.Fatal(err)
	}
	sent := withBody(ms, text)

	// A pause: "paused" 5 s after the last key; emptied: "active".
	w.must("type", "--window", w.id, "--delay", "50", "hmm")
	time.Sleep(6500 * time.Millisecond)
	w.keys("ctrl+a", "BackSpace")
	time.Sleep(time.Second)
	if got := stateNames(chatStatesAt(bob)); strings.Join(got, " ") != "composing composing paused active" {
		t.Errorf("after a message, a pause and emptying the composer: %v", got)
	}

	// Up in the empty composer: the last message to edit.
	w.keys("Up")
	w.screenshot(screenshotPath(t, "correction-editing.png"))
	w.keys("ctrl+a")
	w.must("type", "--window", w.id, "--delay", "20", "typing along, corrected")
	w.keys("Return")
	ms, err = bob.Wait(ctx, func(ms []slixtest.Message) bool { return hasBody(ms, "typing along, corrected") })
	if err != nil {
		t.Fatal(err)
	}
	if m := withBody(ms, "typing along, corrected"); !strings.Contains(m.XML, "message-correct:0") || !strings.Contains(m.XML, `id="`+sent.ID+`"`) {
		t.Errorf("the correction at slixmpp does not replace %s: %s", sent.ID, m.XML)
	}
	// Bob corrects his.
	if err := bob.Send(ctx, slixtest.Outgoing{To: aj, ID: "b2", Body: "hi Alice, still there?", ExtraXML: "<replace xmlns='urn:xmpp:message-correct:0' id='b1'/>"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "correction-edited.png"))
	h := alice.ok("history", "--account", aj, "--with", bj, "--json")
	if !strings.Contains(h, `"body":"typing along, corrected","id":"`+sent.ID+`"`) || !strings.Contains(h, `"body":"hi Alice, still there?","id":"b1"`) || strings.Count(h, `"edited":true`) != 2 {
		t.Errorf("alice's history after both corrections:\n%s", h)
	}
	w.stop()
}

// chatStatesAt are the chat-state-only messages c received.
func chatStatesAt(c *slixtest.Client) []slixtest.Message {
	var out []slixtest.Message
	for _, m := range c.Messages() {
		if m.Body == "" && strings.Contains(m.XML, "http://jabber.org/protocol/chatstates") {
			out = append(out, m)
		}
	}
	return out
}

// stateNames names the chat state of each message.
func stateNames(ms []slixtest.Message) []string {
	var out []string
	for _, m := range ms {
		for _, st := range []string{"composing", "paused", "active", "inactive", "gone"} {
			if strings.Contains(m.XML, ":"+st+" ") || strings.Contains(m.XML, "<"+st+" ") {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

func hasBody(ms []slixtest.Message, body string) bool { return withBody(ms, body).Body != "" }

func withBody(ms []slixtest.Message, body string) slixtest.Message {
	for _, m := range ms {
		if m.Body == body {
			return m
		}
	}
	return slixtest.Message{}
}
