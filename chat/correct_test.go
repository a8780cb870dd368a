package chat

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Last message correction (XEP-0308) with slixmpp on a real prosody:
// slixmpp's correction changes the text in Clove's profile (the first
// text kept), Clove's reaches slixmpp with the right replace id, and
// corrections that may not apply — of somebody else's message, from
// another resource, of an unknown id — change no text and are kept as new
// messages.
func TestCorrectionsWithSlixmpp(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, a := testAccount(t, srv, "alice")
	s, err := p.Session(a, "alice-pw", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	ev := collect(s)
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	bob := slixPeer(t, ctx, srv, "bob", "slix")
	bobPhone := slixPeer(t, ctx, srv, "bob", "phone")
	carol := slixPeer(t, ctx, srv, "carol", "slix")
	bj := jid.MustParse("bob@" + srv.Domain)
	const replace = `<replace xmlns='urn:xmpp:message-correct:0' id='%s'/>`
	received := func(body string) xmppclient.Message {
		t.Helper()
		return ev.wait(t, 20*time.Second, "alice receives "+body, func(e xmppclient.Event) bool {
			m, ok := e.(xmppclient.MessageReceived)
			return ok && m.Body == body
		}).(xmppclient.MessageReceived).Message
	}
	bobsText := func() (body string, edited bool) {
		t.Helper()
		h, err := p.History(ctx, a.JID, bj.String(), 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h {
			if m.OriginID == "b1" {
				return m.Body, m.Edited
			}
		}
		t.Fatalf("bob's message b1 is not in the history: %+v", h)
		return "", false
	}

	send := func(c *slixtest.Client, id, body, extra string) {
		t.Helper()
		if err := c.Send(ctx, slixtest.Outgoing{To: a.JID, ID: id, Body: body, ExtraXML: extra}); err != nil {
			t.Fatal(err)
		}
	}
	send(bob, "b1", "helo wrld", "")
	received("helo wrld")
	send(bob, "b2", "hello world", strings.ReplaceAll(replace, "%s", "b1"))
	if m := received("hello world"); m.Replaces != "b1" {
		t.Errorf("bob's correction told with Replaces %q, want b1", m.Replaces)
	}
	if body, edited := bobsText(); body != "hello world" || !edited {
		t.Errorf("after bob's correction: %q edited=%v", body, edited)
	}

	// Not bob's own message, or not from the same full address, or an id
	// nobody sent: a new message each, b1 unchanged.
	send(carol, "c1", "carol rewrites bob", strings.ReplaceAll(replace, "%s", "b1"))
	send(bobPhone, "p1", "from bob's phone", strings.ReplaceAll(replace, "%s", "b1"))
	send(bob, "b3", "correcting nothing", strings.ReplaceAll(replace, "%s", "no-such-id"))
	send(bob, "b4", "<b>garbage</b>", `<replace xmlns='urn:xmpp:message-correct:0'/>`)
	// Three senders' connections: their messages may arrive in any order
	// (waiting for each in turn passed over one that came early).
	want := map[string]bool{"carol rewrites bob": true, "from bob's phone": true, "correcting nothing": true, "<b>garbage</b>": true}
	for len(want) > 0 {
		m := ev.wait(t, 20*time.Second, "alice receives the four others", func(e xmppclient.Event) bool {
			m, ok := e.(xmppclient.MessageReceived)
			return ok && want[m.Body]
		}).(xmppclient.MessageReceived).Message
		delete(want, m.Body)
		if m.Replaces != "" {
			t.Errorf("%q was told as a correction of %q", m.Body, m.Replaces)
		}
	}
	if body, _ := bobsText(); body != "hello world" {
		t.Errorf("bob's message became %q", body)
	}
	h, _ := p.History(ctx, a.JID, bj.String(), 0, 50)
	if len(h) != 4 { // b1 and three new ones (the phone's, b3, b4)
		t.Errorf("bob's chat holds %d messages, want 4: %+v", len(h), h)
	}
	if h, _ := p.History(ctx, a.JID, "carol@"+srv.Domain, 0, 50); len(h) != 1 || h[0].Body != "carol rewrites bob" {
		t.Errorf("carol's chat: %+v", h)
	}
	orig, err := p.Store().OriginalBody(ctx, h[0].ID) // b1, the oldest
	if err != nil || orig != "helo wrld" {
		t.Errorf("the first text kept: %q, %v", orig, err)
	}

	// Clove corrects its own: slixmpp gets the new text naming the id.
	id, err := s.Send(ctx, bj, "my tpyo")
	if err != nil {
		t.Fatal(err)
	}
	fix, err := s.Correct(ctx, bj, id, "my typo, fixed")
	if err != nil {
		t.Fatal(err)
	}
	got, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return hasBody(ms, "my typo, fixed") })
	if err != nil {
		t.Fatal(err)
	}
	m := withBody(got, "my typo, fixed")
	if m.ID != fix || !strings.Contains(m.XML, "message-correct:0") || !strings.Contains(m.XML, `id="`+id+`"`) {
		t.Errorf("the correction at slixmpp (id %s, replacing %s): %s", fix, id, m.XML)
	}
	h, _ = p.History(ctx, a.JID, bj.String(), 0, 50)
	last := h[len(h)-1]
	if last.OriginID != id || last.Body != "my typo, fixed" || !last.Edited {
		t.Errorf("alice's own message after her correction: %+v", last)
	}
	// Not hers, or unknown: refused before anything is sent.
	if _, err := s.Correct(ctx, bj, "b1", "mine now"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("correcting bob's message: %v, want ErrNotFound", err)
	}
}

// With OMEMO, a correction is encrypted like any message: the contact's
// Clove decrypts it and applies it (the text edited, still marked
// encrypted), and the new text is nowhere at rest on the server.
func TestCorrectionEncrypted(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	bp, ba := testAccount(t, srv, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bs := startRunning(t, ctx, bp, ba, "bob-pw", Options{})
	bs.ready(t)
	as := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
	as.ready(t)
	bob := jid.MustParse(ba.JID)
	encrypted := func(id string) {
		t.Helper()
		as.wait(t, "encrypted "+id, func(ev xmppclient.Event) bool {
			e, ok := ev.(xmppclient.MessageEncrypted)
			return ok && slices.Contains(e.IDs, id)
		})
	}
	id, err := as.s.Send(ctx, bob, "the key is under the red mat")
	if err != nil {
		t.Fatal(err)
	}
	encrypted(id)
	bs.message(t, "the key is under the red mat")
	const fixed = "the key is under the blue mat"
	fix, err := as.s.Correct(ctx, bob, id, fixed)
	if err != nil {
		t.Fatal(err)
	}
	encrypted(fix)
	m := bs.message(t, fixed)
	if !m.Encrypted || m.Replaces != id {
		t.Errorf("bob's copy of the correction: encrypted=%v replaces=%q (want %s)", m.Encrypted, m.Replaces, id)
	}
	h, err := bp.History(ctx, ba.JID, aa.JID, 0, 10)
	if err != nil || len(h) != 1 || h[0].Body != fixed || !h[0].Edited || !h[0].Encrypted {
		t.Errorf("bob's history: %+v, %v", h, err)
	}
	as.close()
	bs.close()
	srv.Stop(t)
	if found := srv.AtRest(t, fixed); found[fixed] {
		t.Errorf("the corrected text is on the server in plaintext")
	}
}
