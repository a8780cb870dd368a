package node

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/assets"
	"github.com/clove-xmpp/clove/internal/i2pdconf"
	"github.com/clove-xmpp/clove/transport"
)

// Info is what node.json records about a node.
type Info struct {
	Domain  string `json:"domain"` // the node's .b32.i2p, its XMPP domain
	C2SPort int    `json:"c2s_port"`
	S2SPort int    `json:"s2s_port"`
	// HTTPPort is prosody's HTTP port on 127.0.0.1, where the node's
	// upload service (XEP-0363) takes and serves files; the node's I2P
	// destination forwards its port 80 there. 0 in a node.json from a Clove
	// before uploads: the next start picks one (ensureHTTPPort).
	HTTPPort int `json:"http_port,omitempty"`
	// DispatchPort is the dispatcher's port on 127.0.0.1 (portmux, run by
	// clove-node --dispatch): the node's own i2pd hands it the streams to
	// I2P port 0 (every SAM client's), and it sends each to prosody's c2s,
	// s2s or HTTP port by its first bytes. 0 in a node.json from a Clove
	// before it: the next start picks one (refresh).
	DispatchPort int `json:"dispatch_port,omitempty"`
	// DirectTLSPort is prosody's direct TLS client port on 127.0.0.1
	// (XEP-0368: TLS from the first byte, two round trips fewer than
	// STARTTLS per login), published as I2P port 5223 of the node's
	// destination. 0 in a node.json from a Clove before it: the next start
	// picks one (refresh).
	DirectTLSPort int               `json:"direct_tls_port,omitempty"`
	SOCKS         string            `json:"socks"` // I2P SOCKS proxy for outgoing s2s
	DarknetMap    map[string]string `json:"darknet_map,omitempty"`
	// Hosts are extra XMPP domains the node serves besides Domain (a
	// clearnet name that other servers' darknet_map points at this node).
	Hosts   []string  `json:"hosts,omitempty"`
	Admins  []string  `json:"admins,omitempty"`
	Hops    *Hops     `json:"hops,omitempty"` // nil: DefaultHops()
	Created time.Time `json:"created"`
}

// Hops are the lengths of the node's I2P tunnels: more hops hide the node
// better and cost latency.
type Hops struct {
	// Length is the length of the node's client tunnels (the SOCKS proxy
	// outgoing server-to-server traffic takes) and of its server tunnels'
	// inbound side.
	Length int `json:"length"`
	// ServerOutbound is the length of the server tunnels' outbound side,
	// the way their answers leave.
	ServerOutbound int `json:"server_outbound"`
}

// DefaultHops are I2P's usual 3-hop tunnels.
func DefaultHops() Hops { return Hops{Length: 3, ServerOutbound: 3} }

// hops returns the node's tunnel lengths.
func (i *Info) hops() Hops {
	if i.Hops == nil {
		return DefaultHops()
	}
	return *i.Hops
}

// InitOptions configures Init. Zero values pick the defaults.
type InitOptions struct {
	Dir              string
	C2SPort, S2SPort int // loopback ports for prosody; default 5222 and 5269
	// HTTPPort is prosody's HTTP port (uploads); 0 picks DefaultHTTPPort
	// or, if that is taken, a free one near it (ChoosePorts): nothing
	// outside the node refers to it, so it need not be fixed.
	HTTPPort int
	// DispatchPort is the dispatcher's port (streams to I2P port 0); 0
	// picks DefaultDispatchPort or a free one near it. Never 80, 5222 or
	// 5269 (dispatchI2PPorts).
	DispatchPort int
	// DirectTLSPort is prosody's direct TLS client port (XEP-0368, I2P
	// port 5223); 0 picks DefaultDirectTLSPort or a free one near it.
	DirectTLSPort int
	SOCKS         string // default 127.0.0.1:4447 (i2pd)
	I2PD          string // i2pd binary; default from PATH
	KeygenTimeout time.Duration
	// Hops sets the tunnel lengths; nil means DefaultHops(). A private test
	// network wants {Length: 1, ServerOutbound: 0} (see docs/i2pd.md, "The
	// private test network": 1-hop server tunnels publish their lease set
	// reliably only with no outbound hop on i2pd 2.45.1).
	Hops *Hops
}

// Paths inside a node directory.
const (
	infoFile    = "node.json"
	keysFile    = "i2pd/xmpp.dat" // the node's I2P identity: never overwritten
	tunnelsFile = "i2pd/tunnels.conf"
	prosodyCfg  = "prosody/prosody.cfg.lua"
)

// ErrExists: Init found a node in the directory and left it alone.
var ErrExists = errors.New("a node already exists there")

// Init creates a node in opts.Dir: an I2P identity (whose .b32.i2p is the
// XMPP domain), a self-signed certificate for that domain, prosody's config
// and the s2s module, all in directories only the user can read. It never
// touches an existing node.
func Init(ctx context.Context, opts InitOptions) (*Info, error) {
	if opts.Dir == "" {
		return nil, errors.New("no node directory given")
	}
	if opts.C2SPort == 0 {
		opts.C2SPort = 5222
	}
	if opts.S2SPort == 0 {
		opts.S2SPort = 5269
	}
	if opts.SOCKS == "" {
		opts.SOCKS = "127.0.0.1:4447"
	}
	if opts.KeygenTimeout == 0 {
		opts.KeygenTimeout = 60 * time.Second
	}
	if h := opts.Hops; h != nil && (h.Length < 0 || h.Length > 7 || h.ServerOutbound < 0 || h.ServerOutbound > 7) {
		return nil, fmt.Errorf("tunnel lengths %d/%d: I2P tunnels have 0 to 7 hops", h.Length, h.ServerOutbound)
	}
	if _, _, err := splitHostPort(opts.SOCKS); err != nil {
		return nil, fmt.Errorf("the I2P SOCKS proxy address %q: %w", opts.SOCKS, err)
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, infoFile)); err == nil {
		return nil, fmt.Errorf("%s: %w (remove it yourself if you really want a new identity)", opts.Dir, ErrExists)
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, keysFile)); err == nil {
		return nil, fmt.Errorf("%s holds an I2P identity but no node.json: %w; Clove will not overwrite it", opts.Dir, ErrExists)
	}
	i2pd := opts.I2PD
	var err error
	if i2pd == "" {
		if i2pd, err = exec.LookPath("i2pd"); err != nil {
			return nil, errors.New("i2pd is not installed: install it (apt-get install i2pd, or make deps)")
		}
	} else if _, err := os.Stat(i2pd); err != nil {
		return nil, fmt.Errorf("i2pd not found at %s", i2pd)
	}
	if err := initPorts(&opts); err != nil {
		return nil, err
	}
	_, socks, _ := splitHostPort(opts.SOCKS) // checked above
	tlsPort := opts.DirectTLSPort
	if tlsPort == 0 {
		if tlsPort, err = chooseDirectTLSPort(opts.C2SPort, opts.S2SPort, opts.HTTPPort, opts.DispatchPort, socks); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{"", "i2pd", "prosody", "prosody/data", "prosody/certs", "prosody/plugins", "logs"} {
		if err := os.MkdirAll(filepath.Join(opts.Dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("creating the node directory: %w", err)
		}
		if err := os.Chmod(filepath.Join(opts.Dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	kctx, cancel := context.WithTimeout(ctx, opts.KeygenTimeout)
	defer cancel()
	if err := makeKeys(kctx, i2pd, opts); err != nil {
		return nil, err
	}
	keys, err := os.ReadFile(filepath.Join(opts.Dir, keysFile))
	if err != nil {
		return nil, err
	}
	domain, err := B32FromKeys(keys)
	if err != nil {
		return nil, fmt.Errorf("reading the new I2P identity: %w", err)
	}
	info := &Info{Domain: domain, C2SPort: opts.C2SPort, S2SPort: opts.S2SPort, HTTPPort: opts.HTTPPort, DispatchPort: opts.DispatchPort, DirectTLSPort: tlsPort, SOCKS: opts.SOCKS, Hops: opts.Hops, Created: time.Now().UTC().Truncate(time.Second)}
	certFile, keyFile := certPaths(opts.Dir, domain)
	if err := writeCert(certFile, keyFile, domain, "muc."+domain); err != nil {
		return nil, err
	}
	if err := writeModule(opts.Dir); err != nil {
		return nil, err
	}
	if err := save(opts.Dir, info); err != nil {
		return nil, err
	}
	if err := writeTunnels(opts.Dir, info); err != nil {
		return nil, err
	}
	return info, nil
}

// save writes node.json and prosody's config from it.
func save(dir string, info *Info) error {
	if err := writeProsodyConfig(dir, info); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	return os.WriteFile(filepath.Join(dir, infoFile), append(b, '\n'), 0o600)
}

// Load reads a node's node.json.
func Load(dir string) (*Info, error) {
	b, err := os.ReadFile(filepath.Join(dir, infoFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no node in %s (create one with 'clove node init')", dir)
	}
	if err != nil {
		return nil, err
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%s is damaged: %w", filepath.Join(dir, infoFile), err)
	}
	return &info, nil
}

// ProsodyConfig is the path of the node's prosody config.
func ProsodyConfig(dir string) string { return filepath.Join(dir, prosodyCfg) }

func splitHostPort(a string) (string, int, error) {
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return h, n, nil
}

func portFree(p int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return &PortInUseError{Port: p, Err: err}
	}
	return ln.Close()
}

// PortInUse reports whether a port on 127.0.0.1 is taken (ChoosePorts's
// check on this machine).
func PortInUse(p int) bool { return portFree(p) != nil }

// PortInUseError: a port the node needs on 127.0.0.1 is taken. The
// command line adds which flags choose others; the window picks free ones
// where the user did not choose (ChoosePorts).
type PortInUseError struct {
	Port int
	Err  error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d on 127.0.0.1 is already in use (another XMPP server?)", e.Port)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// pickRange is how far past a taken port plus 10000 ChoosePorts looks
// (5222 taken: 15222, 15223, …).
const pickRange = 100

// ChoosePorts returns the ports to use for want: each one itself if
// inUse says it is free, else the first free one from it + 10000 on
// (15222 for 5222: easy to tell apart, and not a port other servers use
// by default), none chosen twice. inUse is the check (tests give the
// ports they pretend are taken).
func ChoosePorts(want []int, inUse func(port int) bool) ([]int, error) {
	out := make([]int, 0, len(want))
	for _, w := range want {
		cands := []int{w}
		base := w + 10000
		if base+pickRange > 65535 {
			base = w + 1 // a high port: the ones just above it
		}
		for i := range pickRange {
			if p := base + i; p <= 65535 {
				cands = append(cands, p)
			}
		}
		picked := 0
		for _, p := range cands {
			if !slices.Contains(out, p) && !inUse(p) {
				picked = p
				break
			}
		}
		if picked == 0 {
			return nil, fmt.Errorf("no free port for the node near %d or %d–%d on 127.0.0.1", w, w+10000, w+10000+pickRange-1)
		}
		out = append(out, picked)
	}
	return out, nil
}

// serverTunnel is one section of the node's tunnels.conf: a tunnel of
// the node's one destination (xmpp.dat) to a local port of prosody's or
// the dispatcher's. inport 0 leaves the I2P port out (the tunnel's I2P
// port is then its local one); extra lines come after the keys.
type serverTunnel struct {
	name, kind string // kind: server, or http (rewrites the Host header)
	port       int
	inport     int
	extra      string
}

func (t serverTunnel) text(h Hops) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\ntype = %s\nhost = 127.0.0.1\nport = %d\n", t.name, t.kind, t.port)
	if t.inport != 0 {
		fmt.Fprintf(&b, "inport = %d\n", t.inport)
	}
	b.WriteString("keys = xmpp.dat\n" + t.extra)
	fmt.Fprintf(&b, "inbound.length = %d\noutbound.length = %d\ni2cp.leaseSetEncType = 4\n", h.Length, h.ServerOutbound)
	return b.String()
}

// tunnels are the node's tunnels, in tunnels.conf's order:
//
//   - xmpp-any, once its port is known, comes first: the destination's
//     first server tunnel takes the streams to I2P port 0 and to ports no
//     tunnel names (docs/i2pd.md, "A destination's first server tunnel
//     takes its default port"), which is where every SAM client's streams
//     go. It has no inport (its I2P port is its local one, never 80, 5222
//     or 5269: chooseDispatchPort) and leads to the dispatcher, which
//     tells XMPP clients, servers and HTTP requests apart by their first
//     bytes.
//   - xmpp-c2s and xmpp-s2s: the .b32.i2p answers XMPP on 5222 and 5269
//     like a clearnet server.
//   - xmpp-http, once the domain and the HTTP port are known (the i2pd
//     that makes the keys runs before): prosody's HTTP port (the upload
//     service) as port 80, so slot URLs are http://<b32>.b32.i2p/file_share/…
//     (upload.<b32>.b32.i2p would not resolve in I2P). type = http rewrites
//     the Host header to the b32 (hostoverride), the virtual host prosody
//     serves uploads on (http_host in the node's prosody config); without
//     it i2pd would pass on whatever Host the client sent. The
//     destination's I2CP options come from the first section with these
//     keys, xmpp-any or xmpp-c2s.
//   - xmpp-c2s-tls: prosody's direct TLS port (XEP-0368) as I2P port 5223,
//     the port clients use for direct TLS by custom (--server <b32>:5223
//     --direct-tls).
func tunnels(info *Info) []serverTunnel {
	var ts []serverTunnel
	if info.DispatchPort != 0 {
		ts = append(ts, serverTunnel{name: "xmpp-any", kind: "server", port: info.DispatchPort})
	}
	ts = append(ts,
		serverTunnel{name: "xmpp-c2s", kind: "server", port: info.C2SPort, inport: 5222},
		serverTunnel{name: "xmpp-s2s", kind: "server", port: info.S2SPort, inport: 5269})
	if info.Domain != "" && info.HTTPPort != 0 {
		ts = append(ts, serverTunnel{name: "xmpp-http", kind: "http", port: info.HTTPPort, inport: 80, extra: "hostoverride = " + info.Domain + "\n"})
	}
	if info.DirectTLSPort != 0 {
		ts = append(ts, serverTunnel{name: "xmpp-c2s-tls", kind: "server", port: info.DirectTLSPort, inport: 5223})
	}
	return ts
}

// tunnelsText is the node's tunnels.conf, sections apart by a blank line.
func tunnelsText(info *Info) string {
	h := info.hops()
	parts := make([]string, 0, 5)
	for _, t := range tunnels(info) {
		parts = append(parts, t.text(h))
	}
	return strings.Join(parts, "\n")
}

// writeTunnels writes the node's tunnels.conf from node.json: at Init and
// at every start, so a node made before uploads gets its HTTP tunnel.
func writeTunnels(dir string, info *Info) error {
	return os.WriteFile(filepath.Join(dir, tunnelsFile), []byte(tunnelsText(info)), 0o600)
}

// DefaultHTTPPort is prosody's usual HTTP port.
const DefaultHTTPPort = 5280

// chooseHTTPPort picks prosody's HTTP port: DefaultHTTPPort, or the first
// free one from 15280 on (ChoosePorts), never one of taken.
func chooseHTTPPort(taken ...int) (int, error) {
	return chooseFreePort(DefaultHTTPPort, taken...)
}

// chooseFreePort picks want, or the first free port from want+10000 on
// (ChoosePorts), never one of taken nor one in use.
func chooseFreePort(want int, taken ...int) (int, error) {
	p, err := ChoosePorts([]int{want}, func(p int) bool { return slices.Contains(taken, p) || PortInUse(p) })
	if err != nil {
		return 0, err
	}
	return p[0], nil
}

// DefaultDirectTLSPort is the usual direct TLS client port (XEP-0368
// names none; 5223 is the custom, and the node's I2P port for it).
const DefaultDirectTLSPort = 5223

// chooseDirectTLSPort picks prosody's direct TLS port like chooseHTTPPort:
// only the node's tunnel refers to it.
func chooseDirectTLSPort(taken ...int) (int, error) {
	return chooseFreePort(DefaultDirectTLSPort, taken...)
}

// DefaultDispatchPort is the dispatcher's usual port.
const DefaultDispatchPort = 5289

// chooseDispatchPort picks the dispatcher's port like chooseHTTPPort, never
// one of taken nor an I2P port another tunnel of the node names
// (dispatchI2PPorts). The ranges the two look in overlap (15280–15379,
// 15289–15388): each excludes the other's port.
func chooseDispatchPort(taken ...int) (int, error) {
	return chooseFreePort(DefaultDispatchPort, append(taken, dispatchI2PPorts()...)...)
}

func makeKeys(ctx context.Context, i2pd string, opts InitOptions) error {
	dir := filepath.Join(opts.Dir, "i2pd")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(dir, "keygen.conf")
	// The i2pd that only creates the tunnel keys keeps to itself: a private
	// network id, no reseed, no proxies, so it talks to nobody.
	isolated := i2pdconf.Isolated("127.0.0.1", port)
	text := i2pdconf.Conf{LogFile: filepath.Join(dir, "keygen.log"), Net: &isolated}.Text()
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return err
	}
	tun := filepath.Join(opts.Dir, tunnelsFile)
	// Only XMPP: the domain, which the HTTP tunnel names, comes from these
	// keys. Init writes the whole file once it is known.
	keygen := &Info{C2SPort: opts.C2SPort, S2SPort: opts.S2SPort, Hops: opts.Hops}
	if err := os.WriteFile(tun, []byte(tunnelsText(keygen)), 0o600); err != nil {
		return err
	}
	cmd := exec.Command(i2pd, "--datadir="+dir, "--conf="+conf, "--tunconf="+tun, "--tunnelsdir="+filepath.Join(dir, "tunnels.d"), "--pidfile="+filepath.Join(dir, "keygen.pid"))
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting i2pd to create the node's I2P identity: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// SIGKILL: i2pd has been seen to crash on SIGTERM early in start-up,
	// and nothing it holds is needed once the keys are written.
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
		os.Remove(conf)
		os.Remove(filepath.Join(dir, "keygen.pid"))
	}()
	keys := filepath.Join(opts.Dir, keysFile)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(keys); err == nil && len(b) >= 391 {
			if err := os.Chmod(keys, 0o600); err != nil {
				return err
			}
			return nil
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("i2pd stopped before creating the node's I2P identity (%v); see %s", err, filepath.Join(dir, "keygen.log"))
		case <-ctx.Done():
			return fmt.Errorf("i2pd did not create the node's I2P identity in time: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// B32FromKeys computes the .b32.i2p address of an i2pd private keys file
// (transport.KeysB32).
func B32FromKeys(keys []byte) (string, error) { return transport.KeysB32(keys) }

func writeCert(certFile, keyFile string, names ...string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0]},
		DNSNames:              names,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

func luaString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\x00", `\0`)
	return `"` + r.Replace(s) + `"`
}

// writeModule puts this Clove's darknet module in the node's plugin dir.
func writeModule(dir string) error {
	module, err := assets.Prosody.ReadFile("prosody/mod_clove_darknet.lua")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "prosody/plugins/mod_clove_darknet.lua"), module, 0o600)
}

func certPaths(dir, domain string) (cert, key string) {
	return filepath.Join(dir, "prosody/certs", domain+".crt"), filepath.Join(dir, "prosody/certs", domain+".key")
}

// communityModuleDirs are where prosody's community modules are installed:
// Debian's prosody-modules package, then a build from source.
func communityModuleDirs() []string {
	return []string{"/usr/lib/prosody/modules", "/usr/local/lib/prosody/modules"}
}

// findModule returns the directory of dirs that holds prosody module name,
// in either form prosody loads (mod_NAME.lua, mod_NAME/mod_NAME.lua), or
// "" when none does.
func findModule(name string, dirs []string) string {
	for _, d := range dirs {
		for _, f := range []string{"mod_" + name + ".lua", filepath.Join("mod_"+name, "mod_"+name+".lua")} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				return d
			}
		}
	}
	return ""
}

// The node's upload service (XEP-0363, prosody's mod_http_file_share):
// what one user may upload and how long files stay.
const (
	UploadSizeLimit  = 100 << 20 // bytes per file
	UploadDailyQuota = 1 << 30   // bytes per user and day
	UploadExpiry     = 7 * 24 * time.Hour
)

// UploadDomain is the JID of the node's upload service: a component its
// users find through disco#items on the node's domain. It is an XMPP
// address only; nothing resolves it in I2P.
func UploadDomain(domain string) string { return "upload." + domain }

// UploadURLBase is what slot URLs start with (then file_share/<slot>/<name>):
// the bare .b32.i2p, port 80, plain HTTP. I2P streams are end-to-end
// encrypted and authenticated by the destination, and no CA signs
// .b32.i2p names, so https would add nothing but a certificate no
// client trusts.
func UploadURLBase(domain string) string { return "http://" + domain + "/" }

func writeProsodyConfig(dir string, info *Info) error {
	return writeProsodyConfigWith(dir, info, communityModuleDirs())
}

// writeProsodyConfigWith writes the node's prosody config, enabling the
// community modules found in moduleDirs: mod_privacy_lists (XEP-0016),
// which Clove's Invisible needs. Without it the node runs as before and
// Clove offers no Invisible. The config is written at every start, so
// installing prosody-modules later takes effect at the next one.
func writeProsodyConfigWith(dir string, info *Info, moduleDirs []string) error {
	socksHost, socksPort, err := splitHostPort(info.SOCKS)
	if err != nil {
		return err
	}
	certFile, keyFile := certPaths(dir, info.Domain)
	var hosts []prosodyHost
	for _, h := range info.Hosts {
		c, k := certPaths(dir, h)
		hosts = append(hosts, prosodyHost{h, c, k})
	}
	c := prosodyParams{
		Domain:          info.Domain,
		RunAsRoot:       os.Geteuid() == 0,
		PIDFile:         filepath.Join(dir, "prosody/prosody.pid"),
		DataDir:         filepath.Join(dir, "prosody/data"),
		PluginDir:       filepath.Join(dir, "prosody/plugins"),
		LogFile:         filepath.Join(dir, "logs/prosody.log"),
		C2SPort:         info.C2SPort,
		S2SPort:         info.S2SPort,
		HTTPPort:        info.HTTPPort,
		DirectTLSPort:   info.DirectTLSPort,
		SOCKSHost:       socksHost,
		SOCKSPort:       socksPort,
		DarknetMap:      info.DarknetMap,
		Admins:          info.Admins,
		CertFile:        certFile,
		KeyFile:         keyFile,
		Hosts:           hosts,
		PrivacyListsDir: findModule("privacy_lists", moduleDirs),
	}
	return os.WriteFile(filepath.Join(dir, prosodyCfg), []byte(prosodyConfig(c)), 0o600)
}

type prosodyHost struct{ Name, CertFile, KeyFile string }

// prosodyParams is what the node's prosody config is written from.
type prosodyParams struct {
	Domain, PIDFile, DataDir, PluginDir, LogFile string
	RunAsRoot                                    bool
	C2SPort, S2SPort, HTTPPort, DirectTLSPort    int
	SOCKSHost                                    string
	SOCKSPort                                    int
	DarknetMap                                   map[string]string
	Admins                                       []string
	CertFile, KeyFile                            string
	Hosts                                        []prosodyHost
	// PrivacyListsDir is mod_privacy_lists' directory, "" when it is not
	// installed. It goes on plugin_paths too: prosody searches its own
	// module directory, not necessarily the one it was found in.
	PrivacyListsDir string
}

// prosodyConfig is the node's prosody.cfg.lua. Written in Go, not with
// text/template: the one use of text/template in the binary made the
// linker keep every exported method of every type (its field lookup calls
// reflect's MethodByName with a name known only at run time), 3.7 MB of
// the binary and ~3 MiB of the window's memory (docs/benchmarks.md,
// "Methods the linker keeps"). Every string goes through luaString.
func prosodyConfig(c prosodyParams) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	lua := luaString
	p("-- Written by `clove node init` for the node %s.", c.Domain)
	p("-- Edit with care: Clove reads node.json, not this file.")
	if c.RunAsRoot {
		p("run_as_root = true")
	}
	p("pidfile = %s", lua(c.PIDFile))
	p("data_path = %s", lua(c.DataDir))
	if c.PrivacyListsDir != "" {
		p("plugin_paths = { %s, %s }", lua(c.PluginDir), lua(c.PrivacyListsDir))
	} else {
		p("plugin_paths = { %s }", lua(c.PluginDir))
	}
	p("")
	p("-- Loopback only: the world reaches this node through its I2P tunnels.")
	p(`interfaces = { "127.0.0.1" }`)
	p(`local_interfaces = { "127.0.0.1" }`)
	p("use_ipv6 = false")
	p("c2s_ports = { %d }", c.C2SPort)
	p("s2s_ports = { %d }", c.S2SPort)
	if c.DirectTLSPort != 0 {
		p("c2s_direct_tls_ports = { %d }", c.DirectTLSPort)
	} else {
		p("c2s_direct_tls_ports = {  }")
	}
	p("s2s_direct_tls_ports = {}")
	p("component_ports = {}")
	if c.HTTPPort != 0 {
		p("-- HTTP for the upload service only, plain: the node's I2P destination")
		p("-- forwards its port 80 here, and I2P encrypts end to end.")
		p("http_ports = { %d }", c.HTTPPort)
		p(`http_interfaces = { "127.0.0.1" }`)
		p("-- A request whose Host prosody does not serve (a client that sent an")
		p("-- address) goes to the node's domain, where uploads live.")
		p("http_default_host = %s", lua(c.Domain))
	} else {
		p("http_ports = {}")
	}
	p("https_ports = {}")
	p("")
	p("-- Nagle off: a TLS 1.3 login otherwise stalls ~40 ms on a delayed ACK.")
	p("network_settings = { nagle = false }")
	p("")
	admins := ""
	for _, a := range c.Admins {
		admins += " " + lua(a) + ";"
	}
	p("admins = {%s }", admins)
	p(`authentication = "internal_hashed"`)
	p(`storage = "internal"`)
	p("allow_registration = false")
	p("c2s_require_encryption = true")
	p("s2s_require_encryption = true")
	p("-- Self-signed certificates for .b32.i2p names: servers authenticate each")
	p("-- other with dialback; the I2P destination itself is the real identity.")
	p("s2s_secure_auth = false")
	p("")
	p("modules_enabled = {")
	p(`	"roster"; "saslauth"; "tls"; "dialback"; "disco"; "carbons"; "pep";`)
	p(`	"private"; "blocklist"; "vcard_legacy"; "version"; "uptime"; "time";`)
	p(`	"ping"; "register"; "mam"; "smacks"; "offline"; "posix";`)
	p(`	"clove_darknet";`)
	p("	-- Client State Indication (XEP-0352): presence updates wait while the")
	p("	-- user's window is in the background, fewer writes over I2P.")
	p(`	"csi_simple";`)
	if c.PrivacyListsDir != "" {
		p("	-- Privacy lists (XEP-0016, from prosody-modules): Clove's Invisible.")
		p(`	"privacy_lists";`)
	}
	p("}")
	p(`modules_disabled = { "limits" }`)
	p(`archive_expires_after = "1y"`)
	p("default_archive_policy = true")
	p("")
	p("-- Outgoing server-to-server traffic goes through I2P only.")
	p("darknet_socks_host = %s", lua(c.SOCKSHost))
	p("darknet_socks_port = %d", c.SOCKSPort)
	p("darknet_only = true")
	p("-- I2P destinations are often briefly out of reach (a router restarting, a")
	p("-- lease set not found yet; an old lease set lives up to 10 minutes): keep")
	p("-- retrying a delivery that long before bouncing it, and send again what a")
	p("-- link that died silently never confirmed (a ping answered within")
	p("-- darknet_ack_timeout seconds confirms everything sent before it).")
	p("darknet_retry_for = 600")
	p("darknet_ack_timeout = 30")
	darknet := ""
	for _, k := range slices.Sorted(maps.Keys(c.DarknetMap)) {
		darknet += " [" + lua(k) + "] = " + lua(c.DarknetMap[k]) + ";"
	}
	p("darknet_map = {%s }", darknet)
	p("")
	p("log = {")
	p(`	{ levels = { min = "info" }, to = "file", filename = %s };`, lua(c.LogFile))
	p("}")
	p("")
	p("VirtualHost %s", lua(c.Domain))
	p("	ssl = { certificate = %s, key = %s }", lua(c.CertFile), lua(c.KeyFile))
	for _, h := range c.Hosts {
		p("")
		p("-- An extra domain (a clearnet name mapped to this node by other servers).")
		p("VirtualHost %s", lua(h.Name))
		p("	ssl = { certificate = %s, key = %s }", lua(h.CertFile), lua(h.KeyFile))
	}
	p("")
	p(`Component %s "muc"`, lua("muc."+c.Domain))
	p("	ssl = { certificate = %s, key = %s }", lua(c.CertFile), lua(c.KeyFile))
	p(`	modules_enabled = { "muc_mam" }`)
	if c.HTTPPort != 0 {
		p("")
		p("-- File upload (XEP-0363). Its HTTP routes live on the node's domain")
		p("-- (http_host), the Host i2pd's HTTP tunnel sets, and its slot URLs start")
		p("-- with the bare .b32.i2p (http_external_url): upload.<b32> does not resolve")
		p("-- in I2P. Only the node's own users get slots (the module's default).")
		p(`Component %s "http_file_share"`, lua(UploadDomain(c.Domain)))
		p("	http_host = %s", lua(c.Domain))
		p("	http_external_url = %s", lua(UploadURLBase(c.Domain)))
		p("	http_file_share_size_limit = %d", UploadSizeLimit)
		p("	http_file_share_daily_quota = %d", UploadDailyQuota)
		p("	http_file_share_expires_after = %d", int(UploadExpiry/time.Second))
	}
	return b.String()
}

// AddUser creates an account on the node (prosodyctl, password on stdin,
// never on argv). The first user becomes the node's admin. name is a user
// name on the node's .b32.i2p domain, or user@host for one of the extra
// hosts added with ServeDomain.
func AddUser(ctx context.Context, dir, name, password string) (string, error) {
	info, err := Load(dir)
	if err != nil {
		return "", err
	}
	name = strings.ToLower(strings.TrimSpace(name))
	domain := info.Domain
	if user, host, ok := strings.Cut(name, "@"); ok {
		if host != info.Domain && !slices.Contains(info.Hosts, host) {
			return "", fmt.Errorf("this node does not serve %s (it serves %s)", host, strings.Join(append([]string{info.Domain}, info.Hosts...), ", "))
		}
		name, domain = user, host
	}
	if name == "" || strings.ContainsAny(name, "@/ \"'&<>:") {
		return "", fmt.Errorf("%q is not a usable user name", name)
	}
	if password == "" {
		return "", errors.New("empty password")
	}
	addr := name + "@" + domain
	if len(info.Admins) == 0 {
		info.Admins = []string{addr}
		if err := save(dir, info); err != nil {
			return "", err
		}
	}
	cmd := exec.CommandContext(ctx, "prosodyctl", "--config", ProsodyConfig(dir), "adduser", addr)
	cmd.Stdin = strings.NewReader(password + "\n" + password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("prosodyctl adduser %s: %v: %s", addr, err, strings.TrimSpace(string(out)))
	}
	return addr, nil
}

// ServeDomain makes the node also serve the XMPP domain name (with a
// self-signed certificate of its own), so that servers whose darknet_map
// points name at this node's .b32.i2p are accepted: their streams say
// to='name'. Prosody reads it at its next start.
func ServeDomain(dir, name string) error {
	info, err := Load(dir)
	if err != nil {
		return err
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || name == info.Domain || strings.ContainsAny(name, "@/ \"'&<>:\\") || !strings.Contains(name, ".") {
		return fmt.Errorf("%q is not a domain this node can serve", name)
	}
	if slices.Contains(info.Hosts, name) {
		return nil
	}
	certFile, keyFile := certPaths(dir, name)
	if err := writeCert(certFile, keyFile, name); err != nil {
		return fmt.Errorf("making a certificate for %s: %w", name, err)
	}
	info.Hosts = append(info.Hosts, name)
	return save(dir, info)
}

// MapDomain adds a darknet_map entry: s2s to the clearnet domain goes to
// the .b32.i2p instead. Prosody reads it at its next start.
func MapDomain(dir, clearnet, b32 string) error {
	info, err := Load(dir)
	if err != nil {
		return err
	}
	if info.DarknetMap == nil {
		info.DarknetMap = map[string]string{}
	}
	info.DarknetMap[strings.ToLower(clearnet)] = strings.ToLower(b32)
	return save(dir, info)
}
