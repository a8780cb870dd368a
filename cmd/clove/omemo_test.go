package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
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

// A hostile sender (slixmpp logged in as bob, writing <encrypted> elements
// by hand): each garbled, truncated, misaddressed or oversized one reaches
// alice as one "could not decrypt: …" line saying why, never as the
// fallback text; nothing crashes, and a normal message after them arrives.
func TestOMEMOHostileSender(t *testing.T) {
	slixtest.Require(t)
	srv, alice, _, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	alice.ok("listen", "--account", aj, "--timeout", "2s") // publishes alice's device
	own := strings.Fields(alice.ok("omemo", "--account", aj, "fingerprints"))
	if len(own) != 3 {
		t.Fatalf("alice's own key: %q", own)
	}
	dev := own[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mallory, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/hostile", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.Close()
	el := hostileElements(dev)
	const fallback = hostileFallback
	cases := []struct{ name, xml, want string }{
		{"garbage key from an unknown device", el["garbage key"], "malformed"},
		{"not for this device", el["not for this device"], "not encrypted for this device"},
		{"no iv", el["no iv"], "malformed"},
		{"payload not base64", el["payload not base64"], "malformed"},
		{"garbage pre-key message", el["garbage pre-key message"], ""},
		{"1,001 keys", el["1,001 keys"], "malformed"},
		{"empty element", el["empty element"], "malformed"},
	}
	for i, c := range cases {
		if err := mallory.Send(ctx, slixtest.Outgoing{To: aj, Body: fallback, ID: fmt.Sprintf("bad%d", i), ExtraXML: c.xml}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	if err := mallory.Send(ctx, slixtest.Outgoing{To: aj, Body: "still here, in plain text", ID: "good"}); err != nil {
		t.Fatal(err)
	}
	out := alice.ok("listen", "--account", aj, "--count", fmt.Sprint(len(cases)+1), "--timeout", "30s", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(cases)+1 {
		t.Fatalf("alice got %d messages, want %d:\n%s", len(lines), len(cases)+1, out)
	}
	for i, line := range lines {
		var m jsonMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if i == len(cases) {
			if m.Body != "still here, in plain text" || m.Encrypted {
				t.Errorf("the normal message after them: %s", line)
			}
			continue
		}
		c := cases[i]
		t.Logf("%s: %s", c.name, m.Body)
		if !m.Encrypted || !strings.HasPrefix(m.Body, "could not decrypt: ") || strings.Contains(m.Body, fallback) || !strings.Contains(m.Body, c.want) {
			t.Errorf("%s: %s; want encrypted, \"could not decrypt: …%s…\"", c.name, line, c.want)
		}
	}
}

// hostileFallback is the body a hostile sender puts beside its elements:
// the fallback text, never to be shown.
const hostileFallback = "I sent you an OMEMO encrypted message"

// hostileElements are hand-written <encrypted> elements for device dev
// (sid 4242, which nobody has), by name: what a hostile or broken sender
// may write.
func hostileElements(dev string) map[string]string {
	b64 := func(n int, c byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{c}, n)) }
	enc := func(header, payload string) string {
		return `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='4242'>` + header + `</header>` + payload + `</encrypted>`
	}
	iv := `<iv>` + b64(12, 7) + `</iv>`
	payload := `<payload>` + b64(16, 9) + `</payload>`
	var many strings.Builder
	for i := range 1001 {
		fmt.Fprintf(&many, `<key rid='%d'>%s</key>`, i+1, b64(8, 1))
	}
	return map[string]string{
		"garbage key":             enc(`<key rid='`+dev+`'>`+b64(40, 3)+`</key>`+iv, payload),
		"not for this device":     enc(`<key rid='1'>`+b64(40, 3)+`</key>`+iv, payload),
		"no iv":                   enc(`<key rid='`+dev+`'>`+b64(40, 3)+`</key>`, payload),
		"payload not base64":      enc(`<key rid='`+dev+`'>`+b64(40, 3)+`</key>`+iv, `<payload>!!not base64!!</payload>`),
		"garbage pre-key message": enc(`<key prekey='true' rid='`+dev+`'>`+b64(40, 0xff)+`</key>`+iv, payload),
		"1,001 keys":              enc(many.String()+iv, payload),
		"empty element":           `<encrypted xmlns='eu.siacs.conversations.axolotl'/>`,
	}
}
