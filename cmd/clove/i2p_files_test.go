package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// startI2PFileServer is startI2PServer with HTTP upload: slot URLs are
// http://<b32>.b32.i2p/file_share/…, served through an i2pd HTTP server
// tunnel on the same destination (port 80, hostoverride), as the bundled
// node does.
func startI2PFileServer(t testing.TB) i2pServer {
	t.Helper()
	prosodytest.Require(t)
	n := i2pnet.Shared(t)
	dest := n.NewDestination(t)
	srv := prosodytest.Start(t, prosodytest.Domain(dest.B32), prosodytest.LogLevel("info"), prosodytest.WithPEP(),
		prosodytest.WithHTTPUploadLimit(20<<20), prosodytest.WithHTTPUploadURL("http://"+dest.B32+"/"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	n.ServerTunnel(t, "xmpp-files", srv.C2SAddr, i2pnet.Keys(dest))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for i := range 2 {
		if _, err := i2pnet.WaitReachable(ctx, n.Client(i).SOCKSAddr, dest.B32, 5222); err != nil {
			t.Fatalf("prosody behind %s: %v", dest.B32, err)
		}
	}
	// The HTTP tunnel after the XMPP one stands: of a destination's server
	// tunnels, the first i2pd sets up takes the streams to port 0 and to
	// ports no tunnel names (tunnels.d is read in name order, and
	// "xmpp-files-http" sorts before "xmpp-files": every XMPP stream then
	// went to the HTTP port and the server was never reached).
	n.ServerTunnel(t, "xmpp-files-http", "127.0.0.1:"+strconv.Itoa(srv.HTTPPort), i2pnet.Keys(dest), i2pnet.HTTPServer(dest.B32))
	return i2pServer{net: n, srv: srv, b32: dest.B32}
}

// noisePNG is a picture of about size bytes (random pixels do not
// compress).
func noisePNG(t *testing.T, size int) []byte {
	t.Helper()
	side := 1
	for side*side*4 < size {
		side++
	}
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A 5 MB picture from alice to bob over the private I2P network, both on
// their own routers' SOCKS proxies in I2P-only mode, the server known only
// by its .b32.i2p name: encrypted (XEP-0454 inside OMEMO; the server's
// disk holds no plaintext of it) and in plaintext; bob fetches the very
// bytes. The real binary under strace uploads and downloads: every
// connect() goes to the router's SOCKS port, none to port 53, none
// elsewhere.
func TestFilesOverI2P(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the private I2P network")
	}
	s := startI2PFileServer(t)
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+s.b32, "bob@"+s.b32
	for i, u := range []struct {
		c cli
		j string
	}{{alice, aj}, {bob, bj}} {
		runI2P(t, u.c, "account", "add", u.j, "--proxy", "socks5://"+s.net.Client(i).SOCKSAddr, "--i2p-only")
	}
	runI2P(t, bob, "listen", "--account", bj, "--timeout", "3s") // publishes bob's OMEMO device
	dir := t.TempDir()
	pic := noisePNG(t, 5<<20)
	path := filepath.Join(dir, "picture.png")
	if err := os.WriteFile(path, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	marker := string(pic[:33]) // the PNG signature and its header chunk
	for _, tc := range []struct {
		name  string
		flags []string
		enc   bool
	}{{"encrypted", nil, true}, {"plain", []string{"--plain"}, false}} {
		r, sendTook := runI2P(t, alice, append(append([]string{"send", "--account", aj}, tc.flags...), "--file", path, bj)...)
		url := strings.TrimSpace(r.stdout)
		r, _ = runI2P(t, bob, "listen", "--account", bj, "--count", "1", "--timeout", "90s", "--json")
		var l struct {
			jsonMessage
			File *jsonFile `json:"file"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &l); err != nil || l.File == nil || l.File.URL != url || l.File.Encrypted != tc.enc {
			t.Fatalf("%s: bob's listen %q (%v), want the file %s", tc.name, r.stdout, err, url)
		}
		if tc.enc && s.srv.AtRest(t, marker)[marker] {
			t.Errorf("the encrypted picture's plaintext is on the server's disk")
		}
		dst := filepath.Join(dir, "fetched-"+tc.name)
		_, fetchTook := runI2P(t, bob, "fetch", "--account", bj, url, "-o", dst)
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, pic) {
			t.Fatalf("%s: bob fetched %d bytes, not the %d sent", tc.name, len(got), len(pic))
		}
		mb := float64(len(pic)) / 1e6
		t.Logf("i2p: %.1f MB picture (%s): send --file (login, slot, upload, message, ack) %v; fetch (through bob's router) %v = %.2f MB/s",
			mb, tc.name, sendTook.Round(time.Millisecond), fetchTook.Round(time.Millisecond), mb/fetchTook.Seconds())
	}

	straceBin, err := exec.LookPath("strace")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("strace is required in CI (make deps): %v", err)
		}
		t.Skip("strace not installed")
	}
	bin := buildCloveOffline(t)
	small := filepath.Join(dir, "small.png")
	if err := os.WriteFile(small, noisePNG(t, 200_000), 0o600); err != nil {
		t.Fatal(err)
	}
	n, took, out := traceClove(t, straceBin, bin, alice.profile, s.net.Client(0).SOCKSAddr, "send", "--account", aj, "--file", small, bj)
	t.Logf("strace, send --file via SOCKS: %d connect() calls, all to the router; %v", n, took.Round(time.Millisecond))
	// The output is stdout and stderr together: a slow I2P login adds
	// "clove: still connecting …" before the URL (seen in CI at 5.5 s).
	var url string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "aesgcm://") {
			url = strings.TrimSpace(line)
		}
	}
	if url == "" {
		t.Fatalf("traced send --file printed %q", out)
	}
	n, took, _ = traceClove(t, straceBin, bin, bob.profile, s.net.Client(1).SOCKSAddr, "fetch", "--account", bj, url, "-o", filepath.Join(dir, "traced"))
	t.Logf("strace, fetch via SOCKS: %d connect() calls, all to the router; %v", n, took.Round(time.Millisecond))
}
