// Package xmppclient is Clove's XMPP client core, built on mellium.im/xmpp.
// A Client logs in over a connection the transport package dialed (never
// mellium's own DNS-based dialer), pins self-signed certificates on first use,
// and handles roster, presence, chat messages, receipts, carbons, MAM catch-up,
// ping, in-band registration and stream management. Everything that happens is
// reported as typed events on a channel; handlers never block the read loop.
//
// It imports no UI and no SQL: persistence is reached through the small
// interfaces declared here, which the store package satisfies via adapters.
// OMEMO (omemo.go) speaks the protocol with package omemo (XML, errors, no
// store) and reaches the account's keys and sessions through OMEMOAccount,
// which chat fills with an omemo/device Account; neither store nor
// omemo/device is ever a dependency of this package (layering_test.go
// checks it). The layering is
//
//	transport → xmppclient → chat → store, ui
//	omemo ← xmppclient;  omemo/device → omemo, store;  chat → omemo/device
package xmppclient
