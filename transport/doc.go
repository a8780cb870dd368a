// Package transport opens the network connections Clove's XMPP sessions run
// over: direct TCP, SOCKS5 (i2pd's proxy, names sent to the proxy unresolved)
// and SAM v3 streams. It also holds the .i2p name rules, the decision of which
// host to connect to for a JID domain (with the I2P-only guard and the darknet
// map), and router detection used by `clove doctor`.
//
// An account dials through a Connector: its settings are checked once, and
// in SAM mode it owns the one SAM session every connection of the account
// shares. Connect is the one-shot form.
//
// In I2P mode nothing here resolves a name locally or dials anything but the
// configured proxy or SAM port.
package transport
