package prosodytest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"mellium.im/xmpp/jid"
)

const (
	// readyTimeout bounds how long Start and Restart wait for prosody to
	// answer on its c2s port. It is ready in ~0.1 s on a laptop.
	readyTimeout = 10 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
	stopGrace = 5 * time.Second
	// ctlTimeout bounds one prosodyctl run.
	ctlTimeout = 10 * time.Second
	// startAttempts is how many sets of ports Start tries.
	startAttempts = 3
	// tailLines is how much of prosody's log a failure shows.
	tailLines = 40
)

// Server is a prosody process owned by one test, in its own temp directory,
// listening on loopback ports of its own. Start makes one; t.Cleanup stops
// it. The exported fields are fixed for the Server's life, across Restart.
type Server struct {
	// Domain is the virtual host, the domainpart of every user's JID.
	Domain string
	// C2SAddr is the client-to-server listener, "127.0.0.1:port".
	C2SAddr string
	// S2SAddr is the server-to-server listener, "127.0.0.1:port".
	S2SAddr string
	// DirectTLSAddr is the direct TLS client listener (WithDirectTLS),
	// "127.0.0.1:port"; "" without it.
	DirectTLSAddr string
	// UploadDomain is the HTTP upload service's JID (WithHTTPUpload), ""
	// without it.
	UploadDomain string
	// HTTPPort is prosody's HTTP port on 127.0.0.1 (WithHTTPUpload), 0
	// without it.
	HTTPPort int
	// UploadLimit is the largest file the upload service accepts.
	UploadLimit int64
	// Dir is the server's directory: prosody.cfg.lua, prosody.log,
	// prosody.pid, data/ and certs/.
	Dir string
	// ConfigFile is the generated prosody.cfg.lua.
	ConfigFile string
	// LogFile is prosody's log; its stdout and stderr go there too, and
	// Restart appends rather than truncates.
	LogFile string
	// CertFingerprint is the hex SHA-256 (lowercase, no colons) of the
	// server certificate's SubjectPublicKeyInfo, for pinning.
	CertFingerprint string
	// CertPEM and KeyPEM are the server's certificate and key, to trust it
	// (see TLSConfig) or hand the same pair to another Server with Cert.
	CertPEM, KeyPEM []byte

	set      *settings
	c2sPort  int
	tlsPort  int // direct TLS c2s (WithDirectTLS), 0 without
	s2sPort  int
	certFile string
	keyFile  string

	mu   sync.Mutex
	proc *process // nil when stopped
}

// process is one run of prosody.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once Wait has returned
	err  error         // Wait's result; read it only after done is closed
}

var errPortInUse = errors.New("port already in use")

// Available reports whether prosody and prosodyctl are on PATH. Most tests
// want Require instead, which Start calls.
func Available() error {
	_, err := findBinaries()
	return err
}

type binaries struct{ prosody, prosodyctl string }

// findBinaries looks prosody up on every call (microseconds), so a test can
// change PATH.
func findBinaries() (b binaries, err error) {
	if b.prosody, err = exec.LookPath("prosody"); err != nil {
		return b, fmt.Errorf("prosodytest: prosody not found (Debian/Ubuntu: apt-get install prosody): %w", err)
	}
	if b.prosodyctl, err = exec.LookPath("prosodyctl"); err != nil {
		return b, fmt.Errorf("prosodytest: prosodyctl not found: %w", err)
	}
	return b, nil
}

// moduleDirs are where prosody's community modules are installed: Debian's
// prosody-modules package, then a build from source.
func moduleDirs() []string {
	return []string{"/usr/lib/prosody/modules", "/usr/local/lib/prosody/modules"}
}

// ModuleDir returns the directory of moduleDirs holding prosody module name
// (as mod_NAME.lua or mod_NAME/mod_NAME.lua, the two forms prosody loads),
// or an error that says which package to install.
func ModuleDir(name string) (string, error) {
	for _, d := range moduleDirs() {
		for _, f := range []string{"mod_" + name + ".lua", filepath.Join("mod_"+name, "mod_"+name+".lua")} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("prosodytest: prosody module %s not found in %s (Debian: apt-get install prosody-modules, or make deps)", name, strings.Join(moduleDirs(), ", "))
}

// Require skips the test when prosody is not installed, except on CI (the
// CI environment variable is set, and not to "false" or "0"), where a
// missing prosody fails the test: a skipped integration suite there would
// hide that nothing was tested.
//
// With -short it always skips: `make test-short` starts no server.
func Require(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("-short: no real prosody")
	}
	err := Available()
	if err == nil {
		return
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		tb.Fatalf("prosody is missing: run make deps (CI is set, so this is not skipped): %v", err)
	}
	tb.Skipf("skipping: %v", err)
}

// Start runs a prosody for the test on free loopback ports and returns once
// it answers XMPP on its c2s port. It skips or fails the test as Require
// does when prosody is missing, and fails it with the tail of prosody's log
// when prosody cannot start. The server is stopped in tb.Cleanup.
//
// Defaults: domain DefaultDomain, a fresh self-signed certificate, modules
// roster saslauth tls disco carbons ping smacks (plus prosody's auto-loaded
// presence message iq offline c2s s2s posix), TLS required, SCRAM-hashed
// passwords, no registration, no MAM, no rate limits, Nagle off, debug log.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	Require(tb)
	set := defaultSettings()
	for _, o := range opts {
		o(set)
	}
	domain, err := set.check()
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range set.needs {
		dir, err := ModuleDir(m)
		if err != nil {
			if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
				tb.Fatalf("%v (CI is set, so this is not skipped)", err)
			}
			tb.Skipf("skipping: %v", err)
		}
		if !slices.Contains(set.pluginPaths, dir) {
			set.pluginPaths = append(set.pluginPaths, dir)
		}
	}
	dir := tb.TempDir()
	s := &Server{
		Domain:     domain,
		Dir:        dir,
		ConfigFile: filepath.Join(dir, "prosody.cfg.lua"),
		LogFile:    filepath.Join(dir, "prosody.log"),
		set:        set,
	}
	if set.upload {
		s.UploadDomain, s.UploadLimit = "upload."+domain, set.uploadLimit
	}
	if err := s.writeCert(); err != nil {
		tb.Fatal(err)
	}
	if set.trace {
		if err := s.writeTraceModule(); err != nil {
			tb.Fatal(err)
		}
	}
	// Registered after TempDir's own cleanup, so it runs before the
	// directory is removed.
	tb.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.stopLocked(tb)
	})

	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 1; ; attempt++ {
		if err := s.pickPorts(); err != nil {
			tb.Fatal(err)
		}
		if err := s.writeConfig(); err != nil {
			tb.Fatal(err)
		}
		begin := time.Now()
		err := s.launch()
		if err == nil {
			tb.Logf("prosodytest: %s ready on %s in %v (dir %s)", s.Domain, s.C2SAddr, time.Since(begin).Round(time.Millisecond), s.Dir)
			return s
		}
		// Between closing our listener and prosody binding, someone else
		// may take the port (they come from the ephemeral range, so even
		// an outgoing connection can); try new ones.
		if errors.Is(err, errPortInUse) && attempt < startAttempts {
			tb.Logf("prosodytest: %v; retrying on new ports", err)
			s.appendLog("---- prosodytest: retrying on new ports ----")
			continue
		}
		tb.Fatalf("prosodytest: start prosody: %v\n%s", err, s.failureTail())
	}
}

// Stop shuts prosody down: SIGTERM, then SIGKILL to its process group after
// 5 s (or once prosody has logged "Shutdown complete", see halt); clients
// get a system-shutdown stream error, as from a real server. It fails the test if prosody had already died on its own (a crash is
// a finding, not noise). Stopping a stopped server does nothing. Start
// registers Stop in tb.Cleanup, so tests call it only to test downtime.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(tb)
}

func (s *Server) stopLocked(tb testing.TB) {
	tb.Helper()
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	select {
	case <-p.done:
		tb.Errorf("prosodytest: prosody exited on its own before Stop: %v\n%s", p.err, s.failureTail())
		return
	default:
	}
	if s.halt(p, stopGrace) {
		tb.Logf("prosodytest: prosody ignored SIGTERM for %v and was killed", stopGrace)
	}
}

// Restart stops prosody (as Stop) if it runs and starts it again with the
// same directory, config, certificate, users, data and ports, so clients
// can reconnect to the same C2SAddr. It fails the test as Start does.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(tb)
	s.appendLog("---- prosodytest: restart ----")
	if err := s.launch(); err != nil {
		tb.Fatalf("prosodytest: restart prosody: %v\n%s", err, s.failureTail())
	}
}

// Kill SIGKILLs prosody's process group and waits for it to die: a crash,
// with no stream closes sent. Restart brings it back.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.halt(s.proc, 0)
		s.proc = nil
	}
}

// halt ends p: SIGTERM first when grace > 0, SIGKILL to the group after
// grace (or at once). It reports whether SIGKILL cut a shutdown short.
//
// Prosody 0.12 finishes its shutdown in ~2 ms, but when a client session
// was open at SIGTERM its event loop then idles until a 1 s timer before it
// exits. By then it has logged "Shutdown complete": sessions are closed (the
// clients got their system-shutdown stream error), storage is written, the
// pidfile is gone. So once that line appears halt allows a few ms for a
// natural exit and then SIGKILLs, which is not reported as a kill.
func (s *Server) halt(p *process, grace time.Duration) (killed bool) {
	select {
	case <-p.done:
		return false
	default:
	}
	if grace > 0 {
		offset := s.logSize()
		if terminate(p.cmd.Process) == nil {
			deadline := time.Now().Add(grace)
			var complete time.Time
			for time.Now().Before(deadline) {
				select {
				case <-p.done:
					return false
				case <-time.After(2 * time.Millisecond):
				}
				switch {
				case complete.IsZero():
					if bytes.Contains(s.readLogFrom(offset), []byte("Shutdown complete")) {
						complete = time.Now()
					}
				case time.Since(complete) > 10*time.Millisecond:
					_ = killGroup(p.cmd.Process)
					<-p.done
					return false
				}
			}
		}
	}
	// The leader is not reaped before done closes, so its group id is ours.
	_ = killGroup(p.cmd.Process)
	<-p.done
	return true
}

// launch starts prosody with the current config and waits until it is
// ready; on failure it leaves nothing running.
func (s *Server) launch() error {
	bin, err := findBinaries()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := logf.Stat()
	if err != nil {
		logf.Close()
		return err
	}
	offset := st.Size()

	// prosody's own file sink opens the log with O_APPEND too, so its
	// console output and log lines interleave whole.
	cmd := exec.Command(bin.prosody, "--config", s.ConfigFile, "-F")
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	setProcAttr(cmd)
	err = cmd.Start()
	logf.Close()
	if err != nil {
		return err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p, offset); err != nil {
		s.halt(p, 0)
		return err
	}
	s.proc = p
	return nil
}

// waitReady polls until prosody has logged that it listens on both our
// ports and a c2s probe gets stream features back. Reading the log first
// means the probe never talks to some other process that took the port.
func (s *Server) waitReady(p *process, offset int64) error {
	deadline := time.Now().Add(readyTimeout)
	wantC2S := fmt.Appendf(nil, "Activated service 'c2s' on [127.0.0.1]:%d", s.c2sPort)
	wantS2S := fmt.Appendf(nil, "Activated service 's2s' on [127.0.0.1]:%d", s.s2sPort)
	wantHTTP := []byte("Activated service")
	wantTLS := wantHTTP
	if s.tlsPort != 0 {
		wantTLS = fmt.Appendf(nil, "Activated service 'c2s_direct_tls' on [127.0.0.1]:%d", s.tlsPort)
	}
	if s.HTTPPort != 0 {
		wantHTTP = fmt.Appendf(nil, "Activated service 'http' on [127.0.0.1]:%d", s.HTTPPort)
	}
	lastErr := errors.New("prosody has not logged that it listens")
	for {
		select {
		case <-p.done:
			return fmt.Errorf("prosody exited before it was ready: %v", p.err)
		default:
		}
		logged := s.readLogFrom(offset)
		if err := startupError(logged); err != nil {
			return err
		}
		if bytes.Contains(logged, wantC2S) && bytes.Contains(logged, wantS2S) && bytes.Contains(logged, wantHTTP) && bytes.Contains(logged, wantTLS) {
			left := time.Until(deadline)
			if lastErr = probe(s.C2SAddr, s.Domain, min(left, time.Second)); lastErr == nil {
				// Every module has loaded (or failed to) before prosody's
				// event loop answered the probe.
				return startupError(s.readLogFrom(offset))
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", readyTimeout, lastErr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startupError finds, in the log of a starting prosody, a port it could not
// bind (errPortInUse) or a module that did not load, which prosody only
// logs: a misspelt WithModule or a broken module of ours would otherwise
// pass unnoticed.
func startupError(logged []byte) error {
	line := func(i int) string {
		l, _, _ := bytes.Cut(logged[i:], []byte("\n"))
		return string(l)
	}
	if i := bytes.Index(logged, []byte("Failed to open server port")); i >= 0 {
		return fmt.Errorf("%w: %s", errPortInUse, line(i))
	}
	for _, bad := range []string{"Unable to load module", "Error initializing module"} {
		if i := bytes.Index(logged, []byte(bad)); i >= 0 {
			return errors.New(line(i))
		}
	}
	return nil
}

// probe opens a client stream and waits for the server's stream features,
// which prosody sends only once the host and c2s stack are up.
func probe(addr, domain string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	_, err = fmt.Fprintf(conn, "<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>", domain)
	if err != nil {
		return err
	}
	var got []byte
	buf := make([]byte, 1024)
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		switch {
		case bytes.Contains(got, []byte("<stream:error")):
			return fmt.Errorf("probe got a stream error: %s", got)
		case bytes.Contains(got, []byte("<stream:stream")) && bytes.Contains(got, []byte("</stream:features>")):
			return closeStream(conn)
		case err != nil:
			return fmt.Errorf("probe read %q: %w", got, err)
		case len(got) > 64<<10:
			return fmt.Errorf("probe: no stream features in %d bytes", len(got))
		}
	}
}

// closeStream closes the probe's stream and waits until prosody has closed
// its side too, so the probe session is gone from prosody when Start
// returns: a session still open at SIGTERM makes prosody's shutdown wait
// for it and then idle ~1 s in its event loop.
func closeStream(conn net.Conn) error {
	if _, err := conn.Write([]byte("</stream:stream>")); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, conn) // until prosody closes the TCP connection
	return err
}

// CreateUser creates user@Domain with the password through
// `prosodyctl adduser`, which reads the password twice from stdin, so it
// never appears on a command line. It works whether or not prosody runs,
// takes ~30 ms, and fails the test if the account exists or the password
// contains a line break.
func (s *Server) CreateUser(tb testing.TB, user, password string) jid.JID {
	tb.Helper()
	j, err := jid.New(user, s.Domain, "")
	if err != nil || user == "" {
		tb.Fatalf("prosodytest: CreateUser: bad localpart %q: %v", user, err)
	}
	if strings.ContainsAny(password, "\r\n") {
		tb.Fatal("prosodytest: CreateUser: prosodyctl reads the password as one line; it must not contain a line break")
	}
	if out, err := s.ctl(password+"\n"+password+"\n", "adduser", j.String()); err != nil {
		tb.Fatalf("prosodytest: prosodyctl adduser %s: %v\n%s", j, err, out)
	}
	return j
}

// Ctl runs prosodyctl against this server's config (e.g. "deluser",
// "alice@clove.test") and returns its output, failing the test if it exits
// non-zero. Nothing on its command line may be secret: use CreateUser for
// passwords.
func (s *Server) Ctl(tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := s.ctl("", args...)
	if err != nil {
		tb.Fatalf("prosodytest: prosodyctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// ansi matches the terminal escapes prosodyctl writes around its password
// prompts.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func (s *Server) ctl(stdin string, args ...string) (string, error) {
	bin, err := findBinaries()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), ctlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin.prosodyctl, append([]string{"--config", s.ConfigFile}, args...)...)
	cmd.Dir = s.Dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return ansi.ReplaceAllString(string(out), ""), err
}

// Connect dials the c2s port and returns the raw TCP connection, closed in
// tb.Cleanup. The test speaks XMPP on it itself (e.g. with
// xmpp.NewClientSession and TLSConfig).
func (s *Server) Connect(tb testing.TB) net.Conn {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", s.C2SAddr, 5*time.Second)
	if err != nil {
		tb.Fatalf("prosodytest: dial %s: %v", s.C2SAddr, err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// TLSConfig returns a new client TLS config that trusts only this server's
// certificate, for ServerName Domain.
func (s *Server) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM)
	return &tls.Config{
		RootCAs:    pool,
		ServerName: s.Domain,
		MinVersion: tls.VersionTLS12,
	}
}

// LogTail returns the last n lines of prosody's log (across restarts).
func (s *Server) LogTail(n int) string {
	if n <= 0 {
		return ""
	}
	f, err := os.Open(s.LogFile)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	size := st.Size()
	for chunk := int64(n+1) * 200; ; chunk *= 4 {
		chunk = min(chunk, size)
		buf := make([]byte, chunk)
		if _, err := f.ReadAt(buf, size-chunk); err != nil {
			return fmt.Sprintf("(reading log: %v)", err)
		}
		lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
		// Unless we read from the start, lines[0] may be cut; with more than
		// n lines it is never among the last n.
		if len(lines) > n || chunk == size {
			return strings.Join(lines[max(0, len(lines)-n):], "\n")
		}
	}
}

func (s *Server) failureTail() string {
	return fmt.Sprintf("---- last %d lines of %s ----\n%s\n----", tailLines, s.LogFile, s.LogTail(tailLines))
}

func (s *Server) readLogFrom(offset int64) []byte {
	f, err := os.Open(s.LogFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return nil
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(f)
	return b.Bytes()
}

func (s *Server) logSize() int64 {
	st, err := os.Stat(s.LogFile)
	if err != nil {
		return 0
	}
	return st.Size()
}

func (s *Server) appendLog(line string) {
	f, err := os.OpenFile(s.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

// pickPorts takes free loopback ports (c2s, s2s, and HTTP with an upload
// service) by listening on port 0 and closing. Prosody binds its own
// sockets, so the gap is a (tiny) race that Start answers by retrying.
func (s *Server) pickPorts() error {
	ports := make([]int, 4)
	// Four every time (unused ones cost nothing), so each one's index is fixed.
	for i := range ports {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("prosodytest: free port: %w", err)
		}
		defer l.Close() // all open at once, so they differ
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	s.c2sPort, s.s2sPort = ports[0], ports[1]
	s.C2SAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.c2sPort))
	s.S2SAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.s2sPort))
	if s.set.upload {
		s.HTTPPort = ports[2]
	}
	if s.set.directTLS {
		s.tlsPort = ports[3]
		s.DirectTLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tlsPort))
	}
	return nil
}

// writeCert writes the certificate (given or generated) to certs/ as
// DOMAIN.crt and DOMAIN.key, mode 0600.
func (s *Server) writeCert() error {
	certPEM, keyPEM := s.set.certPEM, s.set.keyPEM
	if certPEM == nil {
		var err error
		if certPEM, keyPEM, err = NewCert(s.Domain); err != nil {
			return err
		}
	}
	_, fp, err := parseCert(certPEM, keyPEM)
	if err != nil {
		return err
	}
	s.CertPEM, s.KeyPEM, s.CertFingerprint = certPEM, keyPEM, fp
	certDir := filepath.Join(s.Dir, "certs")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return err
	}
	s.certFile = filepath.Join(certDir, s.Domain+".crt")
	s.keyFile = filepath.Join(certDir, s.Domain+".key")
	if err := os.WriteFile(s.certFile, certPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(s.keyFile, keyPEM, 0o600)
}

//go:embed prosody.cfg.lua.tmpl
var configText string

// traceModule is TraceStanzas' module, mod_prosodytest_trace.lua.
const traceModule = "prosodytest_trace"

//go:embed mod_prosodytest_trace.lua
var traceModuleText string

// writeTraceModule puts the TraceStanzas module in a plugin directory of
// the server's own.
func (s *Server) writeTraceModule() error {
	dir := filepath.Join(s.Dir, "plugins")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("prosodytest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mod_"+traceModule+".lua"), []byte(traceModuleText), 0o600); err != nil {
		return fmt.Errorf("prosodytest: %w", err)
	}
	if !slices.Contains(s.set.pluginPaths, dir) {
		s.set.pluginPaths = append(s.set.pluginPaths, dir)
	}
	return nil
}

var configTmpl = template.Must(template.New("prosody.cfg.lua").Funcs(template.FuncMap{
	"lua":     luaString,
	"luaList": luaList,
}).Parse(configText))

func (s *Server) writeConfig() error {
	dataDir := filepath.Join(s.Dir, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	// mod_limits is not in our modules_enabled, but disabling it says so
	// plainly and also covers a Config that enables it.
	disabled := slices.Clone(s.set.disabled)
	if s.set.limitsC2S == "" && !slices.Contains(disabled, "limits") {
		disabled = append([]string{"limits"}, disabled...)
	}
	var b bytes.Buffer
	err := configTmpl.Execute(&b, map[string]any{
		"Domain":        s.Domain,
		"PIDFile":       filepath.Join(s.Dir, "prosody.pid"),
		"DataDir":       dataDir,
		"CertDir":       filepath.Join(s.Dir, "certs"),
		"CertFile":      s.certFile,
		"KeyFile":       s.keyFile,
		"LogFile":       s.LogFile,
		"PluginPaths":   s.set.pluginPaths,
		"C2SPort":       s.c2sPort,
		"S2SPort":       s.s2sPort,
		"DirectTLSPort": s.tlsPort,
		"Registration":  s.set.registration,
		"Nagle":         s.set.nagle,
		"Modules":       s.set.modules,
		"Disabled":      disabled,
		"LimitsC2S":     s.set.limitsC2S,
		"MAM":           s.set.mam,
		"LogLevel":      s.set.logLevel,
		"Extra":         s.set.extra,
		"HTTPPort":      s.HTTPPort,
		"UploadDomain":  s.UploadDomain,
		"UploadLimit":   s.UploadLimit,
		"UploadURL":     s.set.uploadURL,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(s.ConfigFile, b.Bytes(), 0o600)
}

// check validates the settings and returns the domain in canonical form.
func (c *settings) check() (string, error) {
	d, err := jid.New("", c.domain, "")
	if err != nil {
		return "", fmt.Errorf("prosodytest: bad domain %q: %w", c.domain, err)
	}
	if c.logLevel != "debug" && c.logLevel != "info" {
		return "", fmt.Errorf("prosodytest: log level %q: want debug or info", c.logLevel)
	}
	if (c.certPEM == nil) != (c.keyPEM == nil) {
		return "", errors.New("prosodytest: Cert needs both the certificate and the key")
	}
	return d.Domainpart(), nil
}

// luaString quotes s as a Lua string literal. Lua strings are bytes, so only
// quotes, backslashes and control bytes need escaping.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\%03d`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func luaList(items []string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = luaString(it)
	}
	return strings.Join(q, ", ")
}

// CPUTime returns the user+system CPU time prosody has used so far (Linux:
// from /proc; 0 when it is not running or elsewhere). Benchmarks read it
// before and after a loop to tell the server's cost per stanza from the
// client's.
func (s *Server) CPUTime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.cmd.Process == nil {
		return 0
	}
	return procCPUTime(s.proc.cmd.Process.Pid)
}

// Shell runs one command in prosody's admin shell (`prosodyctl shell`,
// needing WithModule("admin_shell"); prosody 0.12 loads its socket with
// it) and returns what the shell printed, failing the test if prosodyctl
// fails. A line starting with ">" is Lua run with prosody's globals, e.g.
// `>prosody.hosts["muc.clove.test"]…`: how a test makes the server do
// what no client can ask of it.
func (s *Server) Shell(tb testing.TB, command string) string {
	tb.Helper()
	out, err := s.ctl(command+"\n", "shell")
	if err != nil {
		tb.Fatalf("prosodytest: prosodyctl shell %q: %v\n%s", command, err, out)
	}
	return out
}
