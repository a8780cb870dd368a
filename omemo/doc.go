// Package omemo is Clove's OMEMO 0.3 end-to-end encryption (XEP-0384 as
// deployed by Conversations, Dino and Gajim; namespace
// eu.siacs.conversations.axolotl), built on go.mau.fi/libsignal.
//
// It has no network and no UI. An Account is one XMPP account's OMEMO
// state, kept in the profile's SQLite store (package store): its own device
// (device id, identity key pair, signed pre-key, 100 one-time pre-keys,
// made once by Open), the Signal sessions with other devices and the trust
// given to each device's identity key. Private keys never leave the store.
//
// The XML of OMEMO 0.3 — the device list, the bundle and the <encrypted>
// element — is marshalled with encoding/xml and parsed from any
// xml.TokenReader with limits, so that hostile input gets one clear error
// and bounded memory. What is published over PEP and sent in messages is
// the caller's (xmppclient's) business.
//
// Message encryption is what OMEMO 0.3 clients deploy: AES-128-GCM with a
// random 16-byte key and a 12-byte IV; the key followed by the 16-byte GCM
// tag (32 bytes) is encrypted with each recipient device's Signal session,
// and the payload is the ciphertext without the tag.
package omemo
