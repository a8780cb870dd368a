package chat

import (
	"context"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Chat markers (XEP-0333) both ways with slixmpp 1.8's xep_0333 plugin on
// a real prosody: Clove's messages are markable; bob's displayed marker
// for the second of alice's three reads the first two, not the third;
// alice's marker goes for bob's newest markable message, once, only while
// she wants it, never to carol, who does not share presence with her
// (and whose marker reads nothing of bob's chat).
func TestChatMarkersWithSlixmpp(t *testing.T) {
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
	sctx, stop := context.WithCancel(ctx)
	defer func() { stop(); _ = s.Wait() }()
	s.Start(sctx)
	ev := collect(s)
	if err := s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	peer := func(user string) *slixtest.Client {
		c, err := slixtest.Start(ctx, slixtest.Params{JID: user + "@" + srv.Domain + "/slix", Password: user + "-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM,
			Plugins: []string{"xep_0333"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	bob, carol := peer("bob"), peer("carol")
	bj, cj := jid.MustParse("bob@"+srv.Domain), jid.MustParse("carol@"+srv.Domain)
	subscribeBoth(t, ctx, s, ev, bj)

	// Alice's three messages reach bob markable.
	var ids []string
	for _, text := range []string{"one", "two", "three"} {
		id, err := s.Send(ctx, bj, text)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	got, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return hasBody(ms, "three") })
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"one", "two", "three"} {
		if m := withBody(got, text); !m.Markable {
			t.Errorf("%q reached bob not markable: %s", text, m.XML)
		}
	}
	readIDs := func() map[string]bool {
		t.Helper()
		h, err := p.History(ctx, a.JID, bj.String(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, m := range h {
			out[m.OriginID] = m.Read
		}
		return out
	}
	if err := carol.Marker(ctx, a.JID, ids[2], "displayed"); err != nil {
		t.Fatal(err)
	}
	if e := ev.wait(t, 20*time.Second, "carol's marker", func(e xmppclient.Event) bool {
		m, ok := e.(xmppclient.MarkerReceived)
		return ok && m.From.Bare().Equal(cj)
	}).(xmppclient.MarkerReceived); e.ID != "" {
		t.Errorf("carol's marker for a message to bob was taken: %+v", e)
	}
	if err := bob.Marker(ctx, a.JID, ids[1], "displayed"); err != nil {
		t.Fatal(err)
	}
	if e := ev.wait(t, 20*time.Second, "bob's marker", func(e xmppclient.Event) bool {
		m, ok := e.(xmppclient.MarkerReceived)
		return ok && m.From.Bare().Equal(bj)
	}).(xmppclient.MarkerReceived); e.ID != ids[1] {
		t.Errorf("bob's marker told as %+v, want for %s", e, ids[1])
	}
	if r := readIDs(); !r[ids[0]] || !r[ids[1]] || r[ids[2]] {
		t.Errorf("read after bob's marker for the second: %v (ids %v)", r, ids)
	}

	// Bob writes twice, markable; alice has seen them: one marker, for
	// the newest.
	for _, m := range []slixtest.Outgoing{{ID: "b1", Body: "hi alice"}, {ID: "b2", Body: "are you there?"}} {
		m.To, m.Type, m.ExtraXML = a.JID, "chat", `<markable xmlns='urn:xmpp:chat-markers:0'/>`
		if err := bob.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, 20*time.Second, m.Body, func(e xmppclient.Event) bool {
			r, ok := e.(xmppclient.MessageReceived)
			return ok && r.Message.Body == m.Body
		})
	}
	markersAt := func(c *slixtest.Client) []string {
		var out []string
		for _, m := range c.Messages() {
			if m.Displayed != "" {
				out = append(out, m.Displayed)
			}
		}
		return out
	}
	for range 2 {
		if err := s.Displayed(ctx, bj); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Displayed != "" {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}

	// Switched off: nothing more, even for a new message.
	s.SetReadMarkers(false)
	if err := bob.Send(ctx, slixtest.Outgoing{To: a.JID, Type: "chat", ID: "b3", Body: "hello?", ExtraXML: `<markable xmlns='urn:xmpp:chat-markers:0'/>`}); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 20*time.Second, "hello?", func(e xmppclient.Event) bool {
		r, ok := e.(xmppclient.MessageReceived)
		return ok && r.Message.Body == "hello?"
	})
	if err := s.Displayed(ctx, bj); err != nil {
		t.Fatal(err)
	}
	// Carol, who does not share presence with alice: never.
	if err := carol.Send(ctx, slixtest.Outgoing{To: a.JID, Type: "chat", ID: "c1", Body: "from carol", ExtraXML: `<markable xmlns='urn:xmpp:chat-markers:0'/>`}); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 20*time.Second, "from carol", func(e xmppclient.Event) bool {
		r, ok := e.(xmppclient.MessageReceived)
		return ok && r.Message.Body == "from carol"
	})
	s.SetReadMarkers(true)
	if err := s.Displayed(ctx, cj); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // what would have gone has arrived by now
	if got := markersAt(bob); strings.Join(got, ",") != "b2" {
		t.Errorf("bob got markers for %q, want one, for b2", got)
	}
	if got := markersAt(carol); len(got) != 0 {
		t.Errorf("carol got markers for %q", got)
	}
}
