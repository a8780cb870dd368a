package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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

	// Fingerprints: alice's own device as bob's profile saw it, trusted
	// blindly; trust and distrust change it.
	own := strings.Fields(alice.ok("omemo", "--account", aj, "fingerprints"))
	if len(own) != 3 || own[2] != "own" || len(own[1]) != 64 {
		t.Fatalf("alice's own fingerprint line: %q", own)
	}
	seen := strings.TrimSpace(bob.ok("omemo", "--account", bj, "fingerprints", aj))
	if want := own[0] + " " + own[1] + " blind"; seen != want {
		t.Fatalf("bob sees alice's devices as %q, want %q", seen, want)
	}
	bob.ok("omemo", "--account", bj, "trust", aj, own[1])
	if seen := bob.ok("omemo", "--account", bj, "fingerprints", aj); !strings.HasSuffix(strings.TrimSpace(seen), " verified") {
		t.Errorf("after trust: %q", seen)
	}
	bob.ok("omemo", "--account", bj, "distrust", aj, own[1])
	if seen := bob.ok("omemo", "--account", bj, "fingerprints", aj); !strings.HasSuffix(strings.TrimSpace(seen), " distrusted") {
		t.Errorf("after distrust: %q", seen)
	}
	bob.fails(2, "fingerprint", "omemo", "--account", bj, "trust", aj, "12ab")
	bob.fails(1, "no device", "omemo", "--account", bj, "trust", aj, strings.Repeat("ab", 32))
}

// The account's require-encryption option: a message to a contact with no
// OMEMO device fails (exit 1, saying why) instead of going out readable;
// --plain is refused; to a contact with devices it goes out encrypted.
func TestCLIRequireEncryption(t *testing.T) {
	srv, alice, bob, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	srv.CreateUser(t, "carol", "pw") // never logged in: no OMEMO device
	cj := "carol@" + srv.Domain
	bob.ok("listen", "--account", bj, "--timeout", "2s") // publishes bob's device
	if out := alice.ok("account", "set", aj, "require-encryption", "on"); !strings.Contains(out, "require-encryption on") {
		t.Fatalf("account set: %q", out)
	}
	if out := alice.ok("account", "list"); !strings.Contains(out, "sends nothing unencrypted") {
		t.Errorf("account list does not show the option: %q", out)
	}
	start := time.Now()
	r := alice.fails(1, "sends nothing unencrypted", "send", "--account", aj, "--timeout", "20s", cj, "for carol's eyes only")
	t.Logf("refused in %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(r.stderr))
	alice.fails(1, "plaintext refused", "send", "--account", aj, "--plain", bj, "plain to bob")
	alice.ok("send", "--account", aj, bj, "encrypted to bob")
	var m jsonMessage
	for _, line := range strings.Split(strings.TrimSpace(alice.ok("history", "--account", aj, "--with", bj, "--json")), "\n") {
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m.Body != "encrypted to bob" || !m.Encrypted {
			t.Errorf("alice's history with bob: %s", line)
		}
	}
	// Nothing reached carol in the clear.
	carol := newCLI(t, "pw")
	carol.ok("account", "add", cj, "--server", srv.C2SAddr)
	if out := carol.ok("listen", "--account", cj, "--timeout", "3s"); strings.Contains(out, "carol's eyes") {
		t.Errorf("carol got the refused message: %q", out)
	}
	alice.ok("account", "set", aj, "require-encryption", "off")
	alice.fails(2, "require-encryption on|off", "account", "set", aj, "require-encryption", "maybe")
}
