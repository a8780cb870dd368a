package i2pdconf

import (
	"fmt"
	"strings"
)

// Conf describes one i2pd.conf.
type Conf struct {
	Header   string // a comment saying who wrote the file ("": none)
	LogFile  string
	LogLevel string // "": warn
	// Net is the network part of a network of Clove's making: network id,
	// address, transports, reseed, address book…
	Net *Network
	// Network is a network part verbatim, after Net: text from elsewhere
	// (the node's --i2pd-network file). With neither, i2pd's defaults: the
	// real I2P network.
	Network string
	// Console is the web console's port on 127.0.0.1 (0: off);
	// ConsoleAnyHost accepts any Host header (test consoles reached by
	// address).
	Console        int
	ConsoleAnyHost bool
	SOCKS          *Proxy // nil: no SOCKS proxy
	SAM            int    // the SAM bridge's port on 127.0.0.1 (0: off)
}

// Proxy is the SOCKS proxy's section.
type Proxy struct {
	Address string // "": 127.0.0.1
	Port    int
	Keys    string // the destination's key file ("": a new one each start)
	// Lengths are the tunnel lengths (nil: i2pd's default; 0 hops is a
	// length). Quantity is the number of tunnels each way and
	// LeaseSetEncType the lease set's encryption (0: i2pd's defaults).
	Lengths         *Lengths
	Quantity        int
	LeaseSetEncType int
}

// Lengths are tunnel lengths in hops, each way.
type Lengths struct{ Inbound, Outbound int }

// Text is the file's content.
func (c Conf) Text() string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	if c.Header != "" {
		line("# %s", c.Header)
	}
	level := c.LogLevel
	if level == "" {
		level = "warn"
	}
	line("log = file")
	line("logfile = %s", c.LogFile)
	line("loglevel = %s", level)
	line("daemon = false")
	line("ipv6 = false")
	if c.Net != nil {
		line("%s", strings.TrimSpace(c.Net.Text()))
	}
	if n := strings.TrimSpace(c.Network); n != "" {
		line("%s", n)
	}
	section := func(name string, enabled bool) {
		line("\n[%s]", name)
		line("enabled = %t", enabled)
	}
	section("http", c.Console != 0)
	if c.Console != 0 {
		line("address = 127.0.0.1")
		line("port = %d", c.Console)
		if c.ConsoleAnyHost {
			line("strictheaders = false")
		}
	}
	section("httpproxy", false)
	section("socksproxy", c.SOCKS != nil)
	if p := c.SOCKS; p != nil {
		addr := p.Address
		if addr == "" {
			addr = "127.0.0.1"
		}
		line("address = %s", addr)
		line("port = %d", p.Port)
		if p.Keys != "" {
			line("keys = %s", p.Keys)
		}
		if l := p.Lengths; l != nil {
			line("inbound.length = %d", l.Inbound)
			line("outbound.length = %d", l.Outbound)
		}
		if p.Quantity != 0 {
			line("inbound.quantity = %d", p.Quantity)
			line("outbound.quantity = %d", p.Quantity)
		}
		if p.LeaseSetEncType != 0 {
			line("i2cp.leaseSetEncType = %d", p.LeaseSetEncType)
		}
	}
	section("sam", c.SAM != 0)
	if c.SAM != 0 {
		line("address = 127.0.0.1")
		line("port = %d", c.SAM)
		line("singlethread = false")
	}
	for _, off := range []string{"bob", "i2cp", "i2pcontrol", "upnp"} {
		section(off, false)
	}
	return b.String()
}
