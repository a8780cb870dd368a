// Package device is one XMPP account's OMEMO device kept in the profile's
// SQLite store (package store), built on go.mau.fi/libsignal: its own
// device (device id, identity key pair, signed pre-key, 100 one-time
// pre-keys, made once by Open), the Signal sessions with other devices and
// the trust given to each device's identity key. Private keys never leave
// the store.
//
// An Account encrypts, decrypts and builds sessions from bundles; the
// types it takes and gives (addresses, bundles, <encrypted> elements,
// trust states, errors) are package omemo's, which has no store. It has no
// network and no UI: what is published over PEP and sent in messages is
// xmppclient's business, which takes an *Account through its
// OMEMOAccount interface (chat opens the Account and hands it over), so
// that xmppclient never depends on the store.
package device
