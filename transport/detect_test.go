package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDetectRealI2PD(t *testing.T) {
	r := startI2PD(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	start := time.Now()
	st := Detect(ctx, r.SOCKS, r.SAM, WithConsole(r.Console))
	t.Logf("Detect took %v:\n%s", time.Since(start), st)
	if !st.SOCKSOK {
		t.Errorf("SOCKS not ok: %v", st.SOCKSErr)
	}
	if !st.SAMOK || !strings.HasPrefix(st.SAMVersion, "3.") {
		t.Errorf("SAM ok=%v version %q: %v", st.SAMOK, st.SAMVersion, st.SAMErr)
	}
	if !strings.HasPrefix(st.RouterVersion, "i2pd ") {
		t.Errorf("RouterVersion = %q, want i2pd x.y.z", st.RouterVersion)
	}
	var i2pd *ToolStatus
	for i := range st.Tools {
		if st.Tools[i].Name == "i2pd" {
			i2pd = &st.Tools[i]
		}
	}
	if i2pd == nil || i2pd.Path == "" || !strings.Contains(i2pd.Version, "i2pd version") {
		t.Errorf("i2pd tool status %+v", i2pd)
	}
	out := st.String()
	for _, w := range []string{"SOCKS5 proxy " + r.SOCKS + ": ok", "SAM bridge " + r.SAM + ": ok, SAM 3.", "I2P router: i2pd "} {
		if !strings.Contains(out, w) {
			t.Errorf("String() lacks %q:\n%s", w, out)
		}
	}

	// Defaults are filled in for empty addresses.
	if d := Detect(ctx, "", "", WithConsole(""), WithTools(), WithProbeTimeout(200*time.Millisecond)); d.SOCKSAddr != DefaultSOCKSAddr || d.SAMAddr != DefaultSAMAddr {
		t.Errorf("defaults: %s %s", d.SOCKSAddr, d.SAMAddr)
	}
}

func TestDetectNothingListening(t *testing.T) {
	socks, sam, console := closedPort(t), closedPort(t), closedPort(t)
	start := time.Now()
	st := Detect(context.Background(), socks, sam, WithConsole(console), WithTools("clove-no-such-tool"))
	if time.Since(start) > 2*time.Second {
		t.Errorf("Detect took %v", time.Since(start))
	}
	if st.SOCKSOK || st.SAMOK || st.RouterVersion != "" {
		t.Fatalf("status %+v", st)
	}
	out := st.String()
	t.Logf("\n%s", out)
	for _, w := range []string{
		"SOCKS5 proxy " + socks + ": not found — nothing listens on " + socks,
		"SAM bridge " + sam + ": not found — nothing listens on " + sam,
		"version unknown (no web console at " + console + ")",
		"clove-no-such-tool: not found on PATH",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("String() lacks %q", w)
		}
	}
}

// TestDetectFakes: services that answer, but wrongly.
func TestDetectFakes(t *testing.T) {
	answer := func(b []byte) string {
		return startScript(t, func(c net.Conn) {
			buf := make([]byte, 64)
			_, _ = c.Read(buf)
			_, _ = c.Write(b)
		}).addr()
	}
	silent := startScript(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }).addr()
	tests := []struct {
		name    string
		socks   string
		want    string
		wantOK  bool
		timeout time.Duration
	}{
		{"good", answer([]byte{5, 0}), "", true, 0},
		{"auth", answer([]byte{5, 0xff}), "wants authentication", false, 0},
		{"odd method", answer([]byte{5, 2}), "chose authentication method 0x02", false, 0},
		{"http", answer([]byte("HTTP/1.1 400 Bad Request\r\n")), `is not a SOCKS5 proxy: it answered "HT"`, false, 0},
		{"one byte", answer([]byte{5}), "sent only 05", false, 0},
		{"closes", answer(nil), "closed the connection without answering", false, 0},
		{"silent", silent, "did not answer the SOCKS5 greeting in time", false, 200 * time.Millisecond},
		{"named", "localhost.localdomain:4447", "must be an IP address", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			timeout := tc.timeout
			if timeout == 0 {
				timeout = time.Second
			}
			st := Detect(context.Background(), tc.socks, closedPort(t), WithConsole(""), WithTools(), WithProbeTimeout(timeout))
			if st.SOCKSOK != tc.wantOK {
				t.Fatalf("SOCKSOK = %v (%v)", st.SOCKSOK, st.SOCKSErr)
			}
			if tc.want != "" {
				wantErr(t, st.SOCKSErr, tc.want)
				if !strings.Contains(st.String(), "not working — ") {
					t.Errorf("String():\n%s", st)
				}
			}
		})
	}
}

func TestParseConsoleVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<title>Purple I2P Webconsole</title>...<b>Version:</b> 2.45.1<br>`, "i2pd 2.45.1"},
		{`<b>Version:</b>2.50.0-beta<br>`, "I2P router 2.50.0-beta"},
		{`<b>Version:</b> <script>`, ""},
		{`nothing here`, ""},
	}
	for _, tc := range tests {
		if got := parseConsoleVersion([]byte(tc.in)); got != tc.want {
			t.Errorf("parseConsoleVersion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestProsodyVersionNeverRunsProsody(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(src, "prosody.version"), []byte("0.12.3\n"), 0o644)
	script := filepath.Join(dir, "prosody")
	// If this ran, it would fail the test by creating a file.
	_ = os.WriteFile(script, []byte("#!/bin/sh\nCFG_SOURCEDIR='"+src+"';\ntouch "+dir+"/ran\n"), 0o755)
	v, err := prosodyVersion(script)
	if err != nil || v != "Prosody 0.12.3" {
		t.Errorf("prosodyVersion = %q, %v", v, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the prosody launcher was run")
	}
}

// TestSOCKSRealI2PD: errors from a real router's proxy.
func TestSOCKSRealI2PD(t *testing.T) {
	r := startI2PD(t)
	d, err := NewSOCKS5("socks5://" + r.SOCKS)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	unknown := testB32("nobody-" + time.Now().String())
	start := time.Now()
	_, err = d.DialContext(ctx, "tcp", unknown+":5222")
	t.Logf("unknown destination: %v after %v", err, time.Since(start))
	wantErr(t, err, "the I2P router found no way to "+unknown+": it is offline or not published yet, or the router has no tunnels yet (started just now?)")
	if de := dialErr(t, err); de.SOCKSReply != 4 || de.Reason != ReasonDestinationUnreachable {
		t.Errorf("reply %#x reason %v", de.SOCKSReply, de.Reason)
	}

	_, err = d.DialContext(ctx, "tcp", "example.org:5222")
	t.Logf("clearnet: %v", err)
	wantErr(t, err, "cannot reach clearnet hosts")
}

// TestSAMRealI2PD: a session on a real (lone) router with zero-hop tunnels,
// which it can build without peers; a persistent identity survives a new
// session; an unknown destination gives a clear error; a session that
// cannot get tunnels times out on time.
func TestSAMRealI2PD(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about a minute (i2pd needs ~20 s per session)")
	}
	r := startI2PD(t)
	keys := filepath.Join(t.TempDir(), "clove.keys")
	zeroHop := SAMOptions{Keys: keys, SessionTimeout: 90 * time.Second,
		Options: map[string]string{"inbound.length": "0", "outbound.length": "0"}}

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		// One-hop tunnels need peers this router does not have.
		_, err := NewSAM(context.Background(), r.SAM, SAMOptions{InboundLength: 1, OutboundLength: 1, SessionTimeout: 2 * time.Second})
		took := time.Since(start)
		t.Logf("%v after %v", err, took)
		wantErr(t, err, "timed out creating the I2P session", "warming up")
		if took > 3*time.Second {
			t.Errorf("took %v with a 2 s limit", took)
		}
	})
	t.Run("session", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		start := time.Now()
		d, err := NewSAM(ctx, r.SAM, zeroHop)
		if err != nil {
			t.Fatalf("NewSAM: %v\n%s", err, r.logTail())
		}
		t.Logf("session 1 ready after %v: %s", time.Since(start), d.Destination())
		if err := ValidateI2PName(d.Destination()); err != nil || !isB32(d.Destination()) {
			t.Errorf("Destination() = %q: %v", d.Destination(), err)
		}
		if fi, err := os.Stat(keys); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("identity file: %v %v", fi, err)
		}
		unknown := testB32("nobody-sam-" + time.Now().String())
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		start = time.Now()
		_, err = d.DialContext(dctx, "tcp", unknown+":5222")
		cancel()
		t.Logf("unknown destination: %v after %v", err, time.Since(start))
		wantErr(t, err, unknown)
		if de := dialErr(t, err); de.Reason != ReasonDestinationNotFound && de.Reason != ReasonDestinationUnreachable {
			t.Errorf("reason %v", de.Reason)
		}
		first := d.Destination()
		if err := d.Close(); err != nil {
			t.Error(err)
		}

		start = time.Now()
		d2, err := NewSAM(ctx, r.SAM, zeroHop)
		if err != nil {
			t.Fatalf("NewSAM again: %v", err)
		}
		defer d2.Close()
		t.Logf("session 2 ready after %v", time.Since(start))
		if d2.Destination() != first {
			t.Errorf("identity changed: %s then %s", first, d2.Destination())
		}
	})
}
