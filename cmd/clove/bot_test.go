package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The echo bot answers a message that waited for it on the server (sent
// while it was offline) and one sent while it runs, with the same text,
// prints one line per reply, and stops after --count replies.
func TestCLIBotEcho(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "echo", "echo-pw")
	alice, bot := newCLI(t, "alice-pw"), newCLI(t, "echo-pw")
	aj, ej := "alice@"+srv.Domain, "echo@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bot.ok("account", "add", ej, "--server", srv.C2SAddr)

	alice.ok("send", "--account", aj, ej, "hello while you were away")
	done := make(chan result, 1)
	go func() { done <- bot.run("bot", "echo", "--account", ej, "--count", "2", "--timeout", "60s") }()
	for _, body := range []string{"hello while you were away", "and now, live"} {
		if body != "hello while you were away" {
			alice.ok("send", "--account", aj, ej, body)
		}
		out := alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "30s", "--json")
		var m jsonMessage
		if err := json.Unmarshal([]byte(out), &m); err != nil || m.Body != body || !strings.HasPrefix(m.From, ej) {
			t.Fatalf("alice got %q (%v), want %q back from %s", out, err, body, ej)
		}
	}
	r := <-done
	if r.code != 0 {
		t.Fatalf("bot echo: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "outbox") || strings.Contains(r.stderr, "WARN") {
		t.Errorf("bot echo warned about a reply that went well:\n%s", r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "echoed to "+aj+": hello while you were away") || !strings.Contains(lines[1], "and now, live") {
		t.Fatalf("bot echo printed %q, want one line per reply", r.stdout)
	}
}

func TestCLIBotUsage(t *testing.T) {
	c := newCLI(t, "")
	for _, args := range [][]string{{"bot"}, {"bot", "parrot"}, {"bot", "echo"}, {"bot", "echo", "--account", "a@b", "extra"}} {
		c.fails(2, "bot", args...)
	}
}
