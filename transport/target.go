package transport

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
)

// DefaultXMPPPort is the client-to-server port (RFC 6120).
const DefaultXMPPPort = 5222

// Mode is how connections leave this machine.
type Mode int

const (
	ModeDirect Mode = iota // plain TCP (clearnet only)
	ModeSOCKS5             // through a SOCKS5 proxy, names resolved by the proxy
	ModeSAM                // through an I2P router's SAM bridge (.i2p only)
)

func (m Mode) String() string {
	switch m {
	case ModeDirect:
		return "direct"
	case ModeSOCKS5:
		return "socks5"
	case ModeSAM:
		return "sam"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Settings are the user's connection settings for one account.
type Settings struct {
	Server     string            // explicit "host:port" override, may be empty
	Proxy      string            // "socks5://host:port" or empty
	SAM        string            // "host:port" or empty
	I2POnly    bool              // refuse anything that is not .i2p (after the darknet map)
	DarknetMap map[string]string // clearnet domain -> .b32.i2p
	// DirectTLS: the Server override is a direct TLS port (XEP-0368).
	// Without an override it has no effect: in direct mode the
	// _xmpps-client SRV records say which ports are direct TLS.
	DirectTLS bool
}

// Target is where to connect. Host is never resolved by this package when
// Mode is not ModeDirect: it goes to the proxy or SAM bridge as a name.
type Target struct {
	Host string
	Port int
	Mode Mode
	// TLS: the port speaks TLS from the first byte (XEP-0368 direct TLS:
	// an _xmpps-client SRV record, or a Server override with DirectTLS).
	TLS bool
}

// Addr returns "host:port".
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

func (t Target) String() string {
	if t.TLS {
		return t.Addr() + " (" + t.Mode.String() + ", direct TLS)"
	}
	return t.Addr() + " (" + t.Mode.String() + ")"
}

// Mode returns the connection mode the settings select: SAM if a SAM
// bridge is set, else SOCKS5 if a proxy is set, else direct.
func (s Settings) Mode() Mode {
	switch {
	case strings.TrimSpace(s.SAM) != "":
		return ModeSAM
	case strings.TrimSpace(s.Proxy) != "":
		return ModeSOCKS5
	}
	return ModeDirect
}

// Validate checks the settings on their own (no network). Every problem
// found is reported, joined.
func (s Settings) Validate() error {
	var errs []error
	if strings.TrimSpace(s.Proxy) != "" {
		if _, _, err := parseProxy(s.Proxy); err != nil {
			errs = append(errs, err)
		}
	}
	if strings.TrimSpace(s.SAM) != "" {
		if _, err := parseLocalEndpoint("SAM bridge", s.SAM); err != nil {
			errs = append(errs, err)
		}
	}
	if strings.TrimSpace(s.Proxy) != "" && strings.TrimSpace(s.SAM) != "" {
		errs = append(errs, errors.New("both a SOCKS5 proxy and a SAM bridge are set; choose one"))
	}
	mode := s.Mode()
	if s.I2POnly && mode == ModeDirect {
		errs = append(errs, errors.New("I2P-only mode needs a SOCKS5 proxy (--proxy socks5://127.0.0.1:4447) or a SAM bridge (--sam 127.0.0.1:7656)"))
	}
	if strings.TrimSpace(s.Server) != "" {
		host, _, err := splitServer(s.Server)
		switch {
		case err != nil:
			errs = append(errs, err)
		case IsI2P(host):
			if mode == ModeDirect {
				errs = append(errs, needProxyError(host))
			}
		case s.I2POnly:
			errs = append(errs, fmt.Errorf("I2P-only mode: the server override %s is not an I2P address; refusing to connect outside I2P", host))
		case mode == ModeSAM:
			errs = append(errs, samClearnetError(host))
		}
	}
	errs = append(errs, s.validateDarknetMap()...)
	return errors.Join(errs...)
}

func (s Settings) validateDarknetMap() []error {
	var errs []error
	keys := make([]string, 0, len(s.DarknetMap))
	for k := range s.DarknetMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := make(map[string]string, len(keys))
	for _, k := range keys {
		v := s.DarknetMap[k]
		nk, nv := NormalizeHost(k), NormalizeHost(v)
		switch {
		case IsI2P(nk):
			errs = append(errs, fmt.Errorf("darknet map: %q is already an I2P name; map clearnet domains only", k))
			continue
		case !validHostname(nk):
			errs = append(errs, fmt.Errorf("darknet map: %q is not a valid domain", k))
			continue
		}
		if err := ValidateI2PName(nv); err != nil {
			errs = append(errs, fmt.Errorf("darknet map entry for %s: %w", nk, err))
			continue
		}
		if prev, dup := seen[nk]; dup && prev != nv {
			errs = append(errs, fmt.Errorf("darknet map: %s is mapped twice, to %s and %s", nk, prev, nv))
		}
		seen[nk] = nv
	}
	return errs
}

// darknet returns the I2P address the map gives for domain d (normalised).
func (s Settings) darknet(d string) (string, bool) {
	if v, ok := s.DarknetMap[d]; ok {
		return NormalizeHost(v), true
	}
	for k, v := range s.DarknetMap {
		if NormalizeHost(k) == d {
			return NormalizeHost(v), true
		}
	}
	return "", false
}

// splitServer parses a server override: "host:port", "host" (port 5222) or
// an IP literal.
func splitServer(server string) (string, int, error) {
	server = strings.TrimSpace(server)
	if strings.Contains(server, "://") || strings.ContainsAny(server, "/@ \t") {
		return "", 0, fmt.Errorf("the server override %q should be host:port", server)
	}
	host, portStr, err := net.SplitHostPort(server)
	port := DefaultXMPPPort
	switch {
	case err == nil:
		p, ok := parsePort(portStr)
		if !ok {
			return "", 0, fmt.Errorf("the server override %q has an invalid port %q (1–65535)", server, portStr)
		}
		port = p
	case !strings.Contains(server, ":") || strings.HasPrefix(server, "["):
		host = server
	default:
		if _, ok := parseIPLiteral(server); !ok {
			return "", 0, fmt.Errorf("the server override %q should be host:port", server)
		}
		host = server
	}
	if ip, ok := parseIPLiteral(host); ok {
		return ip.String(), port, nil
	}
	h := NormalizeHost(host)
	if IsI2P(h) {
		if err := ValidateI2PName(h); err != nil {
			return "", 0, fmt.Errorf("server override: %w", err)
		}
		return h, port, nil
	}
	if !validHostname(h) {
		return "", 0, fmt.Errorf("the server override %q is not a valid host name", host)
	}
	return h, port, nil
}

func needProxyError(host string) error {
	return fmt.Errorf("%s is an I2P address; set a SOCKS5 proxy (--proxy socks5://127.0.0.1:4447) or SAM bridge (--sam 127.0.0.1:7656)", host)
}

func samClearnetError(host string) error {
	return fmt.Errorf("%s is not an I2P address, and a SAM bridge can only reach .b32.i2p addresses; map it to one in the darknet map, or use a SOCKS5 proxy", host)
}

// Plan decides where to connect for the XMPP domain (the JID's domain part)
// without touching the network:
//
//  1. an explicit Server override wins (still subject to the I2P rules);
//  2. the darknet map may turn a clearnet domain into a .b32.i2p address;
//  3. a .i2p name goes only through SOCKS5 or SAM, to port 5222;
//  4. in I2P-only mode anything else is refused, as is a clearnet name in
//     SAM mode;
//  5. a clearnet domain goes to port 5222 — through the proxy as a name in
//     SOCKS5 mode; in direct mode Targets adds the SRV lookup.
func Plan(s Settings, domain string) (Target, error) {
	if err := s.Validate(); err != nil {
		return Target{}, fmt.Errorf("connection settings: %w", err)
	}
	mode := s.Mode()
	if strings.TrimSpace(s.Server) != "" {
		host, port, err := splitServer(s.Server)
		if err != nil { // unreachable after Validate; kept for safety
			return Target{}, err
		}
		return Target{Host: host, Port: port, Mode: mode, TLS: s.DirectTLS}, nil
	}
	d, err := normalizeDomain(domain)
	if err != nil {
		return Target{}, err
	}
	host := d
	if m, ok := s.darknet(d); ok {
		host = m // always a valid .b32.i2p address (Validate)
	}
	if IsI2P(host) {
		if err := ValidateI2PName(host); err != nil {
			return Target{}, err
		}
		if mode == ModeDirect {
			return Target{}, needProxyError(host)
		}
		return Target{Host: host, Port: DefaultXMPPPort, Mode: mode}, nil
	}
	switch {
	case s.I2POnly:
		return Target{}, fmt.Errorf("I2P-only mode: %s is not an I2P address and the darknet map has no entry for it; refusing to connect outside I2P", host)
	case mode == ModeSAM:
		return Target{}, samClearnetError(host)
	}
	return Target{Host: host, Port: DefaultXMPPPort, Mode: mode}, nil
}

// normalizeDomain checks an XMPP domain part and returns it normalised.
func normalizeDomain(domain string) (string, error) {
	d := NormalizeHost(domain)
	if d == "" {
		return "", errors.New("no server domain given")
	}
	if ip, ok := parseIPLiteral(d); ok {
		return ip.String(), nil
	}
	if IsI2P(d) || validHostname(d) {
		return d, nil
	}
	return "", fmt.Errorf("%q is not a valid server domain", domain)
}

// Targets returns the addresses to try, in order, for domain. It is Plan
// plus, in direct mode only, the DNS SRV lookups of _xmpps-client._tcp
// (XEP-0368, direct TLS) and _xmpp-client._tcp (RFC 6120 §3.2), merged
// (mergeSRV), with r (nil: net.DefaultResolver), followed by the domain
// itself on port 5222. In SOCKS5 and SAM modes the resolver is never
// used: the name goes to the proxy or router.
func Targets(ctx context.Context, s Settings, domain string, r *net.Resolver) ([]Target, error) {
	t, err := Plan(s, domain)
	if err != nil {
		return nil, err
	}
	return expandTargets(ctx, t, strings.TrimSpace(s.Server) != "", r)
}

// expandTargets turns a plan into the addresses to try, validating
// nothing (Plan did): the plan itself, except in direct mode without a
// server override, where the SRV lookups come first. override says the
// plan is the settings' Server override.
func expandTargets(ctx context.Context, t Target, override bool, r *net.Resolver) ([]Target, error) {
	if t.Mode != ModeDirect || override {
		return []Target{t}, nil
	}
	if _, isIP := parseIPLiteral(t.Host); isIP {
		return []Target{t}, nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	// Both lookups at once: the second costs no extra round trip.
	type answer struct {
		srvs []*net.SRV
		err  error
	}
	tlsc := make(chan answer, 1)
	go func() {
		_, srvs, err := r.LookupSRV(ctx, "xmpps-client", "tcp", t.Host)
		tlsc <- answer{srvs, err}
	}()
	_, srvs, err := r.LookupSRV(ctx, "xmpp-client", "tcp", t.Host)
	tls := <-tlsc
	if ctx.Err() != nil {
		return nil, ctxDialError(ctx, t.Host, "", "looking up its XMPP server in DNS took too long")
	}
	if err != nil {
		srvs = nil
	}
	if tls.err != nil || isNoService(tls.srvs) {
		// XEP-0368 §5: "." for _xmpps-client says no direct TLS; the
		// _xmpp-client records still count.
		tls.srvs = nil
	}
	if len(srvs) == 0 && len(tls.srvs) == 0 { // no SRV records (or DNS trouble): the domain itself
		return []Target{t}, nil
	}
	if isNoService(srvs) && len(tls.srvs) == 0 {
		return nil, fmt.Errorf("%s says in DNS that it offers no XMPP service for clients (SRV target \".\")", t.Host)
	}
	if isNoService(srvs) {
		srvs = nil
	}
	var out []Target
	seen := make(map[string]bool)
	for _, c := range mergeSRV(tls.srvs, srvs, rand.IntN) {
		if !seen[c.Addr()] {
			seen[c.Addr()] = true
			out = append(out, c)
		}
	}
	if !seen[t.Addr()] {
		out = append(out, t)
	}
	return out, nil
}

// isNoService: the lone SRV record with target "." (RFC 2782: the
// service is not offered).
func isNoService(srvs []*net.SRV) bool {
	return len(srvs) == 1 && (srvs[0].Target == "." || srvs[0].Target == "")
}

// mergeSRV orders the _xmpps-client (direct TLS) and _xmpp-client
// records together as XEP-0368 §2 asks: "all priorities and weights are
// mixed", as if they were one RRset (RFC 2782): by priority, lowest
// first, and within one priority by weighted random choice; intn is that
// choice's source (rand.IntN; tests give their own). Records naming .i2p
// hosts or junk, or port 0, are dropped (never resolved).
func mergeSRV(xmpps, xmpp []*net.SRV, intn func(int) int) []Target {
	type rec struct {
		srv *net.SRV
		tls bool
	}
	var all []rec
	for _, s := range xmpps {
		all = append(all, rec{s, true})
	}
	for _, s := range xmpp {
		all = append(all, rec{s, false})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].srv.Priority < all[j].srv.Priority })
	var out []Target
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].srv.Priority == all[i].srv.Priority {
			j++
		}
		group := all[i:j]
		// RFC 2782's selection: pick by running sum of weights, remove,
		// repeat.
		for len(group) > 0 {
			total := 0
			for _, r := range group {
				total += int(r.srv.Weight)
			}
			k := 0
			if total > 0 {
				n := intn(total + 1)
				for sum := 0; k < len(group)-1; k++ {
					if sum += int(group[k].srv.Weight); sum >= n {
						break
					}
				}
			}
			r := group[k]
			group = append(group[:k:k], group[k+1:]...)
			h := NormalizeHost(r.srv.Target)
			if r.srv.Port == 0 || h == "" || IsI2P(h) || !validHostname(h) {
				continue
			}
			out = append(out, Target{Host: h, Port: int(r.srv.Port), Mode: ModeDirect, TLS: r.tls})
		}
		i = j
	}
	return out
}
