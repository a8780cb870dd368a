package i2pnet

import (
	"context"
	"encoding/base32"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Destination is an I2P identity with its private keys, in i2pd's keys
// file format, made before any tunnel uses it so its name is known early
// (to write it into prosody's config, for instance).
type Destination struct {
	// B32 is the destination's name, <52 chars>.b32.i2p.
	B32 string
	// Keys is the private keys file's content (identity, encryption and
	// signing private keys), what i2pd reads from a tunnel's keys = file.
	Keys []byte
}

// NewDestination asks the server router's SAM bridge for a new destination
// (DEST GENERATE, Ed25519 signatures: i2pd's default for tunnels).
func (n *Network) NewDestination(tb testing.TB) Destination {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := generateDestination(ctx, n.Server().SAMAddr)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func generateDestination(ctx context.Context, samAddr string) (Destination, error) {
	s, err := samHello(ctx, samAddr)
	if err != nil {
		return Destination{}, err
	}
	defer s.Close()
	reply, err := s.cmd("DEST GENERATE SIGNATURE_TYPE=7")
	if err != nil {
		return Destination{}, fmt.Errorf("SAM DEST GENERATE: %w", err)
	}
	var priv string
	for _, f := range strings.Fields(reply) {
		if v, ok := strings.CutPrefix(f, "PRIV="); ok {
			priv = v
		}
	}
	if !strings.HasPrefix(reply, "DEST REPLY ") || priv == "" {
		return Destination{}, fmt.Errorf("SAM DEST GENERATE answered %q", reply)
	}
	keys, err := i2pBase64.DecodeString(priv)
	if err != nil {
		return Destination{}, fmt.Errorf("SAM DEST GENERATE: PRIV: %w", err)
	}
	b32, err := B32(keys)
	if err != nil {
		return Destination{}, err
	}
	return Destination{B32: b32, Keys: keys}, nil
}

// B32 computes a .b32.i2p name from a destination or a keys file that
// starts with one: base32 (lower case, no padding) of the SHA-256 of the
// identity.
func B32(identity []byte) (string, error) {
	h, err := identHash(identity)
	if err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:])) + ".b32.i2p", nil
}

// TunnelOption configures a server tunnel.
type TunnelOption func(*tunnelSettings)

type tunnelSettings struct {
	keys      *Destination
	inbound   int
	inboundOK bool
	inport    int
	httpHost  string
}

// HTTPServer makes the tunnel an i2pd HTTP server tunnel (type = http) on
// I2P port 80 (inport) that gives the target requests with Host set to
// host (hostoverride), as the node's upload tunnel does: a request for
// http://<b32>/… reaches a prosody that serves HTTP for the b32's name.
// With Keys, it shares the destination of the server's other tunnel: the
// streams to port 80 come here, the others (port 0 included) go there.
func HTTPServer(host string) TunnelOption {
	return func(s *tunnelSettings) { s.httpHost, s.inport = host, 80 }
}

// InPort makes the tunnel take only the streams to I2P port p (i2pd's
// inport). With Keys, it shares the destination of the server's other
// tunnel, which keeps the streams to every other port: the node's direct
// TLS port (XEP-0368, 5223) beside its STARTTLS one.
func InPort(p int) TunnelOption { return func(s *tunnelSettings) { s.inport = p } }

// InboundHops sets the server tunnel's inbound length (default 1). With 0
// the server router is its own gateway: a test that restarts another
// router then cannot have hit the server's tunnels.
func InboundHops(n int) TunnelOption {
	return func(s *tunnelSettings) { s.inbound, s.inboundOK = n, true }
}

// Keys makes the tunnel use d (from NewDestination) instead of new keys.
func Keys(d Destination) TunnelOption { return func(s *tunnelSettings) { s.keys = &d } }

var tunnelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,40}$`)

// ServerTunnel adds an i2pd server tunnel to target (host:port on
// 127.0.0.1) on the server router, while it runs (tunnels.d/NAME.conf and
// SIGHUP), and returns its .b32.i2p name. The tunnel has 1 inbound hop and
// 0 outbound hops (with 1/1, i2pd 2.45.1 sometimes leaves the lease set
// unpublished for ~10 min) and an ECIES-X25519 lease set. It is published
// some 10–30 s later: wait with WaitReachable. Tunnels stay until the
// network stops.
func (n *Network) ServerTunnel(tb testing.TB, name, target string, opts ...TunnelOption) string {
	tb.Helper()
	b32, err := n.serverTunnel(name, target, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return b32
}

func (n *Network) serverTunnel(name, target string, opts ...TunnelOption) (string, error) {
	var s tunnelSettings
	for _, o := range opts {
		o(&s)
	}
	if !tunnelName.MatchString(name) {
		return "", fmt.Errorf("i2pnet: tunnel name %q: want [a-z0-9_-]", name)
	}
	host, port, ok := strings.Cut(target, ":")
	if !ok || host != "127.0.0.1" {
		return "", fmt.Errorf("i2pnet: tunnel target %q: want 127.0.0.1:port", target)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return "", errStopped
	}
	// i2pd's SIGHUP never changes an existing tunnel: a name used before on
	// this (shared) network, e.g. by the same test under -count=2, gets a
	// fresh tunnel under a numbered name.
	for base, i := name, 2; n.tunnels[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	r := n.Server()
	if s.keys == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		d, err := generateDestination(ctx, r.SAMAddr)
		cancel()
		if err != nil {
			return "", err
		}
		s.keys = &d
	}
	keysFile := "tunnel-" + name + ".dat" // relative: i2pd reads it from its data dir
	if err := os.WriteFile(filepath.Join(r.Dir, keysFile), s.keys.Keys, 0o600); err != nil {
		return "", err
	}
	inbound := 1
	if s.inboundOK {
		inbound = s.inbound
	}
	kind, extra := "server", ""
	if s.httpHost != "" {
		kind = "http"
		extra = fmt.Sprintf("hostoverride = %s\n", s.httpHost)
	}
	if s.inport != 0 {
		extra += fmt.Sprintf("inport = %d\n", s.inport)
	}
	conf := fmt.Sprintf(`[%s]
type = %s
host = %s
port = %s
keys = %s
inbound.length = %d
outbound.length = 0
inbound.quantity = 2
outbound.quantity = 2
i2cp.leaseSetEncType = 4
%s`, name, kind, host, port, keysFile, inbound, extra)
	if err := os.WriteFile(filepath.Join(r.Dir, "tunnels.d", name+".conf"), []byte(conf), 0o600); err != nil {
		return "", err
	}
	if err := r.hup(); err != nil {
		return "", err
	}
	n.tunnels[name] = true
	return s.keys.B32, nil
}
