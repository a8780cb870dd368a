package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
)

// cli runs clove in-process with its own profile and password.
type cli struct {
	t       *testing.T
	profile string
	pw      string
	dbus    bool     // pretend a D-Bus session (keyring) exists
	stdin   *os.File // standard input (nil: none)
}

type result struct {
	code           int
	stdout, stderr string
}

func (c cli) run(args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		switch {
		case k == "CLOVE_PASSWORD":
			return c.pw
		case k == "DBUS_SESSION_BUS_ADDRESS" && c.dbus:
			return "unix:path=/nonexistent/test-bus"
		}
		return ""
	}
	code := run(context.Background(), append([]string{"--profile", c.profile}, args...), &out, &errb, c.stdin, getenv)
	return result{code, out.String(), errb.String()}
}

func (c cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("clove %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (c cli) fails(code int, want string, args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != code || !strings.Contains(r.stderr, want) {
		c.t.Fatalf("clove %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(args, " "), r.code, r.stderr, code, want)
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); code == 1 && n > 2 {
		c.t.Errorf("error is not short: %q", r.stderr)
	}
	return r
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func newCLI(t *testing.T, pw string) cli {
	return cli{t: t, profile: filepath.Join(t.TempDir(), "profile"), pw: pw}
}

// cliPair starts a prosody (with opts) with users alice and bob, password
// "pw", and gives each a CLI profile with the account added.
func cliPair(t *testing.T, opts ...prosodytest.Option) (srv *prosodytest.Server, alice, bob cli, aj, bj string) {
	t.Helper()
	prosodytest.Require(t)
	srv = prosodytest.Start(t, opts...)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice, bob = newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj = "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	return srv, alice, bob, aj, bj
}

func TestCLIChatBothWays(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithMAM())
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	alice, bob := newCLI(t, "alice-pw"), newCLI(t, "bob-pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain

	r := alice.run("account", "add", aj, "--server", srv.C2SAddr)
	if r.code != 0 || !strings.Contains(r.stderr, "pinned") {
		t.Fatalf("account add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	if out := alice.ok("account", "list"); !strings.Contains(out, aj) || !strings.Contains(out, "pin ") {
		t.Fatalf("account list: %q", out)
	}

	// Bob is offline: the server keeps the message.
	id := strings.TrimSpace(alice.ok("send", "--account", aj, bj, "hello", "bob"))
	if id == "" {
		t.Fatal("send printed no id")
	}
	out := bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json")
	var m jsonMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Body != "hello bob" || !strings.HasPrefix(m.From, aj) || m.ID != id {
		t.Fatalf("listen got %q (%v); want hello bob from %s with id %s", out, err, aj, id)
	}

	// Alice listens while Bob answers.
	var wg sync.WaitGroup
	var got string
	wg.Add(1)
	go func() {
		defer wg.Done()
		got = alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "20s")
	}()
	time.Sleep(500 * time.Millisecond) // let alice come online (offline storage covers a late start)
	bob.ok("send", "--account", bj, aj, "hi alice")
	wg.Wait()
	if !strings.Contains(got, bj+": hi alice") {
		t.Fatalf("alice heard %q", got)
	}

	// History and search, from the profile.
	h := alice.ok("history", "--account", aj, "--with", bj, "--json")
	if strings.Count(h, "\n") != 2 || !strings.Contains(h, "hello bob") || !strings.Contains(h, "hi alice") {
		t.Fatalf("history: %q", h)
	}
	if s := alice.ok("history", "--account", aj, "--search", "hel"); !strings.Contains(s, "hello bob") || strings.Contains(s, "hi alice") {
		t.Fatalf("search: %q", s)
	}
	alice.ok("history", "--account", aj, "--search", `"NEAR( *`)

	// Deleting the chat's history: asked for by name, gone from the
	// history and the search.
	alice.fails(2, "--delete takes --with", "history", "--account", aj, "--delete")
	if out := alice.ok("history", "--account", aj, "--with", bj, "--delete"); !strings.Contains(out, "deleted 2 messages with "+bj) {
		t.Fatalf("history --delete: %q", out)
	}
	if h := alice.ok("history", "--account", aj, "--with", bj); h != "" {
		t.Fatalf("history after --delete: %q", h)
	}
	if s := alice.ok("history", "--account", aj, "--search", "hel"); s != "" {
		t.Fatalf("search after --delete: %q", s)
	}
}

func TestCLIRosterWithApproval(t *testing.T) {
	_, alice, bob, aj, bj := cliPair(t)

	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	bob.ok("roster", "--account", bj, "approve", aj)
	alice.ok("roster", "--account", aj, "approve", bj)
	if out := alice.ok("roster", "--account", aj, "list"); !strings.Contains(out, bj+"\tBob\tboth") {
		t.Fatalf("alice's roster: %q", out)
	}
	if out := bob.ok("roster", "--account", bj); !strings.Contains(out, aj+"\t\tboth") {
		t.Fatalf("bob's roster: %q", out)
	}
	alice.ok("roster", "--account", aj, "remove", bj)
	if out := alice.ok("roster", "--account", aj); strings.Contains(out, bj) {
		t.Fatalf("removed contact still listed: %q", out)
	}
}

func TestCLIOutboxSurvivesDownServer(t *testing.T) {
	srv, alice, bob, aj, bj := cliPair(t)

	srv.Stop(t)
	alice.fails(1, "stays queued in the outbox", "send", "--account", aj, "--timeout", "2s", bj, "written while the server was down")
	srv.Restart(t)
	alice.ok("send", "--account", aj, bj, "second")
	out := bob.ok("listen", "--account", bj, "--count", "2", "--timeout", "20s")
	if !strings.Contains(out, "written while the server was down") || !strings.Contains(out, "second") {
		t.Fatalf("bob got %q", out)
	}
	h := alice.ok("history", "--account", aj, "--json")
	if strings.Count(h, `"state":"sent"`) != 2 {
		t.Fatalf("history after flush: %q", h)
	}
}

// TestCLISendFromStdin: `send TO -` sends one message per line of standard
// input (empty lines skipped), in order, exits 0 once the server acked all
// and prints their ids; with the server down it says how many were acked.
func TestCLISendFromStdin(t *testing.T) {
	srv, alice, bob, aj, bj := cliPair(t)

	const n = 300
	var in strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "line %d <&>\n", i)
		if i == 10 {
			in.WriteString("\n  \n") // skipped
		}
	}
	alice.stdin = stdinFile(t, in.String())
	ids := strings.Fields(alice.ok("send", "--account", aj, bj, "-"))
	if len(ids) != n {
		t.Fatalf("%d ids printed, want %d", len(ids), n)
	}
	out := bob.ok("listen", "--account", bj, "--count", fmt.Sprint(n), "--timeout", "30s", "--json")
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct{ Body, ID string }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, m.Body)
	}
	for i := 0; i < n; i++ {
		if i >= len(got) || got[i] != fmt.Sprintf("line %d <&>", i) {
			t.Fatalf("message %d at bob: %q (of %d)", i, got[min(i, len(got)-1)], len(got))
		}
	}
	h := alice.ok("history", "--account", aj, "--with", bj, "--limit", "1000", "--json")
	if c := strings.Count(h, `"state":"sent"`); c != n {
		t.Fatalf("%d of %d sent messages in alice's history", c, n)
	}

	srv.Stop(t)
	alice.stdin = stdinFile(t, "one\ntwo\n")
	alice.fails(1, "acknowledged 0 of the 2 messages within 2s: the rest stay queued", "send", "--account", aj, "--timeout", "2s", bj, "-")
	alice.stdin = stdinFile(t, "\n\n")
	alice.fails(2, "no message on standard input", "send", "--account", aj, bj, "-")
}

// stdinFile is a file holding text, open for reading, as standard input.
func stdinFile(t *testing.T, text string) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestCLIBadInput(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "right")
	c := newCLI(t, "wrong")
	aj := "alice@" + srv.Domain
	c.fails(2, "unknown command", "frobnicate")
	c.fails(2, "not a valid address", "account", "add", "alice@@bad")
	c.fails(2, "name@server", "account", "add", srv.Domain)
	c.fails(2, "--account", "send", "bob@x", "hi")
	c.fails(1, "wrong address or password", "account", "add", aj, "--server", srv.C2SAddr)
	if out := c.ok("account", "list"); strings.Contains(out, aj) {
		t.Fatal("an account that failed to log in was kept")
	}
	c.fails(1, "no account", "send", "--account", aj, "bob@x", "hi")
	c.fails(1, "could not reach", "account", "add", aj, "--server", "127.0.0.1:1")
	c.fails(2, "--pin", "account", "add", aj, "--pin", "xyz", "--offline")
	nopw := cli{t: t, profile: c.profile}
	nopw.fails(1, "no password", "account", "add", aj, "--server", srv.C2SAddr)
}

func TestCLIKeyring(t *testing.T) {
	prosodytest.Require(t)
	keyring.MockInit() // an in-memory Secret Service stand-in
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	withPW := newCLI(t, "pw")
	withPW.dbus = true
	withPW.ok("account", "add", aj, "--server", srv.C2SAddr, "--remember")
	noPW := cli{t: t, profile: withPW.profile, dbus: true}
	noPW.ok("send", "--account", aj, "--timeout", "10s", bj, "password from the keyring")
	noPW.ok("account", "remove", aj)
	if _, err := keyring.Get("clove", aj); err == nil {
		t.Fatal("the password stayed in the keyring after account remove")
	}
	// Without a D-Bus session the keyring is not touched and the user is told.
	plain := newCLI(t, "pw")
	r := plain.run("account", "add", aj, "--server", srv.C2SAddr, "--remember")
	if r.code != 0 || !strings.Contains(r.stderr, "not saved") {
		t.Fatalf("remember without keyring: %d %q", r.code, r.stderr)
	}
}

func TestCLIRegister(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.AllowRegistration())
	c := newCLI(t, "fresh-pw")
	nj := "newcomer@" + srv.Domain
	r := c.run("register", nj, "--server", srv.C2SAddr)
	if r.code != 0 || !strings.Contains(r.stderr, "pinned") {
		t.Fatalf("register: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if out := c.ok("account", "list"); !strings.Contains(out, nj) {
		t.Fatalf("registered account not in the profile: %q", out)
	}
	other := newCLI(t, "fresh-pw")
	other.fails(1, "already taken", "register", nj, "--server", srv.C2SAddr)
	if out := other.ok("account", "list"); strings.Contains(out, nj) {
		t.Fatal("a failed registration left the account in the profile")
	}
	closed := prosodytest.Start(t)
	other.fails(1, "does not offer account registration", "register", "x@"+closed.Domain, "--server", closed.C2SAddr)
}

func TestCLIDoctor(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: doctor runs i2pd --version and prosodyctl about")
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	c := newCLI(t, "")
	out := c.ok("doctor", "--socks", dead, "--sam", dead)
	for _, want := range []string{"SOCKS", "SAM", "prosody"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("doctor with nothing listening:\n%s", out)
}

func TestCLINodeInitAndStatus(t *testing.T) {
	prosodytest.Require(t)
	c := newCLI(t, "")
	dir := filepath.Join(t.TempDir(), "mynode")
	ports := func() string { return fmt.Sprint(freePort(t)) }
	out := c.ok("node", "init", "--dir", dir, "--c2s-port", ports(), "--s2s-port", ports())
	if !strings.Contains(out, ".b32.i2p") {
		t.Fatalf("node init: %q", out)
	}
	domain, _, _ := strings.Cut(out[strings.Index(out, "domain: ")+len("domain: "):], "\n")
	if st := c.ok("node", "status", "--dir", dir); !strings.Contains(st, domain) {
		t.Fatalf("node status: %q", st)
	}
	c.fails(1, "already exists", "node", "init", "--dir", dir, "--c2s-port", ports(), "--s2s-port", ports())
	c.fails(1, "clove node init", "node", "status", "--dir", t.TempDir())
}

// openTestProfile opens e's profile for a test that reads its store.
func (e *env) openTestProfile(ctx context.Context) (*chat.Profile, *store.Store, error) {
	p, err := e.openProfile(ctx)
	if err != nil {
		return nil, nil, err
	}
	return p, p.Store(), nil
}

// Blocking (XEP-0191) from the command line against a real prosody: what
// bob sends while alice blocks him never reaches her; after unblocking it
// does. The blocklist is listed.
func TestCLIBlockAndUnblock(t *testing.T) {
	_, alice, bob, aj, bj := cliPair(t)
	var wg sync.WaitGroup
	var got string
	wg.Add(1)
	go func() {
		defer wg.Done()
		got = alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "30s")
	}()
	time.Sleep(500 * time.Millisecond) // alice comes online
	if out := alice.ok("roster", "--account", aj, "block", bj); !strings.Contains(out, "block "+bj+": done") {
		t.Fatalf("block: %q", out)
	}
	if out := alice.ok("roster", "--account", aj, "blocked"); strings.TrimSpace(out) != bj {
		t.Fatalf("the blocklist: %q; want %s", out, bj)
	}
	bob.run("send", "--account", bj, "--timeout", "5s", aj, "sent while blocked")
	alice.ok("roster", "--account", aj, "unblock", bj)
	if out := alice.ok("roster", "--account", aj, "blocked"); strings.TrimSpace(out) != "" {
		t.Fatalf("the blocklist after unblocking: %q", out)
	}
	bob.ok("send", "--account", bj, aj, "sent after unblocking")
	wg.Wait()
	if !strings.Contains(got, "sent after unblocking") || strings.Contains(got, "while blocked") {
		t.Fatalf("alice heard %q; want only the message sent after unblocking", got)
	}
	alice.fails(2, "takes one address", "roster", "--account", aj, "block")
}
