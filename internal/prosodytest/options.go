package prosodytest

import "slices"

// DefaultDomain is the virtual host a Server serves unless Domain is given.
// .test is reserved (RFC 2606), so it never resolves to anything real.
const DefaultDomain = "clove.test"

// defaultModules are enabled on every Server unless removed with
// WithoutModule. presence, message, iq, offline, c2s, s2s and posix are
// auto-loaded by prosody and need not be listed.
var defaultModules = []string{"roster", "saslauth", "tls", "disco", "carbons", "ping", "smacks", "blocklist"}

// settings is what the options build; Start turns it into prosody.cfg.lua.
type settings struct {
	domain       string
	modules      []string
	disabled     []string
	mam          bool
	registration bool
	nagle        bool
	limitsC2S    string
	logLevel     string
	pluginPaths  []string
	needs        []string // modules outside prosody's own package
	extra        []string
	certPEM      []byte
	keyPEM       []byte
	upload       bool
	directTLS    bool
	trace        bool
	uploadLimit  int64
	uploadURL    string
}

func defaultSettings() *settings {
	return &settings{
		domain:   DefaultDomain,
		modules:  slices.Clone(defaultModules),
		logLevel: "debug",
	}
}

func (c *settings) enable(names ...string) {
	for _, n := range names {
		c.disabled = slices.DeleteFunc(c.disabled, func(d string) bool { return d == n })
		if !slices.Contains(c.modules, n) {
			c.modules = append(c.modules, n)
		}
	}
}

// Option configures a Server before it starts.
type Option func(*settings)

// Domain sets the virtual host the server serves (default DefaultDomain).
// The generated certificate names it.
func Domain(domain string) Option {
	return func(c *settings) { c.domain = domain }
}

// WithMAM enables message archive management (XEP-0313, mod_mam) with every
// message archived and nothing ever expired. It is off by default because it
// cuts prosody's throughput several-fold.
func WithMAM() Option {
	return func(c *settings) {
		// mod_time too: a client reading its archive by date asks the
		// server's clock first (XEP-0202), as the bundled node answers.
		c.enable("mam")
		c.enable("time")
		c.mam = true
	}
}

// WithCarbons enables message carbons (XEP-0280). It is on by default; the
// option exists so a test can say what it relies on.
func WithCarbons() Option { return WithModule("carbons") }

// WithSMACKS enables stream management (XEP-0198, mod_smacks). It is on by
// default; the option exists so a test can say what it relies on. Use
// WithoutModule("smacks") to test a server without it.
func WithSMACKS() Option { return WithModule("smacks") }

// AllowRegistration enables in-band registration (XEP-0077, mod_register)
// with allow_registration = true. Off by default: users come from CreateUser.
func AllowRegistration() Option {
	return func(c *settings) {
		c.enable("register")
		c.registration = true
	}
}

// WithModule enables prosody modules by name (without the "mod_" prefix),
// found in prosody's own module directory or in a PluginPath.
func WithModule(names ...string) Option {
	return func(c *settings) { c.enable(names...) }
}

// WithPrivacyLists enables privacy lists (XEP-0016, mod_privacy_lists from
// Debian's prosody-modules package), on which Clove's Invisible (XEP-0126)
// rests. Start skips the test when the module is not installed (fails it
// on CI, as Require does for prosody); its directory is added to
// plugin_paths, so it is found wherever ModuleDir found it.
func WithPrivacyLists() Option {
	return func(c *settings) {
		c.enable("privacy_lists")
		c.needs = append(c.needs, "privacy_lists")
	}
}

// NeedsModule says the test needs community modules (Debian's
// prosody-modules package) that Config enables, in a component say: Start
// skips the test when one is not installed (fails it on CI) and adds its
// directory to plugin_paths, as WithPrivacyLists does.
func NeedsModule(names ...string) Option {
	return func(c *settings) { c.needs = append(c.needs, names...) }
}

// WithoutModule removes modules from the enabled list and adds them to
// modules_disabled, which also stops auto-loaded ones such as "offline".
func WithoutModule(names ...string) Option {
	return func(c *settings) {
		for _, n := range names {
			c.modules = slices.DeleteFunc(c.modules, func(m string) bool { return m == n })
			if !slices.Contains(c.disabled, n) {
				c.disabled = append(c.disabled, n)
			}
		}
	}
}

// PluginPath adds a directory prosody searches for modules (plugin_paths),
// for modules of our own. Combine with WithModule.
func PluginPath(dir string) Option {
	return func(c *settings) { c.pluginPaths = append(c.pluginPaths, dir) }
}

// Config appends raw Lua to the global section of the config, after
// everything the other options write and before the VirtualHost line: later
// assignments win, and it may open further VirtualHost or Component sections.
// It must not change interfaces or c2s/s2s ports: readiness is detected on
// the fixture's own.
func Config(lua string) Option {
	return func(c *settings) { c.extra = append(c.extra, lua) }
}

// WithNagle turns Nagle's algorithm back on for prosody's sockets. By default
// the server writes network_settings = { nagle = false }, because with Nagle
// on a TLS 1.3 login stalls ~40 ms on delayed ACKs.
func WithNagle() Option {
	return func(c *settings) { c.nagle = true }
}

// WithLimits enables mod_limits with the given c2s rate (e.g. "10kb/s",
// Debian's default). By default limits are off so floods and benchmarks are
// not throttled.
func WithLimits(c2sRate string) Option {
	return func(c *settings) {
		c.enable("limits")
		c.limitsC2S = c2sRate
	}
}

// LogLevel sets the minimum level prosody logs to its file: "debug" (the
// default, useful when a test fails) or "info" (less overhead for
// benchmarks). Start fails on other levels, because readiness detection
// reads prosody's info lines.
func LogLevel(level string) Option {
	return func(c *settings) { c.logLevel = level }
}

// TraceStanzas logs every stanza each session reads and writes, whole, to
// prosody's log ("TRACE IN <presence …>", "TRACE OUT <iq …>"), through a
// small module written into the server's directory. Prosody's own debug
// lines name only a stanza's top tag; use this to see what a client sent
// and what the server answered (LogFile, or the tail a failure shows).
// Passwords in SASL elements are logged too: test accounts only.
func TraceStanzas() Option {
	return func(c *settings) {
		c.trace = true
		c.enable(traceModule)
	}
}

// Cert makes the server use the given PEM certificate and key instead of
// generating a self-signed pair. A Server keeps its certificate across
// Restart either way; Cert is for sharing one between servers (see NewCert
// and Server.CertPEM).
func Cert(certPEM, keyPEM []byte) Option {
	return func(c *settings) {
		c.certPEM = slices.Clone(certPEM)
		c.keyPEM = slices.Clone(keyPEM)
	}
}

// WithPEP enables the personal eventing service (XEP-0163, prosody 0.12's
// mod_pep), on which OMEMO's device lists and bundles are published:
// items, publish-options (pubsub#access_model) and +notify from caps.
func WithPEP() Option { return WithModule("pep") }

// DefaultUploadLimit is the largest file WithHTTPUpload accepts unless
// WithHTTPUploadLimit says otherwise (mod_http_file_share's own default).
const DefaultUploadLimit = 10 << 20

// WithHTTPUpload enables HTTP file upload (XEP-0363, prosody 0.12's
// mod_http_file_share) as the component Server.UploadDomain, listed in the
// domain's disco#items, with prosody's HTTP on 127.0.0.1:Server.HTTPPort.
// Slot URLs are http://127.0.0.1:HTTPPort/file_share/<slot>/<name>, so a
// test can PUT and GET them directly; the daily quota is out of the way.
func WithHTTPUpload() Option {
	return func(c *settings) {
		c.upload = true
		if c.uploadLimit == 0 {
			c.uploadLimit = DefaultUploadLimit
		}
	}
}

// WithHTTPUploadURL is WithHTTPUpload with slot URLs under base (e.g.
// "http://<b32>.b32.i2p/", as the node's) instead of the loopback port;
// the upload is served for requests whose Host is the server's domain
// (what an i2pd HTTP server tunnel with hostoverride sends) and for the
// loopback address.
func WithHTTPUploadURL(base string) Option {
	return func(c *settings) {
		c.upload = true
		c.uploadURL = base
		if c.uploadLimit == 0 {
			c.uploadLimit = DefaultUploadLimit
		}
	}
}

// WithHTTPUploadLimit is WithHTTPUpload with a largest file of n bytes: a
// slot for a larger one is refused (not-acceptable, "File too large").
func WithHTTPUploadLimit(n int64) Option {
	return func(c *settings) {
		c.upload = true
		c.uploadLimit = n
	}
}

// WithDirectTLS adds a direct TLS listener (XEP-0368: TLS from the first
// byte, prosody's c2s_direct_tls_ports) on a loopback port of its own,
// given in Server.DirectTLSAddr, beside the STARTTLS one.
func WithDirectTLS() Option {
	return func(c *settings) { c.directTLS = true }
}
