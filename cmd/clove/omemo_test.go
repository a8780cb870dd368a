package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The CLI contract of issue 18: send encrypts to a contact with OMEMO
// devices, --plain does not, listen --json and history --json say which.
func TestCLIOMEMOSendListenHistory(t *testing.T) {
	_, alice, bob, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	// Bob's first session publishes his device (listen until the timeout).
	bob.ok("listen", "--account", bj, "--timeout", "2s")

	alice.ok("send", "--account", aj, bj, "cli secret: the key is under the mat")
	alice.ok("send", "--account", aj, "--plain", bj, "cli plain: hello")
	out := bob.ok("listen", "--account", bj, "--count", "2", "--timeout", "20s", "--json")
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m jsonMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("listen line %q: %v", line, err)
		}
		if !strings.Contains(line, `"encrypted":`) {
			t.Errorf("listen line without \"encrypted\": %s", line)
		}
		got[m.Body] = m.Encrypted
	}
	if enc, ok := got["cli secret: the key is under the mat"]; !ok || !enc {
		t.Errorf("the OMEMO message: got %v (listen: %s)", got, out)
	}
	if enc, ok := got["cli plain: hello"]; !ok || enc {
		t.Errorf("the --plain message: got %v (listen: %s)", got, out)
	}
	for _, h := range []struct {
		who       cli
		acc, with string
	}{{bob, bj, aj}, {alice, aj, bj}} {
		lines := strings.Split(strings.TrimSpace(h.who.ok("history", "--account", h.acc, "--with", h.with, "--json")), "\n")
		for _, line := range lines {
			var m jsonMessage
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("history line %q: %v", line, err)
			}
			if want := strings.HasPrefix(m.Body, "cli secret"); m.Encrypted != want {
				t.Errorf("%s's history: %s (encrypted want %v)", h.acc, line, want)
			}
		}
		if len(lines) != 2 {
			t.Errorf("%s's history: %d lines, want 2", h.acc, len(lines))
		}
	}
}
