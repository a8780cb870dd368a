package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// TestCLIDirectTLS: `account add --direct-tls --server HOST:PORT` logs in
// on prosody's direct TLS port (XEP-0368) and pins the certificate there;
// send and listen use the saved setting; register works over it; the
// STARTTLS port given as direct TLS and --direct-tls without --server fail
// with one clear line each.
func TestCLIDirectTLS(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithDirectTLS(), prosodytest.AllowRegistration())
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain

	r := alice.run("account", "add", aj, "--direct-tls", "--server", srv.DirectTLSAddr)
	if r.code != 0 || !strings.Contains(r.stderr, "pinned") {
		t.Fatalf("account add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if out := alice.ok("account", "list"); !strings.Contains(out, "direct TLS") || !strings.Contains(out, "pin ") {
		t.Fatalf("account list: %q", out)
	}
	bob.ok("account", "add", bj, "--direct-tls", "--server", srv.DirectTLSAddr)

	id := strings.TrimSpace(alice.ok("send", "--account", aj, bj, "hello over direct TLS"))
	out := bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json")
	var m jsonMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Body != "hello over direct TLS" || m.ID != id {
		t.Fatalf("listen got %q (%v); want the message %s", out, err, id)
	}

	nc := newCLI(t, "fresh-pw")
	if r := nc.run("register", "newcomer@"+srv.Domain, "--direct-tls", "--server", srv.DirectTLSAddr); r.code != 0 {
		t.Fatalf("register over direct TLS: %d %q %q", r.code, r.stdout, r.stderr)
	}

	wrong := newCLI(t, "pw")
	wrong.fails(1, "did not answer with TLS", "account", "add", aj, "--direct-tls", "--server", srv.C2SAddr)
	wrong.fails(2, "--direct-tls needs", "account", "add", aj, "--direct-tls")
}
