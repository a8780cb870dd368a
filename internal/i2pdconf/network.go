package i2pdconf

import (
	"fmt"
	"strings"
)

// PrivateNetID is the network id of Clove's own networks (never the real
// I2P network's 2).
const PrivateNetID = 99

// Network is the network part of an i2pd.conf for a network of Clove's
// making: a private network id, NTCP2 only on a given address, no reseed,
// no clock sync. The routers of the tests' private network (internal/i2pnet)
// publish their address; the node's key generator and a router kept off
// every network publish nothing and so talk to nobody.
type Network struct {
	Comment string // a comment line first ("": none)
	NetID   int    // 0: PrivateNetID
	// Host is the router's IPv4 address and Port its NTCP2 port; NAT
	// detection is off.
	Host string
	Port int
	// Bind also binds NTCP2 to Host (ipv4, address4): a router of a
	// network on its own addresses (198.18.0.K).
	Bind bool
	// Publish publishes the NTCP2 address so other routers can connect;
	// false: nobody can.
	Publish   bool
	Floodfill bool
	Bandwidth string // i2pd's bandwidth class ("": i2pd's default)
	// ReservedRanges accepts routers at reserved addresses (198.18.0.0/15),
	// which i2pd refuses by default.
	ReservedRanges bool
	// Addressbook keeps the address book on, subscribed to a name that
	// does not exist so it never fetches; false turns it off.
	Addressbook bool
	Exploratory *Tunnels // the exploratory tunnels (nil: i2pd's default)
	// NoPeerTime stops i2pd taking the clock from its peers too
	// (nettime.frompeers).
	NoPeerTime bool
	// NoProfiles keeps no peer profiles on disk (persist.profiles).
	NoProfiles bool
}

// Tunnels are the lengths and number of a pool of tunnels, each way.
type Tunnels struct {
	Lengths  Lengths
	Quantity int // 0: i2pd's default
}

// Isolated is the network part of a router that talks to nobody: a
// private network id, NTCP2 on host:port but unpublished, no reseed, no
// address book. Node init's key generator runs it; a router that should
// still run its address book sets Addressbook.
func Isolated(host string, port int) Network { return Network{Host: host, Port: port} }

// PrivateRouter is the network part of a router of the tests' private
// network (internal/i2pnet) at ip:port: NTCP2 published and bound to ip
// (198.18.0.K, a reserved range), a fast bandwidth class, 1-hop exploratory
// tunnels, an address book that never fetches, no clock sync, no peer
// profiles.
func PrivateRouter(ip string, port int, floodfill bool) Network {
	return Network{Host: ip, Port: port, Bind: true, Publish: true, Floodfill: floodfill, Bandwidth: "X",
		ReservedRanges: true, Addressbook: true, Exploratory: &Tunnels{Lengths: Lengths{Inbound: 1, Outbound: 1}, Quantity: 2},
		NoPeerTime: true, NoProfiles: true}
}

// nowhere is an address book subscription that never answers.
const nowhere = "http://nonexistent.i2p/hosts.txt"

// Text is the network part as i2pd.conf lines: the main section's keys,
// then its own sections (so it goes before any other section).
func (n Network) Text() string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	if n.Comment != "" {
		line("# %s", n.Comment)
	}
	id := n.NetID
	if id == 0 {
		id = PrivateNetID
	}
	line("netid = %d", id)
	if n.Bind {
		line("ipv4 = true")
	}
	line("nat = false")
	line("host = %s", n.Host)
	if n.Bind {
		line("address4 = %s", n.Host)
	}
	line("port = %d", n.Port)
	if n.Floodfill {
		line("floodfill = true")
	}
	if n.Bandwidth != "" {
		line("bandwidth = %s", n.Bandwidth)
	}
	if n.ReservedRanges {
		line("reservedrange = false")
	}
	line("\n[ntcp2]\nenabled = true\npublished = %t\nport = %d", n.Publish, n.Port)
	line("\n[ssu2]\nenabled = false")
	line("\n[reseed]\nverify = false\nurls = https://127.0.0.1:1/\nthreshold = 0")
	line("\n[addressbook]\nenabled = %t", n.Addressbook)
	if n.Addressbook {
		line("defaulturl = %s\nsubscriptions = %s", nowhere, nowhere)
	}
	if e := n.Exploratory; e != nil {
		line("\n[exploratory]\ninbound.length = %d\noutbound.length = %d", e.Lengths.Inbound, e.Lengths.Outbound)
		if e.Quantity != 0 {
			line("inbound.quantity = %[1]d\noutbound.quantity = %[1]d", e.Quantity)
		}
	}
	line("\n[nettime]\nenabled = false")
	if n.NoPeerTime {
		line("frompeers = false")
	}
	if n.NoProfiles {
		line("\n[persist]\nprofiles = false")
	}
	return b.String()
}
