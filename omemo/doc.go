// Package omemo is the protocol side of Clove's OMEMO 0.3 end-to-end
// encryption (XEP-0384 as deployed by Conversations, Dino and Gajim;
// namespace eu.siacs.conversations.axolotl): what goes over the wire and
// what needs no keys kept anywhere. It imports no store, no network and no
// UI, so that xmppclient can speak OMEMO without depending on persistence.
//
// The XML of OMEMO 0.3 — the device list, the bundle and the <encrypted>
// element — is marshalled with encoding/xml and parsed from any
// xml.TokenReader with limits, so that hostile input gets one clear error
// and bounded memory. Beside it: device addresses, the errors of
// encrypting and decrypting, identity key fingerprints (formatting and
// parsing), the trust states a key can be given, and the payload
// encryption.
//
// Message encryption is what OMEMO 0.3 clients deploy: AES-128-GCM with a
// random 16-byte key and a 12-byte IV; the key followed by the 16-byte GCM
// tag (32 bytes) is encrypted with each recipient device's Signal session,
// and the payload is the ciphertext without the tag (SealPayload,
// OpenPayload).
//
// The Signal sessions and the keys live in package omemo/device, which
// keeps them in the profile's store. The dependencies go one way:
//
//	omemo          protocol and pure crypto; imports no clove package
//	omemo/device   imports omemo and store (keys, sessions, trust)
//	xmppclient     imports omemo, never omemo/device nor store
//	chat           opens an omemo/device Account and gives it to xmppclient
//
// xmppclient reaches the device only through its own small interface
// (xmppclient.OMEMOAccount), which *device.Account satisfies.
package omemo
