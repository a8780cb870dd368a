package transport

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func i2pB64() *base64.Encoding {
	return base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~")
}

// fakeKeys returns a destination and private key in SAM's form, and the
// destination's .b32.i2p address.
func fakeKeys() (pub, priv, b32 string) {
	dest := make([]byte, 387)
	_, _ = rand.Read(dest)
	secret := make([]byte, 64)
	_, _ = rand.Read(secret)
	pub = i2pB64().EncodeToString(dest)
	priv = i2pB64().EncodeToString(append(slices.Clone(dest), secret...))
	h := sha256.Sum256(dest)
	b32 = base32.NewEncoding(base32Digits).WithPadding(base32.NoPadding).EncodeToString(h[:]) + B32Suffix
	return pub, priv, b32
}

// Special reply values for fakeSAM hooks.
const (
	samSilent = "<silent>" // never answer
	samClose  = "<close>"  // close the connection
)

// fakeSAM is a scripted SAM bridge. Hooks return the reply line (without
// "\n"), samSilent or samClose; nil hooks give a well-behaved bridge.
type fakeSAM struct {
	*scriptServer
	pub, priv, b32 string // what DEST GENERATE hands out
	peer           string // destination NAMING LOOKUP returns
	echo           string // where an accepted STREAM CONNECT is piped

	hello   func(line string) string
	session func(line string) string
	lookup  func(name string) string
	connect func(line string) string

	// controls, if set, gets each control connection whose SESSION
	// CREATE succeeded.
	controls chan net.Conn

	mu   sync.Mutex
	cmds []string
}

func startFakeSAM(t testing.TB, configure func(f *fakeSAM)) *fakeSAM {
	f := &fakeSAM{echo: startEcho(t)}
	f.pub, f.priv, f.b32 = fakeKeys()
	f.peer, _, _ = fakeKeys()
	if configure != nil {
		configure(f)
	}
	f.scriptServer = startScript(t, f.handle)
	return f
}

func (f *fakeSAM) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.cmds)
}

func (f *fakeSAM) handle(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		f.mu.Lock()
		f.cmds = append(f.cmds, line)
		f.mu.Unlock()
		reply := ""
		switch {
		case strings.HasPrefix(line, "HELLO VERSION"):
			reply = "HELLO REPLY RESULT=OK VERSION=3.1"
			if f.hello != nil {
				reply = f.hello(line)
			}
		case strings.HasPrefix(line, "DEST GENERATE"):
			reply = "DEST REPLY PUB=" + f.pub + " PRIV=" + f.priv
		case strings.HasPrefix(line, "SESSION CREATE"):
			_, v, _ := strings.Cut(line, " DESTINATION=")
			v, _, _ = strings.Cut(v, " ")
			reply = "SESSION STATUS RESULT=OK DESTINATION=" + v
			if f.session != nil {
				reply = f.session(line)
			}
		case strings.HasPrefix(line, "NAMING LOOKUP"):
			_, name, _ := strings.Cut(line, "NAME=")
			name = strings.TrimSpace(name)
			reply = "NAMING REPLY RESULT=OK NAME=" + name + " VALUE=" + f.peer
			if f.lookup != nil {
				reply = f.lookup(name)
			}
		case strings.HasPrefix(line, "PONG"):
			continue // recorded; a PONG gets no reply
		case strings.HasPrefix(line, "STREAM CONNECT"):
			reply = "STREAM STATUS RESULT=OK"
			if f.connect != nil {
				reply = f.connect(line)
			}
			if reply == "STREAM STATUS RESULT=OK" {
				if _, err := io.WriteString(c, reply+"\n"); err != nil {
					return
				}
				f.pipe(c, br)
				return
			}
		default:
			reply = "ERROR"
		}
		switch reply {
		case samSilent:
			_, _ = io.Copy(io.Discard, br)
			return
		case samClose:
			return
		}
		if _, err := io.WriteString(c, reply+"\n"); err != nil {
			return
		}
		if f.controls != nil && strings.HasPrefix(reply, "SESSION STATUS RESULT=OK") {
			f.controls <- c
		}
	}
}

func (f *fakeSAM) pipe(c net.Conn, br *bufio.Reader) {
	u, err := net.Dial("tcp", f.echo)
	if err != nil {
		return
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(u, br); u.Close(); close(done) }()
	_, _ = io.Copy(c, u)
	c.Close()
	<-done
}

func TestNewSAMAndDialFakeBridge(t *testing.T) {
	f := startFakeSAM(t, nil)
	keys := filepath.Join(t.TempDir(), "sub", "identity.keys")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	d, err := NewSAM(ctx, f.addr(), SAMOptions{Keys: keys, InboundLength: 1, OutboundLength: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Destination() != f.b32 || !isB32(d.Destination()) {
		t.Errorf("Destination() = %q, want %q", d.Destination(), f.b32)
	}
	if d.Bridge() != f.addr() {
		t.Errorf("Bridge() = %s", d.Bridge())
	}
	fi, err := os.Stat(keys)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("identity file mode %o, want 600", perm)
	}

	var session string
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "SESSION CREATE") {
			session = c
		}
	}
	for _, w := range []string{"STYLE=STREAM", " inbound.length=1", " outbound.length=1", " i2cp.leaseSetEncType=4,0", " DESTINATION=" + f.priv} {
		if !strings.Contains(session, w) {
			t.Errorf("SESSION CREATE %q lacks %q", session, w)
		}
	}
	if n := strings.Count(session, "i2cp.leaseSetEncType"); n != 1 {
		t.Errorf("i2cp.leaseSetEncType sent %d times", n)
	}
	if !strings.Contains(session, " SIGNATURE_TYPE=7") {
		t.Errorf("SESSION CREATE %q does not ask for EdDSA (SIGNATURE_TYPE=7)", session)
	}
	if !slices.Contains(f.commands(), "DEST GENERATE SIGNATURE_TYPE=7") {
		t.Errorf("no DEST GENERATE SIGNATURE_TYPE=7 in %q", f.commands())
	}
	// The identity file keeps sam3's two-line format.
	if b, err := os.ReadFile(keys); err != nil || string(b) != f.pub+"\n"+f.priv {
		t.Errorf("identity file content %q, %v; want public line, private line", b, err)
	}

	peer := testB32("peer")
	c, err := d.DialContext(ctx, "tcp", strings.ToUpper(peer)+":5222")
	if err != nil {
		t.Fatal(err)
	}
	checkNoDelay(t, c) // the SAM socket itself is the stream
	echoRoundTrip(t, c, "<stream:stream to='x'>")
	c.Close()

	// The lookup and the connect reached this bridge (not 127.0.0.1:7656),
	// lookup first.
	cmds := f.commands()
	li := slices.IndexFunc(cmds, func(s string) bool { return s == "NAMING LOOKUP NAME="+peer })
	ci := slices.IndexFunc(cmds, func(s string) bool {
		return strings.HasPrefix(s, "STREAM CONNECT") && strings.Contains(s, "DESTINATION="+f.peer)
	})
	if li < 0 || ci < 0 || li > ci {
		t.Errorf("want NAMING LOOKUP of %s before STREAM CONNECT; got %q", peer, cmds)
	} else if want := "STREAM CONNECT ID=" + d.id + " DESTINATION=" + f.peer + " SILENT=false"; cmds[ci] != want {
		t.Errorf("got %q, want %q", cmds[ci], want)
	}

	if err := d.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, err = d.DialContext(ctx, "tcp", peer+":5222")
	wantErr(t, err, "the I2P session is closed")

	// Same identity file: the identity is loaded, not generated again.
	before := len(f.commands())
	d2, err := NewSAM(ctx, "localhost:"+strings.Split(f.addr(), ":")[1], SAMOptions{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if d2.Destination() != d.Destination() {
		t.Errorf("persistent identity changed: %s then %s", d.Destination(), d2.Destination())
	}
	for _, c := range f.commands()[before:] {
		if strings.HasPrefix(c, "DEST GENERATE") {
			t.Error("a new identity was generated although the file exists")
		}
		if strings.HasPrefix(c, "SESSION CREATE") && (!strings.Contains(c, " inbound.length=3") || !strings.Contains(c, " outbound.length=3")) {
			t.Errorf("default tunnel length is not 3: %q", c)
		}
	}
}

func TestNewSAMTransientIdentity(t *testing.T) {
	f := startFakeSAM(t, nil)
	d, err := NewSAM(context.Background(), f.addr(), SAMOptions{InboundLength: 1, OutboundLength: 1,
		Options: map[string]string{"inbound.quantity": "1", "inbound.length": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Destination() != f.b32 {
		t.Errorf("Destination() = %s", d.Destination())
	}
	var session string
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "SESSION CREATE") {
			session = c
		}
	}
	if !strings.Contains(session, " inbound.quantity=1") || !strings.Contains(session, " inbound.length=0") {
		t.Errorf("extra options not sent: %q", session)
	}
}

func TestSAMOptionsValidation(t *testing.T) {
	tests := []struct {
		o    SAMOptions
		want string
	}{
		{SAMOptions{InboundLength: -1}, "tunnel lengths"},
		{SAMOptions{OutboundLength: 8}, "tunnel lengths"},
		{SAMOptions{Options: map[string]string{"i2cp.leaseSetEncType": "0"}}, "cannot be changed"},
		{SAMOptions{Options: map[string]string{"bad key": "1"}}, "not valid"},
		{SAMOptions{Options: map[string]string{"x": "a b"}}, "invalid value"},
		{SAMOptions{Options: map[string]string{"x": "1\nSTREAM CONNECT"}}, "invalid value"},
		{SAMOptions{Options: map[string]string{"x": ""}}, "invalid value"},
	}
	for _, tc := range tests {
		_, err := NewSAM(context.Background(), "127.0.0.1:1", tc.o)
		wantErr(t, err, tc.want)
	}
	_, err := NewSAM(context.Background(), "sam.example:7656", SAMOptions{})
	wantErr(t, err, "must be an IP address")
}

// TestSAMHelloFailures: a bridge answering HELLO badly gives a clear error
// from Detect's probe and from NewSAM, quickly, without panics or leaks.
func TestSAMHelloFailures(t *testing.T) {
	base := runtime.NumGoroutine()
	tests := []struct {
		name   string
		hello  func(line string) string // nil: nothing listening
		want   string
		reason Reason
	}{
		{"garbage", func(string) string { return "HTTP/1.0 400 Bad Request" }, `not a SAM bridge: 127.0.0.1:`, ReasonProxyProtocol},
		{"binary garbage", func(string) string { return "\x00\x01\x02" }, `not a SAM bridge`, ReasonProxyProtocol},
		{"noversion", func(string) string { return "HELLO REPLY RESULT=NOVERSION" }, "supports none of the SAM versions Clove speaks (3.1–3.3)", ReasonProxyProtocol},
		{"only 3.0", func(l string) string {
			if strings.Contains(l, "MIN=3.0") {
				return "HELLO REPLY RESULT=OK VERSION=3.0"
			}
			return "HELLO REPLY RESULT=NOVERSION"
		}, "speaks version 3.0; Clove needs 3.1+", ReasonProxyProtocol},
		{"ignores MIN, says 3.0", func(string) string { return "HELLO REPLY RESULT=OK VERSION=3.0" }, "speaks version 3.0; Clove needs 3.1+", ReasonProxyProtocol},
		{"no version", func(string) string { return "HELLO REPLY RESULT=OK" }, "without a valid version", ReasonProxyProtocol},
		{"bad version", func(string) string { return "HELLO REPLY RESULT=OK VERSION=three" }, "without a valid version", ReasonProxyProtocol},
		{"i2p error", func(string) string { return `HELLO REPLY RESULT=I2P_ERROR MESSAGE="router shutting down"` }, "reported an error: router shutting down", ReasonProxyProtocol},
		{"other result", func(string) string { return "HELLO REPLY RESULT=WHAT" }, "unexpected HELLO reply", ReasonProxyProtocol},
		{"wrong topic", func(string) string { return "SESSION STATUS RESULT=OK" }, "not a SAM bridge", ReasonProxyProtocol},
		{"unterminated quote", func(string) string { return `HELLO REPLY RESULT=OK VERSION="3.1` }, "not a SAM bridge", ReasonProxyProtocol},
		{"closes mid-line", func(string) string { return "HELLO REPLY RES" + samClose }, `closed the connection in the middle of its HELLO reply (got "HELLO REPLY RES")`, ReasonProxyProtocol},
		{"closes at once", func(string) string { return samClose }, "closed the connection without answering HELLO", ReasonProxyProtocol},
		{"overlong line", func(string) string { return strings.Repeat("A", 5000) }, "overlong line", ReasonProxyProtocol},
		{"silent", func(string) string { return samSilent }, "did not answer HELLO in time", ReasonTimeout},
		{"nothing listening", nil, "could not reach the SAM bridge at 127.0.0.1:", ReasonProxyUnreachable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var addr string
			if tc.hello == nil {
				addr = closedPort(t)
			} else {
				hello := tc.hello
				// A bridge that only knows HELLO; a reply ending in samClose
				// is written without its newline, then the line is dropped.
				addr = startScript(t, func(c net.Conn) {
					br := bufio.NewReader(c)
					for {
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						r := hello(strings.TrimSpace(line))
						switch {
						case r == samSilent:
							_, _ = io.Copy(io.Discard, br)
							return
						case strings.HasSuffix(r, samClose):
							_, _ = io.WriteString(c, strings.TrimSuffix(r, samClose))
							return
						}
						if _, err := io.WriteString(c, r+"\n"); err != nil {
							return
						}
					}
				}).addr()
			}
			for _, via := range []string{"probe", "NewSAM"} {
				ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
				start := time.Now()
				var err error
				if via == "probe" {
					var v string
					v, err = probeSAM(ctx, addr)
					if err == nil {
						t.Fatalf("%s: probe said ok, version %s", via, v)
					}
				} else {
					var d *SAMDialer
					d, err = NewSAM(ctx, addr, SAMOptions{})
					if err == nil {
						d.Close()
						t.Fatalf("%s: NewSAM succeeded", via)
					}
				}
				cancel()
				if took := time.Since(start); took > time.Second {
					t.Errorf("%s took %v", via, took)
				}
				want := tc.want
				if tc.hello == nil && via == "probe" {
					want = "nothing listens on 127.0.0.1:"
				}
				wantErr(t, err, want)
				if de := dialErr(t, err); de.Reason != tc.reason {
					t.Errorf("%s: reason %v, want %v", via, de.Reason, tc.reason)
				}
			}
		})
	}
	checkGoroutines(t, base)
}

func TestNewSAMSessionFailures(t *testing.T) {
	base := runtime.NumGoroutine()
	tests := []struct {
		name    string
		session func(string) string
		timeout time.Duration
		want    string
		reason  Reason
	}{
		{"duplicated dest", func(string) string { return "SESSION STATUS RESULT=DUPLICATED_DEST" }, 0, "already in use by another session", ReasonProxyRefused},
		{"invalid key", func(string) string { return "SESSION STATUS RESULT=INVALID_KEY" }, 0, "rejected the I2P identity", ReasonProxyRefused},
		{"i2p error", func(string) string { return `SESSION STATUS RESULT=I2P_ERROR MESSAGE="no tunnels"` }, 0, "could not create the session", ReasonProxyRefused},
		{"garbage", func(string) string { return "WHAT" }, 0, "creating the I2P session on the SAM bridge", ReasonProxyProtocol},
		{"closes", func(string) string { return samClose }, 0, "closed the connection while creating the I2P session", ReasonProxyProtocol},
		{"silent (tunnels never built)", func(string) string { return samSilent }, 300 * time.Millisecond, "timed out creating the I2P session", ReasonTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeSAM(t, func(f *fakeSAM) { f.session = tc.session })
			start := time.Now()
			_, err := NewSAM(context.Background(), f.addr(), SAMOptions{SessionTimeout: tc.timeout})
			if tc.timeout > 0 && time.Since(start) > tc.timeout+500*time.Millisecond {
				t.Errorf("took %v", time.Since(start))
			}
			wantErr(t, err, tc.want)
			if de := dialErr(t, err); de.Reason != tc.reason {
				t.Errorf("reason %v, want %v", de.Reason, tc.reason)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		f := startFakeSAM(t, func(f *fakeSAM) { f.session = func(string) string { return samSilent } })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		_, err := NewSAM(ctx, f.addr(), SAMOptions{})
		wantErr(t, err, "was cancelled")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error does not wrap context.Canceled: %v", err)
		}
	})
	checkGoroutines(t, base)
}

func TestSAMDialFailures(t *testing.T) {
	base := runtime.NumGoroutine()
	peer := testB32("dial-fail")
	tests := []struct {
		name    string
		lookup  func(string) string
		connect func(string) string
		addr    string
		timeout time.Duration
		want    string
		reason  Reason
	}{
		{"cant reach peer", nil, func(string) string { return "STREAM STATUS RESULT=CANT_REACH_PEER" }, peer + ":5222", 0,
			"the I2P destination " + peer + " did not answer (not published yet or offline)", ReasonDestinationUnreachable},
		{"i2pd unknown b32", func(n string) string { return "NAMING REPLY RESULT=INVALID_KEY NAME=" + n }, nil, peer + ":5222", 0,
			"could not find the destination " + peer, ReasonDestinationNotFound},
		{"key not found", func(n string) string { return "NAMING REPLY RESULT=KEY_NOT_FOUND NAME=" + n }, nil, peer + ":5222", 0,
			"could not find the destination", ReasonDestinationNotFound},
		{"lookup garbage", func(string) string { return "xyz" }, nil, peer + ":5222", 0, "could not find the destination", ReasonDestinationNotFound},
		{"connect timeout", nil, func(string) string { return "STREAM STATUS RESULT=TIMEOUT" }, peer + ":5222", 0, "timed out connecting to", ReasonTimeout},
		{"invalid id", nil, func(string) string { return "STREAM STATUS RESULT=INVALID_ID" }, peer + ":5222", 0, "no longer knows this session", ReasonSessionEnded},
		{"i2p error", nil, func(string) string { return "STREAM STATUS RESULT=I2P_ERROR" }, peer + ":5222", 0, "internal error", ReasonDestinationUnreachable},
		{"garbage reply", nil, func(string) string { return "FOO BAR" }, peer + ":5222", 0, "could not connect to " + peer + " over I2P", ReasonUnknown},
		// A bridge hanging up on STREAM CONNECT without a reply (sam3 used to panic).
		{"closes without reply", nil, func(string) string { return samClose }, peer + ":5222", 0, "could not connect to " + peer + " over I2P", ReasonUnknown},
		{"silent connect", nil, func(string) string { return samSilent }, peer + ":5222", 300 * time.Millisecond, "timed out connecting to " + peer, ReasonTimeout},
		{"silent lookup", func(string) string { return samSilent }, nil, peer + ":5222", 300 * time.Millisecond, "timed out connecting to " + peer, ReasonTimeout},
		{"clearnet", nil, nil, "example.org:5222", 0, "a SAM bridge can only reach .b32.i2p addresses", ReasonBadAddress},
		{"address book name", nil, nil, "forum.i2p:5222", 0, "needs an address book", ReasonBadAddress},
		{"no port", nil, nil, peer, 0, "not a host:port", ReasonBadAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeSAM(t, func(f *fakeSAM) { f.lookup, f.connect = tc.lookup, tc.connect })
			d, err := NewSAM(context.Background(), f.addr(), SAMOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			c, err := d.DialContext(ctx, "tcp", tc.addr)
			if err == nil {
				c.Close()
				t.Fatal("dial succeeded")
			}
			if tc.timeout > 0 && time.Since(start) > tc.timeout+300*time.Millisecond {
				t.Errorf("cancellation not honoured quickly: took %v", time.Since(start))
			}
			wantErr(t, err, tc.want)
			if de := dialErr(t, err); de.Reason != tc.reason {
				t.Errorf("reason %v, want %v (%v)", de.Reason, tc.reason, err)
			}
		})
	}
	checkGoroutines(t, base)
}

func TestKeysFile(t *testing.T) {
	dir := t.TempDir()
	pub, priv, _ := fakeKeys()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"good", pub + "\n" + priv, ""},
		{"good trailing newline", pub + "\n" + priv + "\n", ""},
		{"one line", pub, "expected two lines"},
		{"empty", "", "expected two lines"},
		{"not base64", pub + "\n" + "!!!", "private key is not valid"},
		{"short pub", "AAAA\n" + priv, "public destination is not valid"},
		{"foreign private key", pub + "\n" + strings.Repeat("B", 700), "does not belong"},
		{"binary", "\x00\x01\x02\n\x03", "not valid"},
	}
	for _, tc := range tests {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
		if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := readKeysFile(p)
		if tc.want == "" {
			if err != nil || string(k.Address) != pub || k.Both != priv {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		wantErr(t, err, tc.want, "is damaged", "move it away")
	}
	// A damaged file stops NewSAM before any session is made.
	f := startFakeSAM(t, nil)
	bad := filepath.Join(dir, "one_line")
	_, err := NewSAM(context.Background(), f.addr(), SAMOptions{Keys: bad})
	wantErr(t, err, "is damaged")
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "SESSION CREATE") || strings.HasPrefix(c, "DEST GENERATE") {
			t.Errorf("unexpected %q with a damaged identity file", c)
		}
	}
	// writeKeysFile never replaces an existing file.
	good := filepath.Join(dir, "good")
	k, _ := readKeysFile(good)
	err = writeKeysFile(good, k)
	wantErr(t, err, "not overwriting")
}

func TestParseSAMReply(t *testing.T) {
	tests := []struct {
		line       string
		topic, vrb string
		kv         map[string]string
		wantErr    string
	}{
		{"HELLO REPLY RESULT=OK VERSION=3.1\n", "HELLO", "REPLY", map[string]string{"RESULT": "OK", "VERSION": "3.1"}, ""},
		{"HELLO REPLY RESULT=OK VERSION=3.1\r\n", "HELLO", "REPLY", map[string]string{"RESULT": "OK", "VERSION": "3.1"}, ""},
		{`SESSION STATUS RESULT=I2P_ERROR MESSAGE="no \"tunnels\" here"`, "SESSION", "STATUS", map[string]string{"RESULT": "I2P_ERROR", "MESSAGE": `no "tunnels" here`}, ""},
		{`NAMING REPLY RESULT=OK NAME=ME VALUE=abc~-=`, "NAMING", "REPLY", map[string]string{"RESULT": "OK", "NAME": "ME", "VALUE": "abc~-="}, ""},
		{"STREAM STATUS SILENT RESULT=OK", "STREAM", "STATUS", map[string]string{"SILENT": "", "RESULT": "OK"}, ""},
		{"  HELLO\tREPLY   RESULT=OK  ", "HELLO", "REPLY", map[string]string{"RESULT": "OK"}, ""},
		{`X Y K=""`, "X", "Y", map[string]string{"K": ""}, ""},
		{"", "", "", nil, "two upper-case words"},
		{"HELLO", "", "", nil, "two upper-case words"},
		{"hello reply", "", "", nil, "two upper-case words"},
		{"HTTP/1.1 400 Bad Request", "", "", nil, "two upper-case words"},
		{"HELLO REPLY RESULT=OK RESULT=NOVERSION", "", "", nil, "repeats the key"},
		{`HELLO REPLY MESSAGE="unterminated`, "", "", nil, "unterminated"},
		{`HELLO REPLY MESSAGE="a"b`, "", "", nil, "right after the quoted value"},
		{`HELLO REPLY MES"SAGE=a`, "", "", nil, "quote inside a key"},
		{`HELLO REPLY MESSAGE=a"b`, "", "", nil, "stray quote"},
		{"HELLO REPLY =x", "", "", nil, "empty key"},
		{"HELLO REPLY A=\x01", "", "", nil, "control character"},
		{"HELLO REPLY\nSESSION STATUS", "", "", nil, "control character"},
	}
	for _, tc := range tests {
		topic, verb, kv, err := parseSAMReply(tc.line)
		if tc.wantErr != "" {
			wantErr(t, err, tc.wantErr)
			continue
		}
		if err != nil {
			t.Errorf("parseSAMReply(%q): %v", tc.line, err)
			continue
		}
		if topic != tc.topic || verb != tc.vrb || fmt.Sprint(kv) != fmt.Sprint(tc.kv) {
			t.Errorf("parseSAMReply(%q) = %q %q %v; want %q %q %v", tc.line, topic, verb, kv, tc.topic, tc.vrb, tc.kv)
		}
	}
}

func TestZeroSAMDialer(t *testing.T) {
	var d SAMDialer
	if err := d.Close(); err != nil {
		t.Error(err)
	}
	_, err := d.DialContext(context.Background(), "tcp", testB32("z")+":5222")
	wantErr(t, err, "not created with NewSAM")
}

// The router ending the session (its control connection closed: i2pd
// stopped or restarted) is noticed at once: Ended closes, Alive turns
// false and a dial says why instead of trying a dead session. Before
// that, the bridge's PINGs are answered.
func TestSAMSessionEndedByRouter(t *testing.T) {
	f := startFakeSAM(t, func(f *fakeSAM) { f.controls = make(chan net.Conn, 1) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := NewSAM(ctx, f.addr(), SAMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctl := <-f.controls
	if !d.Alive() {
		t.Fatal("a fresh session is not alive")
	}
	if _, err := io.WriteString(ctl, "PING 1234\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(f.commands(), "PONG 1234") {
		if time.Now().After(deadline) {
			t.Fatalf("no PONG; bridge saw %q", f.commands())
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctl.Close() // the router goes away
	select {
	case <-d.Ended():
	case <-time.After(5 * time.Second):
		t.Fatal("Ended not closed after the bridge closed the session")
	}
	if d.Alive() {
		t.Fatal("Alive after the session ended")
	}
	_, err = d.DialContext(ctx, "tcp", f.b32+":5222")
	var de *DialError
	if !errors.As(err, &de) || de.Reason != ReasonSessionEnded || !strings.Contains(de.Msg, "ended the SAM session") {
		t.Fatalf("dial on an ended session: %v", err)
	}
	// Close after the end is fine, and Ended stays closed.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	<-d.Ended()
}
