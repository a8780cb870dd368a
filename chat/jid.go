package chat

import (
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"
)

// ParseAccountJID checks a user-typed account address: name@server, made
// bare.
func ParseAccountJID(s string) (jid.JID, error) {
	j, err := jid.Parse(strings.TrimSpace(s))
	if err != nil {
		return jid.JID{}, badAddress(s)
	}
	if j.Localpart() == "" {
		return jid.JID{}, fmt.Errorf("%q is not an account address: expected name@server", s)
	}
	return j.Bare(), nil
}

// ParsePeerJID checks a contact address (a server alone is allowed).
func ParsePeerJID(s string) (jid.JID, error) {
	j, err := jid.Parse(strings.TrimSpace(s))
	if err != nil {
		return jid.JID{}, badAddress(s)
	}
	return j, nil
}

// ContactJID reads an address typed for a contact: name@server, made bare.
func ContactJID(s string) (jid.JID, error) {
	j, err := ParsePeerJID(s)
	if err != nil || j.Localpart() == "" {
		return jid.JID{}, badAddress(s)
	}
	return j.Bare(), nil
}

// RoomJID reads an address typed for a room: room@service.
func RoomJID(s string) (jid.JID, error) {
	j, err := ParsePeerJID(s)
	if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
		return jid.JID{}, fmt.Errorf("%q is not a room address: expected room@conference.server", s)
	}
	return j, nil
}

// badAddress words a JID parse failure for people; the parser's own
// reasons (IDNA rules, PRECIS classes) do not help them.
func badAddress(s string) error {
	return fmt.Errorf("%q is not a valid address: expected name@server, e.g. alice@example.org", s)
}
