// Package xmppclient is Clove's XMPP client core, built on mellium.im/xmpp.
// A Client logs in over a connection the transport package dialed (never
// mellium's own DNS-based dialer), pins self-signed certificates on first use,
// and handles roster, presence, chat messages, receipts, carbons, MAM catch-up,
// ping, in-band registration and stream management. Everything that happens is
// reported as typed events on a channel; handlers never block the read loop.
//
// It imports no UI and no SQL: persistence is reached through the small
// interfaces declared here, which the store package satisfies via adapters.
package xmppclient
