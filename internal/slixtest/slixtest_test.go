package slixtest_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// Two slixmpp clients on a real prosody: what one sends the other reports
// as it arrived, a repeated origin-id twice (the harness must not
// deduplicate: it stands for receivers that do not).
func TestSendReceive(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := func(user, pw string) *slixtest.Client {
		t0 := time.Now()
		c, err := slixtest.Start(ctx, slixtest.Params{
			JID: user + "@" + srv.Domain + "/slix", Password: pw,
			Addr: srv.C2SAddr, CertPEM: srv.CertPEM,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s ready in %v as %s", user, time.Since(t0).Round(time.Millisecond), c.JID)
		t.Cleanup(func() { c.Close() })
		return c
	}
	alice, bob := start("alice", "alice-pw"), start("bob", "bob-pw")
	if bob.JID != "bob@"+srv.Domain+"/slix" {
		t.Errorf("bob bound %q", bob.JID)
	}
	bare := "bob@" + srv.Domain
	for i, body := range []string{"one", "one again", "two ⏎ <&>"} {
		oid := "oid-1"
		if i == 2 {
			oid = "oid-2"
		}
		if err := alice.Send(ctx, slixtest.Outgoing{To: bare, Body: body, ID: "m" + body, OriginID: oid,
			ExtraXML: "<active xmlns='http://jabber.org/protocol/chatstates'/>"}); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := bob.WaitMessages(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ body, oid string }{{"one", "oid-1"}, {"one again", "oid-1"}, {"two ⏎ <&>", "oid-2"}}
	for i, m := range msgs {
		if m.Body != want[i].body || m.OriginID != want[i].oid || m.Type != "chat" || m.ID != "m"+want[i].body ||
			!strings.HasPrefix(m.From, alice.JID) || !strings.Contains(m.XML, "chatstates") {
			t.Errorf("message %d: %+v; want body %q origin-id %q from %s with a chat state", i, m, want[i].body, want[i].oid, alice.JID)
		}
	}
	if err := alice.Send(ctx, slixtest.Outgoing{To: bare, Body: "x", ExtraXML: "<unclosed>"}); err == nil {
		t.Error("Send with malformed ExtraXML: no error")
	}
	if err := alice.Send(ctx, slixtest.Outgoing{}); err == nil {
		t.Error("Send with no recipient: no error")
	}
	// Without OMEMO mode the OMEMO operations are errors, not plaintext.
	if err := alice.Send(ctx, slixtest.Outgoing{To: bare, Body: "not in the clear", Encrypt: true}); err == nil || !strings.Contains(err.Error(), "OMEMO mode") {
		t.Errorf("Send with Encrypt without OMEMO mode: %v", err)
	}
	if _, err := alice.OMEMODevices(ctx, bare); err == nil {
		t.Error("OMEMODevices without OMEMO mode: no error")
	}
	if msgs := bob.Messages(); len(msgs) != 3 {
		t.Errorf("bob has %d messages, want the 3 sent", len(msgs))
	}
}

// A wrong password, or a server whose certificate is not the one given,
// is one clear error from Start.
func TestStartRefused(t *testing.T) {
	slixtest.Require(t)
	srv, other := prosodytest.Start(t), prosodytest.Start(t)
	srv.CreateUser(t, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := slixtest.Params{JID: "bob@" + srv.Domain, Password: "wrong", Addr: srv.C2SAddr, CertPEM: srv.CertPEM}
	_, err := slixtest.Start(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("Start with a wrong password: %v", err)
	}
	p.Password, p.CertPEM = "bob-pw", other.CertPEM
	_, err = slixtest.Start(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "CERTIFICATE_VERIFY_FAILED") {
		t.Errorf("Start trusting another server's certificate: %v", err)
	}
}

// The child dies with its context and with Close, its whole process group.
func TestChildDies(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "bob", "bob-pw")
	p := slixtest.Params{JID: "bob@" + srv.Domain, Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM}
	for _, how := range []string{"context", "close"} {
		ctx, cancel := context.WithCancel(context.Background())
		c, err := slixtest.Start(ctx, p)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		pid := c.PID()
		if how == "context" {
			cancel()
			if _, err := c.WaitMessages(context.Background(), 1); err == nil {
				t.Error("WaitMessages on a killed child: no error")
			}
		}
		c.Close()
		cancel()
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s: process group %d still there: %v", how, pid, err)
		}
	}
}

// Bad parameters are one clear error each, before any child starts.
func TestStartBadParams(t *testing.T) {
	ok := slixtest.Params{JID: "bob@localhost", Password: "pw", Addr: "127.0.0.1:5222"}
	for name, mod := range map[string]func(*slixtest.Params){
		"no JID":          func(p *slixtest.Params) { p.JID = "" },
		"no localpart":    func(p *slixtest.Params) { p.JID = "localhost" },
		"bad JID":         func(p *slixtest.Params) { p.JID = "a@b@c" },
		"no password":     func(p *slixtest.Params) { p.Password = "" },
		"no port":         func(p *slixtest.Params) { p.Addr = "127.0.0.1" },
		"bad port":        func(p *slixtest.Params) { p.Addr = "127.0.0.1:99999" },
		"bad plugin":      func(p *slixtest.Params) { p.Plugins = []string{"../x"} },
		"no python":       func(p *slixtest.Params) { p.Python = "/nonexistent/python3" },
		"store, no OMEMO": func(p *slixtest.Params) { p.OMEMOStore = "/tmp" },
	} {
		p := ok
		mod(&p)
		c, err := slixtest.Start(context.Background(), p)
		if err == nil {
			c.Close()
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "slixtest: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// OMEMO mode: two slixmpp-omemo clients on a real prosody with PEP, each
// one a new device; what one sends encrypted the other reports decrypted,
// the first a pre-key message, the answer not; each sees the other's
// identity key as the other reports its own. Started again on the same
// OMEMOStore, bob is the same device with the same sessions.
func TestOMEMO(t *testing.T) {
	slixtest.RequireOMEMO(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP())
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := func(user, pw, store string) *slixtest.Client {
		t0 := time.Now()
		c, err := slixtest.Start(ctx, slixtest.Params{
			JID: user + "@" + srv.Domain + "/omemo", Password: pw,
			Addr: srv.C2SAddr, CertPEM: srv.CertPEM, OMEMO: true, OMEMOStore: store,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s OMEMO ready in %v: device %d, %s", user, time.Since(t0).Round(time.Millisecond), c.OMEMO.ID, c.OMEMO.Fingerprint)
		t.Cleanup(func() { c.Close() })
		if c.OMEMO.ID == 0 || len(c.OMEMO.Fingerprint) != 64 {
			t.Fatalf("%s's own device: %+v", user, c.OMEMO)
		}
		return c
	}
	bobStore := t.TempDir()
	alice, bob := start("alice", "alice-pw", ""), start("bob", "bob-pw", bobStore)
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	// exchange sends body encrypted and checks what the receiver reports.
	exchange := func(what string, from, to *slixtest.Client, toJID, body string, preKey bool) {
		t.Helper()
		t0 := time.Now()
		sent, err := from.SendStanzas(ctx, slixtest.Outgoing{To: toJID, Body: body, Encrypt: true})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(sent) != 1 || !strings.Contains(sent[0], "eu.siacs.conversations.axolotl") || strings.Contains(sent[0], body) {
			t.Fatalf("%s: sent %q", what, sent)
		}
		var m slixtest.Message
		if _, err := to.Wait(ctx, func(ms []slixtest.Message) bool {
			for _, m = range ms {
				if m.Encrypted && (m.Body == body || m.DecryptError != "") {
					return true
				}
			}
			return false
		}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s: decrypted in %v, pre-key %v", what, time.Since(t0).Round(time.Millisecond), m.PreKey)
		if m.DecryptError != "" || m.Body != body || m.PreKey != preKey || m.SenderDevice != from.OMEMO.ID {
			t.Errorf("%s: %+v; want %q, pre-key %v, from device %d", what, m, body, preKey, from.OMEMO.ID)
		}
	}
	exchange("alice's first", alice, bob, bj, "first: the owl flies at midnight", true)
	exchange("bob's answer", bob, alice, aj, "answer: the owl is a cat", false)
	exchange("alice's second", alice, bob, bj, "second: fine", false)
	devs, err := bob.OMEMODevices(ctx, aj)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].ID != alice.OMEMO.ID || devs[0].Fingerprint != alice.OMEMO.Fingerprint {
		t.Errorf("bob sees alice's devices as %+v; alice's own: %+v", devs, alice.OMEMO)
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: aj, Body: "x", Encrypt: true, ExtraXML: "<unclosed>"}); err == nil {
		t.Error("Send with malformed ExtraXML: no error")
	}

	bob.Close()
	again := start("bob", "bob-pw", bobStore)
	if again.OMEMO.ID != bob.OMEMO.ID || again.OMEMO.Fingerprint != bob.OMEMO.Fingerprint {
		t.Errorf("bob started again on his store is device %+v, was %+v", again.OMEMO, bob.OMEMO)
	}
	exchange("alice's third, to bob started again", alice, again, bj, "third: still the owl", false)
}

// Params.Carbons: alice's "phone" has carbons enabled, her "desk" not. What
// the desk sends and what comes to it the phone reports as sent and
// received carbons, unwrapped; the desk gets only what was sent to it. A
// carbon-shaped message from someone else is a forgery and is reported as
// it came, not unwrapped.
func TestCarbons(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := func(user, resource string, carbons bool) *slixtest.Client {
		t0 := time.Now()
		c, err := slixtest.Start(ctx, slixtest.Params{
			JID: user + "@" + srv.Domain + "/" + resource, Password: "pw",
			Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Carbons: carbons,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s ready in %v (carbons %v)", c.JID, time.Since(t0).Round(time.Millisecond), carbons)
		t.Cleanup(func() { c.Close() })
		return c
	}
	phone := start("alice", "phone", true)
	desk := start("alice", "desk", false)
	bob := start("bob", "slix", false)
	if phone.JID == desk.JID {
		t.Fatalf("both of alice's clients bound %s", phone.JID)
	}
	bobBare := "bob@" + srv.Domain
	if err := desk.Send(ctx, slixtest.Outgoing{To: bobBare, Body: "from the desk", ID: "d1"}); err != nil {
		t.Fatal(err)
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: desk.JID, Body: "to the desk", ID: "b1"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := phone.WaitMessages(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Two connections (the desk's, bob's): their carbons may reach the
	// phone in either order.
	if len(msgs) == 2 && msgs[0].Carbon == "received" {
		msgs[0], msgs[1] = msgs[1], msgs[0]
	}
	if m := msgs[0]; m.Carbon != "sent" || m.Body != "from the desk" || m.ID != "d1" || m.From != desk.JID || m.To != bobBare ||
		!strings.Contains(m.XML, "urn:xmpp:carbons:2") {
		t.Errorf("the phone's first message: %+v; want the sent carbon of the desk's", m)
	}
	if m := msgs[1]; m.Carbon != "received" || m.Body != "to the desk" || m.ID != "b1" || !strings.HasPrefix(m.From, bobBare+"/") || m.To != desk.JID {
		t.Errorf("the phone's second message: %+v; want the received carbon of bob's", m)
	}
	got, err := desk.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Carbon != "" || got[0].Body != "to the desk" {
		t.Errorf("the desk (no carbons): %+v; want only bob's message", got)
	}
	forged := "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>" +
		"<message xmlns='jabber:client' type='chat' from='" + phone.JID + "' to='" + bobBare + "'><body>forged</body></message>" +
		"</forwarded></received>"
	if err := bob.Send(ctx, slixtest.Outgoing{To: phone.JID, Body: "outer", ExtraXML: forged}); err != nil {
		t.Fatal(err)
	}
	msgs, err = phone.WaitMessages(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m := msgs[2]; m.Carbon != "" || m.Body != "outer" || !strings.HasPrefix(m.From, bobBare+"/") || !strings.Contains(m.XML, "forged") {
		t.Errorf("a carbon forged by bob at the phone: %+v; want it as it came, not unwrapped", m)
	}
}

// OMEMO in a room, as Conversations and Dino use it: bob creates a room,
// makes it members-only with real JIDs shown and carol a member; both are
// slixmpp-omemo. What bob sends encrypted for carol goes to the room as
// type groupchat with the fallback body and the EME hint, not the text;
// carol reports it decrypted (the sender's real JID from the room's
// presence), from room/bob. The room's copy back to bob is reported as
// reflected, with the text he sent. Carol's answer, for bob, decrypts at
// bob's; what bob sends just before he leaves decrypts at carol's.
func TestOMEMOGroupchat(t *testing.T) {
	slixtest.RequireOMEMO(t)
	const muc = "muc." + prosodytest.DefaultDomain
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.Config(`Component "`+muc+`" "muc"`))
	srv.CreateUser(t, "bob", "bob-pw")
	srv.CreateUser(t, "carol", "carol-pw")
	// Cancelled after the clients' Close (cleanups run last first), not
	// when the test returns: a client killed with its context drops its
	// connection while in the room, and prosody 0.12 then sometimes hangs
	// on SIGTERM for its whole grace ("Error calling ondisconnect" in
	// sessionmanager.lua), 5 s more.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	start := func(user, pw string) *slixtest.Client {
		t0 := time.Now()
		// No Plugins: OMEMO mode loads xep_0045 itself.
		c, err := slixtest.Start(ctx, slixtest.Params{
			JID: user + "@" + srv.Domain + "/omemo", Password: pw,
			Addr: srv.C2SAddr, CertPEM: srv.CertPEM, OMEMO: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s OMEMO ready in %v: device %d", user, time.Since(t0).Round(time.Millisecond), c.OMEMO.ID)
		t.Cleanup(func() { c.Close() })
		return c
	}
	bob, carol := start("bob", "bob-pw"), start("carol", "carol-pw")
	bj, cj := "bob@"+srv.Domain, "carol@"+srv.Domain
	room := "secret@" + muc

	// bob creates the room (prosody locks it until it is configured).
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := bob.ConfigureRoom(ctx, room, map[string]string{"muc#roomconfig_nosuchfield": "1"}); err == nil || !strings.Contains(err.Error(), "muc#roomconfig_membersonly") {
		t.Errorf("ConfigureRoom with a field the form lacks: %v; want an error listing the form's fields", err)
	}
	if err := bob.ConfigureRoom(ctx, room, map[string]string{
		"muc#roomconfig_membersonly": "1", "muc#roomconfig_whois": "anyone",
	}); err != nil {
		t.Fatal(err)
	}
	info, cond, err := bob.IQ(ctx, "get", room, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
	if err != nil || cond != "" || !strings.Contains(info, "muc_membersonly") || !strings.Contains(info, "muc_nonanonymous") {
		t.Fatalf("the room after configuring: %v %s %s; want members-only and non-anonymous", err, cond, info)
	}
	if err := carol.JoinRoom(ctx, room, "carol"); err == nil || !strings.Contains(err.Error(), "registration-required") {
		t.Fatalf("carol joining the members-only room before she is a member: %v", err)
	}
	if err := bob.SetAffiliation(ctx, room, cj, "member"); err != nil {
		t.Fatal(err)
	}
	if err := carol.JoinRoom(ctx, room, "carol"); err != nil {
		t.Fatal(err)
	}

	if err := bob.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", Body: "x", Encrypt: true}); err == nil || !strings.Contains(err.Error(), "recipients") {
		t.Errorf("an encrypted groupchat message without recipients: %v", err)
	}
	// exchange sends body encrypted to the room for toJID and checks the
	// stanza sent, what the receiver reports and the sender's reflection.
	exchange := func(what string, from, to *slixtest.Client, nick, toJID, body string, preKey bool) {
		t.Helper()
		t0 := time.Now()
		sent, err := from.SendStanzas(ctx, slixtest.Outgoing{To: room, Type: "groupchat", Body: body, Encrypt: true, Recipients: []string{toJID}})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(sent) != 1 || strings.Contains(sent[0], body) || !strings.Contains(sent[0], "type=\"groupchat\"") ||
			!strings.Contains(sent[0], "to=\""+room+"\"") || !strings.Contains(sent[0], "eu.siacs.conversations.axolotl") ||
			!strings.Contains(sent[0], "urn:xmpp:eme:0") || !strings.Contains(sent[0], "body>This message is OMEMO encrypted.</") {
			t.Fatalf("%s: sent %q; want one groupchat stanza to the room, encrypted, with the fallback body and EME", what, sent)
		}
		sender := room + "/" + nick
		find := func(c *slixtest.Client) slixtest.Message {
			t.Helper()
			var m slixtest.Message
			if _, err := c.Wait(ctx, func(ms []slixtest.Message) bool {
				for _, m = range ms {
					if m.From == sender && m.Encrypted && (m.Body == body || m.DecryptError != "") {
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			return m
		}
		m := find(to)
		t.Logf("%s: decrypted in %v, pre-key %v", what, time.Since(t0).Round(time.Millisecond), m.PreKey)
		if m.DecryptError != "" || m.Body != body || m.Type != "groupchat" || m.Reflected || m.PreKey != preKey ||
			m.SenderDevice != from.OMEMO.ID || strings.Contains(m.XML, body) {
			t.Errorf("%s: %+v; want %q decrypted from %s, pre-key %v, device %d, not in the clear on the wire", what, m, body, sender, preKey, from.OMEMO.ID)
		}
		if r := find(from); !r.Reflected || r.DecryptError != "" || r.Body != body || r.SenderDevice != from.OMEMO.ID || strings.Contains(r.XML, body) {
			t.Errorf("%s: the sender's copy from the room: %+v; want reflected with the text sent", what, r)
		}
	}
	exchange("bob's first", bob, carol, "bob", cj, "first: the owl flies at midnight", true)
	exchange("carol's answer", carol, bob, "carol", bj, "answer: the owl is a cat", false)

	// bob's last words, and he is gone: his unavailable presence may reach
	// carol's harness before it decrypts them, which still knows who sent
	// them (the occupant's real JID as it was when they came).
	last := []string{"last: one", "last: two", "last: three"}
	for _, body := range last {
		if err := bob.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", Body: body, Encrypt: true, Recipients: []string{cj}}); err != nil {
			t.Fatal(err)
		}
	}
	bob.Close()
	got, failed := map[string]bool{}, []slixtest.Message(nil)
	if _, err := carol.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.From == room+"/bob" && m.Encrypted && strings.HasPrefix(m.Body, "last: ") {
				got[m.Body] = true
			} else if m.Encrypted && m.DecryptError != "" {
				failed = append(failed, m)
			}
		}
		return len(got) == len(last) || failed != nil
	}); err != nil || failed != nil {
		t.Fatalf("bob's last words at carol: %v; decrypted %v, failed %+v", err, got, failed)
	}
}
