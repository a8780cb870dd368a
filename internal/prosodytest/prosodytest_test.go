package prosodytest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/mux"
	"mellium.im/xmpp/stanza"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// chatMessage is a message with its body; stanza.Message has no body field.
type chatMessage struct {
	stanza.Message
	Body string `xml:"body"`
}

// client is a logged-in mellium session whose incoming chat messages arrive
// on msgs.
type client struct {
	*xmpp.Session
	msgs     chan chatMessage
	served   chan struct{} // closed when Serve has returned
	serveErr error         // Serve's result, once served is closed
}

// login dials s and logs in as j. It checks on the way that the server
// presents the certificate s.CertFingerprint names.
func login(t testing.TB, s *prosodytest.Server, j jid.JID, password string) (*xmpp.Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := net.DialTimeout("tcp", s.C2SAddr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	cfg := s.TLSConfig()
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		sum := sha256.Sum256(cs.PeerCertificates[0].RawSubjectPublicKeyInfo)
		if got := hex.EncodeToString(sum[:]); got != s.CertFingerprint {
			return fmt.Errorf("server SPKI sha256 %s, want %s", got, s.CertFingerprint)
		}
		return nil
	}
	sess, err := xmpp.NewClientSession(ctx, j, conn,
		xmpp.StartTLS(cfg),
		xmpp.SASL("", password, sasl.ScramSha256, sasl.ScramSha1, sasl.Plain),
		xmpp.BindResource(),
	)
	if err != nil {
		conn.Close()
		return nil, err
	}
	t.Cleanup(func() {
		sess.Close()
		conn.Close()
	})
	return sess, nil
}

// online logs in, serves the session and sends initial presence.
func online(t testing.TB, s *prosodytest.Server, j jid.JID, password string) *client {
	t.Helper()
	sess, err := login(t, s, j, password)
	if err != nil {
		t.Fatalf("login %s: %v", j, err)
	}
	c := &client{Session: sess, msgs: make(chan chatMessage, 16), served: make(chan struct{})}
	h := mux.New(stanza.NSClient,
		mux.MessageFunc(stanza.ChatMessage, xml.Name{Local: "body"}, func(_ stanza.Message, r xmlstream.TokenReadEncoder) error {
			var m chatMessage
			if err := xml.NewTokenDecoder(r).Decode(&m); err != nil {
				return err
			}
			c.msgs <- m // never block the read loop for long: buffered
			return nil
		}),
	)
	go func() {
		defer close(c.served)
		c.serveErr = sess.Serve(h)
	}()
	// Cleanups run last-registered first, so this one must close the
	// session itself before it waits for Serve to return.
	t.Cleanup(func() {
		sess.Close()
		sess.Conn().Close()
		<-c.served
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sess.Send(ctx, stanza.Presence{}.Wrap(nil)); err != nil {
		t.Fatalf("initial presence for %s: %v", j, err)
	}
	return c
}

func (c *client) send(t testing.TB, to jid.JID, body string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.Encode(ctx, chatMessage{Message: stanza.Message{To: to, Type: stanza.ChatMessage}, Body: body})
	if err != nil {
		t.Fatalf("send to %s: %v", to, err)
	}
}

func (c *client) expect(t testing.TB, from jid.JID, body string) {
	t.Helper()
	select {
	case m := <-c.msgs:
		if m.Body != body || !m.From.Bare().Equal(from) {
			t.Fatalf("got %q from %s, want %q from %s", m.Body, m.From, body, from)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no message %q from %s within 5 s", body, from)
	}
}

func TestMessageBetweenTwoUsers(t *testing.T) {
	t.Parallel()
	s := prosodytest.Start(t)
	alice := s.CreateUser(t, "alice", "alice-secret")
	bob := s.CreateUser(t, "bob", "bob secret with spaces ")

	a := online(t, s, alice, "alice-secret")
	b := online(t, s, bob, "bob secret with spaces ")
	a.send(t, bob, "hello bob")
	b.expect(t, alice, "hello bob")
	b.send(t, alice, "hi alice")
	a.expect(t, bob, "hi alice")
}

// TraceStanzas logs stanzas whole, also when the log is at info level: a
// message's body, which prosody's own debug lines never show.
func TestTraceStanzas(t *testing.T) {
	t.Parallel()
	s := prosodytest.Start(t, prosodytest.TraceStanzas(), prosodytest.LogLevel("info"))
	alice := s.CreateUser(t, "alice", "alice-secret")
	bob := s.CreateUser(t, "bob", "bob-secret")
	a := online(t, s, alice, "alice-secret")
	b := online(t, s, bob, "bob-secret")
	a.send(t, bob, "traced words")
	b.expect(t, alice, "traced words")
	log, err := os.ReadFile(s.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TRACE OUT <stream:features>", "TRACE IN <message", "TRACE OUT <message", "<body>traced words</body>"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("the log has no %q", want)
		}
	}
}

func TestWrongPasswordFails(t *testing.T) {
	t.Parallel()
	s := prosodytest.Start(t)
	alice := s.CreateUser(t, "alice", "right")
	if _, err := login(t, s, alice, "wrong"); err == nil {
		t.Fatal("login with a wrong password succeeded")
	} else {
		t.Logf("wrong password: %v", err)
	}
	nobody, _ := jid.New("nobody", s.Domain, "")
	if _, err := login(t, s, nobody, "right"); err == nil {
		t.Fatal("login as a user that does not exist succeeded")
	}
	if _, err := login(t, s, alice, "right"); err != nil {
		t.Fatalf("right password after failures: %v", err)
	}
}

func TestRestartKeepsUsersPortAndCert(t *testing.T) {
	t.Parallel()
	s := prosodytest.Start(t)
	alice := s.CreateUser(t, "alice", "pw-a")
	bob := s.CreateUser(t, "bob", "pw-b")
	addr, fp := s.C2SAddr, s.CertFingerprint

	// A message to an offline user survives the restart too (mod_offline).
	a := online(t, s, alice, "pw-a")
	a.send(t, bob, "while you were out")
	time.Sleep(50 * time.Millisecond) // let prosody store it before SIGTERM

	s.Restart(t)
	// Stop is graceful: the online client is told why its stream ended.
	select {
	case <-a.served:
		if a.serveErr == nil || !strings.Contains(a.serveErr.Error(), "system-shutdown") {
			t.Errorf("online client's session ended with %v, want a system-shutdown stream error", a.serveErr)
		}
	case <-time.After(5 * time.Second):
		t.Error("online client's session outlived the restart")
	}
	if s.C2SAddr != addr || s.CertFingerprint != fp {
		t.Fatalf("after restart: addr %s fp %s, want %s %s", s.C2SAddr, s.CertFingerprint, addr, fp)
	}
	b := online(t, s, bob, "pw-b")
	b.expect(t, alice, "while you were out")
	a2 := online(t, s, alice, "pw-a")
	a2.send(t, bob, "after restart")
	b.expect(t, alice, "after restart")
}

func TestKillThenRestart(t *testing.T) {
	t.Parallel()
	s := prosodytest.Start(t)
	alice := s.CreateUser(t, "alice", "pw")
	sess, err := login(t, s, alice, "pw")
	if err != nil {
		t.Fatal(err)
	}

	s.Kill()
	if conn, err := net.DialTimeout("tcp", s.C2SAddr, time.Second); err == nil {
		conn.Close()
		t.Fatal("c2s port still accepts after Kill")
	}
	// The killed server's socket is gone: the session reads EOF or a reset.
	sess.Close()

	s.Restart(t)
	if _, err := login(t, s, alice, "pw"); err != nil {
		t.Fatalf("login after kill and restart: %v", err)
	}
	s.Stop(t)
	s.Stop(t) // idempotent
}

// features opens a raw stream and returns the server's first stream
// features, or with starttls those after STARTTLS (where prosody offers
// authentication and registration).
func features(t *testing.T, s *prosodytest.Server, starttls bool) string {
	t.Helper()
	var conn net.Conn = s.Connect(t)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	header := fmt.Sprintf("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>", s.Domain)
	readUntil := func(end string) string {
		var got []byte
		buf := make([]byte, 4096)
		for !strings.Contains(string(got), end) {
			n, err := conn.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				t.Fatalf("reading until %s: %v (got %q)", end, err, got)
			}
		}
		return string(got)
	}
	io.WriteString(conn, header)
	f := readUntil("</stream:features>")
	if !starttls {
		return f
	}
	io.WriteString(conn, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	readUntil("<proceed")
	tc := tls.Client(conn, s.TLSConfig())
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	conn = tc
	io.WriteString(conn, header)
	return readUntil("</stream:features>")
}

func TestOptions(t *testing.T) {
	t.Parallel()
	t.Run("defaults", func(t *testing.T) {
		t.Parallel()
		s := prosodytest.Start(t)
		if s.Domain != prosodytest.DefaultDomain {
			t.Errorf("Domain %q, want %q", s.Domain, prosodytest.DefaultDomain)
		}
		if host, _, _ := net.SplitHostPort(s.C2SAddr); host != "127.0.0.1" {
			t.Errorf("C2SAddr %s is not loopback", s.C2SAddr)
		}
		if len(s.CertFingerprint) != 64 || strings.ToLower(s.CertFingerprint) != s.CertFingerprint {
			t.Errorf("CertFingerprint %q is not lowercase hex sha256", s.CertFingerprint)
		}
		f := features(t, s, false)
		if !strings.Contains(f, "urn:ietf:params:xml:ns:xmpp-tls") || !strings.Contains(f, "<required") {
			t.Errorf("STARTTLS not offered as required: %s", f)
		}
		if f := features(t, s, true); strings.Contains(f, "iq-register") || !strings.Contains(f, "SCRAM-SHA-1") {
			t.Errorf("after STARTTLS: want SCRAM-SHA-1 and no registration: %s", f)
		}
		for _, fi := range []string{"prosody.pid", "data", "certs/" + s.Domain + ".key"} {
			if _, err := os.Stat(s.Dir + "/" + fi); err != nil {
				t.Error(err)
			}
		}
		if st, err := os.Stat(s.Dir + "/certs/" + s.Domain + ".key"); err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("key mode %v, want 0600", st.Mode().Perm())
		}
		cfg := readConfig(t, s)
		for _, want := range []string{`network_settings = { nagle = false }`, `"smacks"`, `"carbons"`, `modules_disabled = { "limits" }`, `authentication = "internal_hashed"`} {
			if !strings.Contains(cfg, want) {
				t.Errorf("config lacks %s", want)
			}
		}
		if strings.Contains(cfg, `"mam"`) {
			t.Error("mam enabled by default")
		}
	})
	t.Run("all", func(t *testing.T) {
		t.Parallel()
		certPEM, keyPEM, err := prosodytest.NewCert("example.test")
		if err != nil {
			t.Fatal(err)
		}
		s := prosodytest.Start(t,
			prosodytest.Domain("example.test"),
			prosodytest.Cert(certPEM, keyPEM),
			prosodytest.WithMAM(),
			prosodytest.AllowRegistration(),
			prosodytest.WithModule("version", "uptime"),
			prosodytest.WithoutModule("smacks", "offline"),
			prosodytest.WithNagle(),
			prosodytest.WithLimits("1mb/s"),
			prosodytest.PluginPath(t.TempDir()+`/with "quote"`),
			prosodytest.LogLevel("info"),
			prosodytest.Config(`-- extra config here`),
		)
		if string(s.CertPEM) != string(certPEM) {
			t.Error("Cert was not used")
		}
		if f := features(t, s, true); !strings.Contains(f, "iq-register") {
			t.Errorf("AllowRegistration: no registration feature in %s", f)
		}
		cfg := readConfig(t, s)
		for _, want := range []string{`"mam"`, `default_archive_policy = true`, `archive_expires_after = "never"`,
			`"register"`, `allow_registration = true`, `"time"`, `"version", "uptime"`, `modules_disabled = { "smacks", "offline" }`,
			`limits = { c2s = { rate = "1mb/s" } }`, `\"quote\"`, `min = "info"`, `-- extra config here`, `VirtualHost "example.test"`} {
			if !strings.Contains(cfg, want) {
				t.Errorf("config lacks %s", want)
			}
		}
		if strings.Contains(cfg, "nagle") || strings.Contains(cfg, `"smacks",`) && !strings.Contains(cfg, `modules_disabled = { "smacks"`) {
			t.Errorf("config:\n%s", cfg)
		}
		alice := s.CreateUser(t, "alice", "pw")
		if _, err := login(t, s, alice, "pw"); err != nil {
			t.Fatalf("login with every option on: %v", err)
		}
	})
}

func readConfig(t *testing.T, s *prosodytest.Server) string {
	t.Helper()
	b, err := os.ReadFile(s.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recorder stands in for a test to catch Fatal and Skip from the fixture;
// everything else goes to the real test.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) record(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}

func (r *recorder) Fatal(args ...any) {
	r.record(fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.record(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.record(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.record(fmt.Sprintf(format, args...))
}

// failing runs f as a test that is expected to end with Fatal or Skip and
// returns what it said.
func failing(t *testing.T, f func(testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan bool)
	go func() {
		returned := false
		defer func() { done <- returned }()
		f(r)
		returned = true
	}()
	if <-done {
		t.Fatal("expected the fixture to end the test, it returned")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

func TestStartFailureShowsLog(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Require and Start skip every test")
	}
	t.Parallel()
	msg := failing(t, func(tb testing.TB) {
		prosodytest.Start(tb, prosodytest.Config("this is not lua ("))
	})
	if !strings.Contains(msg, "exited before it was ready") || !strings.Contains(msg, "prosody.cfg.lua") {
		t.Fatalf("failure does not explain itself:\n%s", msg)
	}
	t.Logf("Start failure reads:\n%s", msg)
}

func TestStartFailsOnAModuleThatDoesNotLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Require and Start skip every test")
	}
	t.Parallel()
	msg := failing(t, func(tb testing.TB) {
		prosodytest.Start(tb, prosodytest.WithModule("no_such_module"))
	})
	if !strings.Contains(msg, "Unable to load module 'no_such_module'") {
		t.Fatalf("failure does not name the module:\n%s", msg)
	}
}

func TestCreateUserErrors(t *testing.T) {
	t.Parallel()
	s := prosodytest.Start(t)
	s.CreateUser(t, "alice", "pw")
	if msg := failing(t, func(tb testing.TB) { s.CreateUser(tb, "alice", "pw2") }); !strings.Contains(msg, "already exists") {
		t.Errorf("duplicate user: %s", msg)
	}
	if msg := failing(t, func(tb testing.TB) { s.CreateUser(tb, "carol", "two\nlines") }); !strings.Contains(msg, "line break") {
		t.Errorf("password with newline: %s", msg)
	}
	if msg := failing(t, func(tb testing.TB) { s.CreateUser(tb, "", "pw") }); !strings.Contains(msg, "localpart") {
		t.Errorf("empty user: %s", msg)
	}
	s.Ctl(t, "deluser", "alice@"+s.Domain)
	s.CreateUser(t, "alice", "pw3") // free again after deluser
}

func TestRequireWithoutProsody(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Require and Start skip every test")
	}
	t.Setenv("PATH", t.TempDir())
	if err := prosodytest.Available(); err == nil {
		t.Fatal("Available with an empty PATH")
	}
	t.Setenv("CI", "")
	if msg := failing(t, func(tb testing.TB) { prosodytest.Require(tb) }); !strings.Contains(msg, "skipping") {
		t.Errorf("no CI: %q, want a skip", msg)
	}
	t.Setenv("CI", "true")
	if msg := failing(t, func(tb testing.TB) { prosodytest.Start(tb) }); !strings.Contains(msg, "prosody is missing: run make deps") {
		t.Errorf("CI: %q, want a loud failure", msg)
	}
}

func TestLogTail(t *testing.T) {
	t.Parallel()
	s := prosodytest.Start(t)
	tail := s.LogTail(5)
	if n := strings.Count(tail, "\n") + 1; n != 5 {
		t.Errorf("LogTail(5) has %d lines:\n%s", n, tail)
	}
	if s.LogTail(0) != "" {
		t.Error("LogTail(0) not empty")
	}
	all := s.LogTail(1 << 20)
	if !strings.Contains(all, "Activated service 'c2s'") {
		t.Errorf("whole log lacks the c2s line:\n%s", all)
	}
}

func TestTwoServersShareACert(t *testing.T) {
	t.Parallel()
	s1 := prosodytest.Start(t)
	s2 := prosodytest.Start(t, prosodytest.Cert(s1.CertPEM, s1.KeyPEM))
	if s1.C2SAddr == s2.C2SAddr {
		t.Fatal("two servers on one port")
	}
	if s1.CertFingerprint != s2.CertFingerprint {
		t.Fatal("Cert did not carry the key over")
	}
	j := s2.CreateUser(t, "alice", "pw")
	if _, err := login(t, s2, j, "pw"); err != nil {
		t.Fatal(err)
	}
}

// TestTimings measures what the fixture costs; run with -v to see it.
func TestTimings(t *testing.T) {
	if testing.Short() {
		t.Skip("timings are not run in -short mode")
	}
	const starts, users, logins = 5, 10, 20
	var startD, restartD, stopD, userD, loginD []time.Duration
	var s *prosodytest.Server
	for i := range starts {
		t0 := time.Now()
		srv := prosodytest.Start(t)
		startD = append(startD, time.Since(t0))
		if i == 0 {
			s = srv
		} else {
			t0 = time.Now()
			srv.Stop(t)
			stopD = append(stopD, time.Since(t0))
		}
	}
	for range starts {
		t0 := time.Now()
		s.Restart(t)
		restartD = append(restartD, time.Since(t0))
	}
	for i := range users {
		t0 := time.Now()
		s.CreateUser(t, fmt.Sprintf("user%d", i), "pw")
		userD = append(userD, time.Since(t0))
	}
	j, _ := jid.New("user0", s.Domain, "")
	for range logins + 1 { // the first warms up
		t0 := time.Now()
		sess, err := login(t, s, j, "pw")
		if err != nil {
			t.Fatal(err)
		}
		loginD = append(loginD, time.Since(t0))
		sess.Close()
	}
	loginD = loginD[1:]
	var onlineD []time.Duration
	for range starts {
		if _, err := login(t, s, j, "pw"); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		s.Restart(t)
		onlineD = append(onlineD, time.Since(t0))
	}
	t.Logf("Start (temp dir, cert, config, exec, ready): %s", stats(startD))
	t.Logf("Stop (SIGTERM to exit):                      %s", stats(stopD))
	t.Logf("Restart (stop + start + ready):              %s", stats(restartD))
	t.Logf("Restart with a client online:                %s", stats(onlineD))
	t.Logf("CreateUser (prosodyctl adduser):             %s", stats(userD))
	t.Logf("mellium login (TCP+STARTTLS+SCRAM+bind):     %s", stats(loginD))
}

func stats(d []time.Duration) string {
	s := slices.Sorted(slices.Values(d))
	if len(s) == 0 {
		return "no samples"
	}
	r := func(x time.Duration) time.Duration { return x.Round(10 * time.Microsecond) }
	return fmt.Sprintf("n=%d min=%v p50=%v p90=%v max=%v", len(s), r(s[0]), r(s[len(s)/2]), r(s[len(s)*9/10]), r(s[len(s)-1]))
}
