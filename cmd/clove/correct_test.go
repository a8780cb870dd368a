package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// clove send --correct and the JSON of listen and history, with slixmpp
// as the other party: slixmpp receives the correction naming the id send
// printed, and the sender's history (a fresh start of the profile) shows
// the new text marked edited; slixmpp's correction shows in listen --json
// as "replaces" and in the history as the corrected text. An id that is
// not the sender's own message fails with one line.
func TestCLICorrection(t *testing.T) {
	slixtest.Require(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice := newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0085", "xep_0308"}})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()

	id := strings.TrimSpace(alice.ok("send", "--account", aj, bj, "see you at 5"))
	fix := strings.TrimSpace(alice.ok("send", "--account", aj, "--correct", id, bj, "see you at 6"))
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return len(ms) >= 2 })
	if err != nil {
		t.Fatal(err)
	}
	if m := ms[1]; m.ID != fix || m.Body != "see you at 6" || !strings.Contains(m.XML, "urn:xmpp:message-correct:0") || !strings.Contains(m.XML, `id="`+id+`"`) {
		t.Errorf("slixmpp received %s; want a correction %s of %s", m.XML, fix, id)
	}
	h := strings.TrimSpace(alice.ok("history", "--account", aj, "--with", bj, "--json"))
	if strings.Count(h, "\n") != 0 || !strings.Contains(h, `"body":"see you at 6"`) || !strings.Contains(h, `"edited":true`) || !strings.Contains(h, `"id":"`+id+`"`) {
		t.Errorf("alice's history --json after her correction:\n%s", h)
	}
	if h := alice.ok("history", "--account", aj, "--with", bj); !strings.Contains(h, "see you at 6 [sent, edited]") && !strings.Contains(h, "see you at 6 [delivered, edited]") {
		t.Errorf("alice's history:\n%s", h)
	}

	// slixmpp corrects its message: listen --json says which it replaces.
	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	out := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- alice.runCtx(lctx, out, "listen", "--account", aj, "--json", "--count", "2", "--timeout", "60s")
	}()
	time.Sleep(1500 * time.Millisecond) // alice online
	const repl = `<replace xmlns='urn:xmpp:message-correct:0' id='b1'/>`
	if err := bob.Send(ctx, slixtest.Outgoing{To: aj, ID: "b1", Body: "at 6 then"}); err != nil {
		t.Fatal(err)
	}
	if err := bob.Send(ctx, slixtest.Outgoing{To: aj, ID: "b2", Body: "at 6 then, fine", ExtraXML: repl}); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("listen exited %d: %s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("listen --json: %v: %q", err, out.String())
	}
	if got["replaces"] != "b1" || got["body"] != "at 6 then, fine" {
		t.Errorf("listen --json printed %v; want replaces b1", got)
	}
	h = alice.ok("history", "--account", aj, "--with", bj, "--json")
	if !strings.Contains(h, `"body":"at 6 then, fine","id":"b1"`) || strings.Contains(h, `"id":"b2"`) {
		t.Errorf("alice's history --json after bob's correction:\n%s", h)
	}

	alice.fails(1, "no message of yours", "send", "--account", aj, "--correct", "b1", bj, "x")
	alice.fails(2, "--correct", "send", "--account", aj, "--correct", id, "--file", "/etc/hostname", bj)
}
