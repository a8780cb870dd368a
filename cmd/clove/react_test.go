package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// historyLine is a `history --json` line with what issue 20 adds.
type historyLine struct {
	jsonMessage
	Outgoing bool   `json:"outgoing"`
	State    string `json:"state"`
}

// wireReply is what a reply stanza carries, as another client reads it.
type wireReply struct {
	Body  string `xml:"body"`
	Reply *struct {
		To string `xml:"to,attr"`
		ID string `xml:"id,attr"`
	} `xml:"urn:xmpp:reply:0 reply"`
	Fallback *struct {
		For  string `xml:"for,attr"`
		Body struct {
			Start int `xml:"start,attr"`
			End   int `xml:"end,attr"`
		} `xml:"body"`
	} `xml:"urn:xmpp:fallback:0 fallback"`
	Reactions *struct {
		ID        string   `xml:"id,attr"`
		Reactions []string `xml:"reaction"`
	} `xml:"urn:xmpp:reactions:0 reactions"`
}

// Replies (XEP-0461) and reactions (XEP-0444) between Clove's command
// line and slixmpp (a client that is not ours), both ways, through a real
// prosody: ids as the XEPs say, a readable fallback body, a new reaction
// set replacing the old, and bad input (a reaction to an unknown id,
// 1,000 emoji in one stanza, a reply to a message that is not there)
// kept bounded or dropped quietly.
func TestReplyReactionSlixmpp(t *testing.T) {
	slixtest.Require(t)
	srv, alice, _, aj, _ := cliPair(t, prosodytest.WithMAM())
	srv.CreateUser(t, "carol", "pw")
	cj := "carol@" + srv.Domain
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// slixmpp with its XEP-0461 and XEP-0444 plugins: they write carol's
	// replies and reactions and read Alice's.
	plugins := []string{"xep_0461", "xep_0444"}
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: cj + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: plugins})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	listen := func(n int) []string {
		t.Helper()
		out := strings.TrimSpace(alice.ok("listen", "--account", aj, "--count", fmt.Sprint(n), "--timeout", "30s", "--json"))
		return strings.Split(out, "\n")
	}
	history := func() map[string]historyLine {
		t.Helper()
		out := alice.ok("history", "--account", aj, "--with", cj, "--json")
		by := map[string]historyLine{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var h historyLine
			if err := json.Unmarshal([]byte(l), &h); err != nil {
				t.Fatalf("history line %q: %v", l, err)
			}
			by[h.ID] = h
		}
		return by
	}
	carolGets := func(n int) (wireReply, slixtest.Message) {
		t.Helper()
		ms, err := carol.WaitMessages(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		var w wireReply
		if err := xml.Unmarshal([]byte(ms[n-1].XML), &w); err != nil {
			t.Fatalf("carol's message %d: %v\n%s", n, err, ms[n-1].XML)
		}
		return w, ms[n-1]
	}

	// Carol writes; Alice replies to it from the command line.
	if err := carol.Send(ctx, slixtest.Outgoing{To: aj, Body: "Shall we meet at noon tomorrow?", ID: "carol-1"}); err != nil {
		t.Fatal(err)
	}
	var first jsonMessage
	if err := json.Unmarshal([]byte(listen(1)[0]), &first); err != nil || first.ID != "carol-1" {
		t.Fatalf("alice's listen: %+v %v", first, err)
	}
	replyID := strings.TrimSpace(alice.ok("send", "--account", aj, "--reply-to", "carol-1", cj, "Yes, noon is fine"))
	w, sm := carolGets(1)
	if w.Reply == nil || w.Reply.ID != "carol-1" || !strings.HasPrefix(w.Reply.To, cj) {
		t.Fatalf("carol got no reply to carol-1 from %s: %+v", cj, w)
	}
	if sm.ReplyID != "carol-1" {
		t.Errorf("slixmpp's XEP-0461 plugin reads reply id %q, want carol-1", sm.ReplyID)
	}
	wantBody := "> Shall we meet at noon tomorrow?\nYes, noon is fine"
	if w.Body != wantBody {
		t.Errorf("the reply's body for clients without replies: %q, want %q", w.Body, wantBody)
	}
	if w.Fallback == nil || w.Fallback.For != "urn:xmpp:reply:0" || w.Fallback.Body.Start != 0 ||
		w.Fallback.Body.End != utf8.RuneCountInString("> Shall we meet at noon tomorrow?\n") {
		t.Errorf("the fallback does not mark the quote: %+v", w.Fallback)
	}

	// Carol replies to Alice's reply with an XEP-0428 fallback as
	// Conversations and Dino write it (slixmpp 1.8's plugin adds none, and
	// names the protoXEP's namespace: raw XML), then reacts with the
	// XEP-0444 plugin.
	quote := "> Yes, noon is fine\n"
	if err := carol.Send(ctx, slixtest.Outgoing{To: aj, ID: "carol-2", Body: quote + "Great, see you 🎉",
		ExtraXML: fmt.Sprintf("<reply xmlns='urn:xmpp:reply:0' to='%s' id='%s'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='%d'/></fallback>",
			aj, replyID, utf8.RuneCountInString(quote))}); err != nil {
		t.Fatal(err)
	}
	react := func(id string, emojis ...string) {
		t.Helper()
		if err := carol.React(ctx, aj, id, emojis); err != nil {
			t.Fatal(err)
		}
	}
	react(replyID, "👍", "🎉")
	lines := listen(2)
	var second jsonMessage
	if err := json.Unmarshal([]byte(lines[0]), &second); err != nil {
		t.Fatal(err)
	}
	if second.Body != "Great, see you 🎉" || second.Reply == nil || second.Reply.ID != replyID || second.Reply.Quote != "Yes, noon is fine" {
		t.Errorf("alice's listen of carol's reply: %s; want the text alone and reply {id %s, quote}", lines[0], replyID)
	}
	var rl jsonReactions
	if err := json.Unmarshal([]byte(lines[1]), &rl); err != nil || rl.Reactions.ID != replyID || strings.Join(rl.Reactions.Emojis, "") != "👍🎉" {
		t.Errorf("alice's listen of carol's reactions: %s (%v)", lines[1], err)
	}

	// A new set replaces the old; bad input: reactions to an unknown id,
	// 1,000 emoji at once, a reply to a message that is not there.
	react(replyID, "❤️")
	react("no-such-message", "👎")
	many := make([]string, 1000)
	for i := range many {
		many[i] = string(rune(0x1F600 + i%80))
	}
	react("carol-1", many...)
	if err := carol.Send(ctx, slixtest.Outgoing{To: aj, ID: "carol-3", Body: "> lost\nreplying to nothing",
		ExtraXML: "<reply xmlns='urn:xmpp:reply:0' id='ghost'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='99999'/></fallback>"}); err != nil {
		t.Fatal(err)
	}
	listen(3) // ❤️, the 1,000 (bounded), the reply to nothing; the unknown id is dropped
	h := history()
	if r := h[replyID].Reactions; len(r) != 1 || r[0].From != cj || strings.Join(r[0].Emojis, "") != "❤️" {
		t.Errorf("carol's new set did not replace the old: %+v", r)
	}
	if r := h["carol-1"].Reactions; len(r) != 1 || len(r[0].Emojis) != 16 {
		t.Errorf("1,000 emoji in one stanza: kept %+v, want the first 16", r)
	}
	ghost := h["carol-3"]
	if ghost.Reply == nil || ghost.Reply.ID != "ghost" || ghost.Body != "> lost\nreplying to nothing" {
		t.Errorf("a reply to a message that is not there (bad fallback range): %+v; want the body whole", ghost)
	}
	if len(h) != 4 { // carol-1, alice's reply, carol-2, carol-3
		t.Errorf("alice's history with carol has %d messages, want 4 (no phantom from reactions): %v", len(h), h)
	}
	if r := h[replyID].Reply; r == nil || r.ID != "carol-1" || h[replyID].Body != "Yes, noon is fine" {
		t.Errorf("alice's own reply in her history: %+v", h[replyID])
	}

	// A reply as slixmpp's XEP-0461 plugin writes it: no fallback.
	if err := carol.SendReply(ctx, slixtest.Outgoing{To: aj, ID: "carol-5", Body: "sounds good"}, aj, replyID); err != nil {
		t.Fatal(err)
	}
	var plain jsonMessage
	if err := json.Unmarshal([]byte(listen(1)[0]), &plain); err != nil || plain.Body != "sounds good" || plain.Reply == nil || plain.Reply.ID != replyID || plain.Reply.To != aj {
		t.Errorf("alice's listen of the plugin's reply: %+v %v", plain, err)
	}

	// Alice reacts from the command line; slixmpp gets her whole set.
	alice.ok("react", "--account", aj, cj, "carol-2", "👍", "😂")
	w, sm = carolGets(2)
	if w.Reactions == nil || w.Reactions.ID != "carol-2" || strings.Join(w.Reactions.Reactions, " ") != "👍 😂" || w.Body != "" {
		t.Errorf("carol got %+v; want reactions 👍 😂 to carol-2 and no body", w.Reactions)
	}
	if sm.ReactionsID != "carol-2" || strings.Join(sm.Reactions, " ") != "👍 😂" {
		t.Errorf("slixmpp's XEP-0444 plugin reads %q %q", sm.ReactionsID, sm.Reactions)
	}
	if r := history()["carol-2"].Reactions; len(r) != 1 || r[0].From != aj {
		t.Errorf("alice's own reactions are not kept: %+v", r)
	}
	// A stranger's reaction, even to a real id of another chat, makes no
	// chat appear: dave reacts, then carol writes (after it, in order).
	srv.CreateUser(t, "dave", "pw")
	dj := "dave@" + srv.Domain
	dave, err := slixtest.Start(ctx, slixtest.Params{JID: dj + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: plugins})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dave.Close() })
	if err := dave.React(ctx, aj, replyID, []string{"💩"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := carol.Send(ctx, slixtest.Outgoing{To: aj, ID: "carol-4", Body: "marker"}); err != nil {
		t.Fatal(err)
	}
	if l := listen(1); !strings.Contains(l[0], `"body":"marker"`) {
		t.Fatalf("alice's listen: %q; want carol's marker (dave's reaction is dropped)", l)
	}
	if all := alice.ok("history", "--account", aj, "--json"); strings.Contains(all, dj) || strings.Contains(all, "💩") {
		t.Errorf("a stranger's reaction left a trace in alice's history: %s", all)
	}
	alice.fails(1, "no message", "react", "--account", aj, cj, "nope", "👍")
	alice.fails(1, "no message", "send", "--account", aj, "--reply-to", "nope", cj, "hi")
}

// With OMEMO on, a reply's text and its quote are inside the encrypted
// body; the <reply/> and <fallback/> travel in the clear (OMEMO 0.3
// encrypts a body only, as Conversations and Dino send it), and so do
// reactions. Bob, also Clove, reads the reply decrypted, quote cut; the
// server's archive holds neither the text nor the quote.
func TestReplyReactionOMEMO(t *testing.T) {
	srv, alice, bob, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	bob.ok("listen", "--account", bj, "--timeout", "2s") // publishes bob's device
	alice.ok("listen", "--account", aj, "--timeout", "2s")
	first := strings.TrimSpace(bob.ok("send", "--account", bj, aj, "the secret place is the old mill"))
	var got jsonMessage
	if err := json.Unmarshal([]byte(alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "20s", "--json")), &got); err != nil || !got.Encrypted || got.ID != first {
		t.Fatalf("alice's listen: %+v %v", got, err)
	}
	alice.ok("send", "--account", aj, "--reply-to", first, bj, "see you at the mill tonight")
	out := strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json"))
	var r jsonMessage
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Encrypted || r.Body != "see you at the mill tonight" || r.Reply == nil || r.Reply.ID != first || r.Reply.Quote != "the secret place is the old mill" {
		t.Errorf("bob's listen of the encrypted reply: %s", out)
	}
	alice.ok("react", "--account", aj, bj, first, "🔒")
	out = bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json")
	if !strings.Contains(out, `"emojis":["🔒"]`) {
		t.Errorf("bob's listen of the reaction: %s", out)
	}
	srv.Stop(t)
	found := srv.AtRest(t, "old mill", "mill tonight", "urn:xmpp:reply:0")
	if found["old mill"] || found["mill tonight"] {
		t.Errorf("the reply's text or quote is readable at the server: %v", found)
	}
	if !found["urn:xmpp:reply:0"] {
		t.Errorf("the reply element (in the clear) is not in the archive: the search is broken")
	}
}
