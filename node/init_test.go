package node

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

func requireBins(t *testing.T) {
	t.Helper()
	prosodytest.Require(t)
	if _, err := exec.LookPath("i2pd"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("i2pd is missing (run make deps): %v", err)
		}
		t.Skip("i2pd not installed")
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func mode(t *testing.T, p string) os.FileMode {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// Init makes a node whose domain is its own .b32.i2p, and the prosody it
// configures starts and serves that domain with the certificate made for it.
func TestInitMakesAWorkingNode(t *testing.T) {
	requireBins(t)
	dir := filepath.Join(t.TempDir(), "node")
	c2s, s2s := freePort(t), freePort(t)
	t0 := time.Now()
	info, err := Init(context.Background(), InitOptions{Dir: dir, C2SPort: c2s, S2SPort: s2s})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("node %s initialised in %v", info.Domain, time.Since(t0))
	if err := transport.ValidateI2PName(info.Domain); err != nil || !strings.HasSuffix(info.Domain, ".b32.i2p") {
		t.Fatalf("domain %q: %v", info.Domain, err)
	}
	for _, d := range []string{"", "i2pd", "prosody", "prosody/data", "prosody/certs"} {
		if m := mode(t, filepath.Join(dir, d)); m != 0o700 {
			t.Errorf("%s has mode %o, want 0700", d, m)
		}
	}
	for _, f := range []string{keysFile, infoFile, prosodyCfg, "prosody/certs/" + info.Domain + ".key"} {
		if m := mode(t, filepath.Join(dir, f)); m != 0o600 {
			t.Errorf("%s has mode %o, want 0600", f, m)
		}
	}
	// The b32 is the one i2pd publishes: recomputed from the keys file.
	keys, _ := os.ReadFile(filepath.Join(dir, keysFile))
	if b, _ := B32FromKeys(keys); b != info.Domain {
		t.Fatalf("b32 %s, keys say %s", info.Domain, b)
	}
	pemBytes, _ := os.ReadFile(filepath.Join(dir, "prosody/certs", info.Domain+".crt"))
	blk, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || cert.VerifyHostname(info.Domain) != nil || cert.VerifyHostname("muc."+info.Domain) != nil {
		t.Fatalf("certificate does not cover the node's names: %v", err)
	}
	loaded, err := Load(dir)
	if err != nil || loaded.Domain != info.Domain || loaded.C2SPort != c2s {
		t.Fatalf("Load: %+v %v", loaded, err)
	}

	// Run the prosody it configured, add a user, log in with Clove.
	cfg := ProsodyConfig(dir)
	p := exec.Command("prosody", "--config", cfg, "-F")
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { p.Process.Kill(); p.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(c2s)))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "logs/prosody.log"))
			t.Fatalf("the node's prosody did not start: %s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	add := exec.Command("prosodyctl", "--config", cfg, "adduser", "admin@"+info.Domain)
	add.Stdin = strings.NewReader("admin-pw\nadmin-pw\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("adduser: %v %s", err, out)
	}
	client, err := xmppclient.New(xmppclient.Config{
		JID:         jid.MustParse("admin@" + info.Domain),
		Password:    "admin-pw",
		NoReconnect: true,
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", itoa(c2s)))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go client.Run(ctx)
	// Where prosody-modules is installed, the node offers Invisible.
	wantInvisible := xmppclient.Unsupported
	if findModule("privacy_lists", communityModuleDirs()) != "" {
		wantInvisible = xmppclient.Supported
	}
	pinned := ""
	for ev := range client.Events() {
		if p, ok := ev.(xmppclient.CertPinned); ok {
			pinned = p.Fingerprint
		}
		if sc, ok := ev.(xmppclient.StateChanged); ok {
			if sc.State == xmppclient.Online {
				for end := time.Now().Add(5 * time.Second); client.InvisibleSupport() == xmppclient.SupportUnknown && time.Now().Before(end); {
					time.Sleep(5 * time.Millisecond)
				}
				if got := client.InvisibleSupport(); got != wantInvisible {
					t.Errorf("the node's invisibility: %v, want %v", got, wantInvisible)
				}
				// The node offers Client State Indication (XEP-0352).
				if sent, err := client.SetInactive(ctx, true); !sent || err != nil {
					t.Errorf("the node took no CSI: sent %v, %v", sent, err)
				}
				cancel()
			}
			if sc.State == xmppclient.Failed {
				t.Fatalf("login to the node: %v", sc.Err)
			}
		}
	}
	if pinned != xmppclient.Fingerprint(cert) {
		t.Fatalf("pinned %s, the node's certificate is %s", pinned, xmppclient.Fingerprint(cert))
	}

	// The node also takes direct TLS (XEP-0368) on its own port, published
	// as I2P port 5223: the same certificate, pinned, answers there.
	if info.DirectTLSPort == 0 || info.DirectTLSPort == c2s {
		t.Fatalf("direct TLS port %d", info.DirectTLSPort)
	}
	if tun, _ := os.ReadFile(filepath.Join(dir, tunnelsFile)); !strings.Contains(string(tun), "port = "+itoa(info.DirectTLSPort)+"\ninport = 5223\n") {
		t.Errorf("tunnels.conf publishes no direct TLS port:\n%s", tun)
	}
	direct, err := xmppclient.New(xmppclient.Config{
		JID: jid.MustParse("admin@" + info.Domain), Password: "admin-pw", NoReconnect: true, Passive: true,
		DirectTLS: true, Pin: xmppclient.Fingerprint(cert),
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", itoa(info.DirectTLSPort)))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer dcancel()
	done := make(chan error, 1)
	go func() { done <- direct.Run(dctx) }()
	go func() {
		for range direct.Events() {
		}
	}()
	if err := direct.WaitOnline(dctx); err != nil {
		t.Fatalf("direct TLS login to the node: %v", err)
	}
	dcancel()
	<-done
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestInitRefusesAndExplains(t *testing.T) {
	requireBins(t)
	dir := filepath.Join(t.TempDir(), "node")
	info, err := Init(context.Background(), InitOptions{Dir: dir, C2SPort: freePort(t), S2SPort: freePort(t)})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := os.ReadFile(filepath.Join(dir, keysFile))

	_, err = Init(context.Background(), InitOptions{Dir: dir, C2SPort: freePort(t), S2SPort: freePort(t)})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second init: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, keysFile)); string(after) != string(keys) {
		t.Fatal("a refused init changed the node's I2P identity")
	}
	if again, _ := Load(dir); again.Domain != info.Domain {
		t.Fatal("a refused init changed node.json")
	}

	busy, _ := net.Listen("tcp", "127.0.0.1:0")
	defer busy.Close()
	cases := []struct {
		name string
		opts InitOptions
		want string
	}{
		{"port in use", InitOptions{Dir: filepath.Join(t.TempDir(), "n"), C2SPort: busy.Addr().(*net.TCPAddr).Port, S2SPort: freePort(t)}, "already in use"},
		{"no i2pd", InitOptions{Dir: filepath.Join(t.TempDir(), "n"), I2PD: "/nonexistent/i2pd", C2SPort: freePort(t), S2SPort: freePort(t)}, "i2pd not found"},
		{"bad proxy", InitOptions{Dir: filepath.Join(t.TempDir(), "n"), SOCKS: "nonsense", C2SPort: freePort(t), S2SPort: freePort(t)}, "SOCKS proxy address"},
		{"no dir", InitOptions{}, "no node directory"},
	}
	for _, tc := range cases {
		_, err := Init(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "clove node init") {
		t.Errorf("Load of an empty dir: %v", err)
	}
}

func TestB32FromKeysRejectsJunk(t *testing.T) {
	for _, k := range [][]byte{nil, make([]byte, 100), append(make([]byte, 385), 0xff, 0xff)} {
		if _, err := B32FromKeys(k); err == nil {
			t.Errorf("accepted %d bytes of junk", len(k))
		}
	}
}

// The window's node takes free ports where the usual ones are taken (a
// machine that already runs prosody); the ports "taken" here are
// pretended, so the test never binds 5222 or 5269.
func TestChoosePorts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		taken []int
		want  []int
		err   string
	}{
		{"both free", nil, []int{5222, 5269}, ""},
		{"prosody runs", []int{5222, 5269}, []int{15222, 15269}, ""},
		{"only c2s taken", []int{5222}, []int{15222, 5269}, ""},
		{"the next ones taken too", []int{5222, 15222, 15223, 5269}, []int{15224, 15269}, ""},
		{"all taken", nil, nil, "no free port for the node near 5222"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inUse := func(p int) bool { return slices.Contains(tc.taken, p) }
			if tc.err != "" {
				inUse = func(int) bool { return true }
			}
			got, err := ChoosePorts([]int{5222, 5269}, inUse)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want error %q", got, err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	// Two wanted ports never get the same one.
	if got, _ := ChoosePorts([]int{5222, 5222}, func(int) bool { return false }); got[0] == got[1] {
		t.Errorf("the same port twice: %v", got)
	}
}

// A taken port is an error that names it and no command-line flag (the
// command line adds those; the window picks free ports).
func TestInitPortTakenWithoutPicking(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	_, err = Init(context.Background(), InitOptions{Dir: t.TempDir(), C2SPort: taken, S2SPort: freePort(t),
		I2PD: "/bin/true"}) // never run: the ports are checked first
	var inUse *PortInUseError
	if !errors.As(err, &inUse) || inUse.Port != taken || strings.Contains(err.Error(), "--") {
		t.Fatalf("got %v; want the port in use, no flags", err)
	}
}

// The node enables mod_privacy_lists (Clove's Invisible) only where it is
// installed, and tells prosody where it is; without it the config is the
// one the node always had.
func TestProsodyConfigPrivacyLists(t *testing.T) {
	info := &Info{Domain: strings.Repeat("a", 52) + ".b32.i2p", C2SPort: 5222, S2SPort: 5269, SOCKS: "127.0.0.1:4447"}
	modules := t.TempDir()
	for _, tc := range []struct {
		name string
		dirs []string
		want bool
	}{
		{"missing", []string{filepath.Join(modules, "none")}, false},
		{"installed", []string{filepath.Join(modules, "none"), modules}, true},
	} {
		if tc.want {
			if err := os.MkdirAll(filepath.Join(modules, "mod_privacy_lists"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(modules, "mod_privacy_lists", "mod_privacy_lists.lua"), []byte("-- stub\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "prosody"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := writeProsodyConfigWith(dir, info, tc.dirs); err != nil {
			t.Fatal(err)
		}
		cfg, err := os.ReadFile(ProsodyConfig(dir))
		if err != nil {
			t.Fatal(err)
		}
		text := string(cfg)
		enabled := strings.Contains(text, `"privacy_lists";`)
		onPath := strings.Contains(text, `plugin_paths = { "`+filepath.Join(dir, "prosody/plugins")+`", "`+modules+`" }`)
		if enabled != tc.want || onPath != tc.want {
			t.Errorf("%s: privacy_lists enabled %v, its dir on plugin_paths %v; want %v:\n%s", tc.name, enabled, onPath, tc.want, text)
		}
	}
}

// The dispatcher's tunnel comes first, without an inport: i2pd hands it the
// streams to I2P port 0 (every SAM client's). The others keep theirs.
func TestTunnelsConfDispatcherFirst(t *testing.T) {
	info := &Info{Domain: "x.b32.i2p", C2SPort: 15222, S2SPort: 15269, HTTPPort: 15280, DispatchPort: 15289}
	conf := tunnelsText(info)
	sections := strings.Split(conf, "\n[")
	if len(sections) != 4 || !strings.HasPrefix(conf, "[xmpp-any]\ntype = server\nhost = 127.0.0.1\nport = 15289\nkeys = xmpp.dat\n") || strings.Contains(sections[0], "inport") {
		t.Fatalf("tunnels.conf:\n%s", conf)
	}
	for i, want := range []string{"xmpp-c2s]\ntype = server\nhost = 127.0.0.1\nport = 15222\ninport = 5222\n", "xmpp-s2s]\ntype = server\nhost = 127.0.0.1\nport = 15269\ninport = 5269\n", "xmpp-http]\ntype = http\nhost = 127.0.0.1\nport = 15280\ninport = 80\n"} {
		if !strings.HasPrefix(sections[i+1], want) {
			t.Errorf("section %d: %q, want %q first", i+1, sections[i+1], want)
		}
	}
	// A node.json from before the dispatcher: as before, c2s first.
	info.DispatchPort = 0
	if conf := tunnelsText(info); !strings.HasPrefix(conf, "[xmpp-c2s]") {
		t.Errorf("without a dispatcher port:\n%s", conf)
	}
	// Its port is never an I2P port another tunnel names.
	for _, taken := range [][]int{{5289}, {}} {
		p, err := chooseDispatchPort(taken...)
		if err != nil || p == 80 || p == 5222 || p == 5269 || slices.Contains(taken, p) {
			t.Errorf("chooseDispatchPort(%v) = %d, %v", taken, p, err)
		}
	}
}
