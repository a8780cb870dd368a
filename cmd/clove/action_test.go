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

// XEP-0245: slixmpp sends "/me waves"; `listen` prints the action line
// "* bob@… waves", `history` too, and --json keeps the body as sent.
// Clove's own "/me …" goes out as typed.
func TestCLIMeAction(t *testing.T) {
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
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()

	out := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- alice.runCtx(ctx, out, "listen", "--account", aj, "--count", "2", "--timeout", "60s")
	}()
	time.Sleep(1500 * time.Millisecond) // alice online
	for _, body := range []string{"/me waves", "/meow"} {
		if err := bob.Send(ctx, slixtest.Outgoing{To: aj, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if code := <-done; code != 0 {
		t.Fatalf("listen exited %d: %s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " * "+bj+" waves") || !strings.HasSuffix(lines[1], " "+bj+": /meow") {
		t.Errorf("listen printed %q; want the action line \"* %s waves\", then \"%s: /meow\"", lines, bj, bj)
	}

	h := alice.ok("history", "--account", aj, "--with", bj)
	if !strings.Contains(h, "< "+bj+": * "+bj+" waves [received]") {
		t.Errorf("history:\n%s", h)
	}
	var got map[string]any
	hj := strings.Split(strings.TrimSpace(alice.ok("history", "--account", aj, "--with", bj, "--json")), "\n")
	if err := json.Unmarshal([]byte(hj[0]), &got); err != nil || got["body"] != "/me waves" {
		t.Errorf("history --json: %q (%v); want the body /me waves as sent", hj, err)
	}

	// Ours goes as typed, and shows as ours.
	alice.ok("send", "--account", aj, bj, "/me waves back")
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool { return len(ms) >= 1 })
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Body != "/me waves back" {
		t.Errorf("slixmpp received %q, want /me waves back", ms[0].Body)
	}
	if h := alice.ok("history", "--account", aj, "--with", bj); !strings.Contains(h, "> "+bj+": * "+aj+" waves back") {
		t.Errorf("history after sending:\n%s", h)
	}
}
