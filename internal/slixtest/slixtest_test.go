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
		"no JID":       func(p *slixtest.Params) { p.JID = "" },
		"no localpart": func(p *slixtest.Params) { p.JID = "localhost" },
		"bad JID":      func(p *slixtest.Params) { p.JID = "a@b@c" },
		"no password":  func(p *slixtest.Params) { p.Password = "" },
		"no port":      func(p *slixtest.Params) { p.Addr = "127.0.0.1" },
		"bad port":     func(p *slixtest.Params) { p.Addr = "127.0.0.1:99999" },
		"bad plugin":   func(p *slixtest.Params) { p.Plugins = []string{"../x"} },
		"no python":    func(p *slixtest.Params) { p.Python = "/nonexistent/python3" },
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
