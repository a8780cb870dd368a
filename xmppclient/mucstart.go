package xmppclient

import (
	"encoding/xml"
	"errors"

	"mellium.im/xmlstream"
)

// Turning a one-to-one chat into a room (XEP-0045 §7.9): the caller makes
// a new room with JoinOptions.Config (PrivateRoomConfig: members-only, not
// listed, kept when empty, real addresses shown to members) and invites
// the contacts through it with InviteOptions.Thread, which puts
// <continue thread='…'/> into each invitation. Prosody 0.12 then makes
// each invitee a member (members_only.lib.lua, "muc-invite") but rebuilds
// the invitation it forwards and drops <continue/> (muc.lib.lua,
// handle_mediated_invite): the invitee gets an ordinary invitation.

// ErrRoomExists: a room to be made with a configuration already exists.
var ErrRoomExists = errors.New("the room exists already")

// FormField is one field of a data form (XEP-0004) we submit.
type FormField struct {
	Var    string
	Values []string
}

// nsRoomConfig is the FORM_TYPE of a room's configuration form.
const nsRoomConfig = "http://jabber.org/protocol/muc#roomconfig"

// PrivateRoomConfig is a private group chat as Gajim and Dino create one
// from a chat: members-only (the invited are made members), not in the
// service's public list, persistent (it outlives its last occupant, so an
// invitee who comes later finds it), and non-anonymous (members see each
// other's addresses, and prosody then lets members read the member list,
// §7.11). name: the room's name ("" leaves the server's default).
func PrivateRoomConfig(name string) []FormField {
	f := []FormField{
		{Var: "muc#roomconfig_membersonly", Values: []string{"1"}},
		{Var: "muc#roomconfig_publicroom", Values: []string{"0"}},
		{Var: "muc#roomconfig_persistentroom", Values: []string{"1"}},
		{Var: "muc#roomconfig_whois", Values: []string{"anyone"}},
	}
	if name != "" {
		f = append(f, FormField{Var: "muc#roomconfig_roomname", Values: []string{name}})
	}
	return f
}

// configFields are the <field/>s of a room configuration form: none (the
// server's defaults, an instant room) for no fields, else FORM_TYPE and
// the fields.
func configFields(fields []FormField) xml.TokenReader {
	if len(fields) == 0 {
		return nil
	}
	all := append([]FormField{{Var: "FORM_TYPE", Values: []string{nsRoomConfig}}}, fields...)
	var out []xml.TokenReader
	for _, f := range all {
		var vals []xml.TokenReader
		for _, v := range f.Values {
			vals = append(vals, textElement("value", v))
		}
		out = append(out, xmlstream.Wrap(xmlstream.MultiReader(vals...),
			xml.StartElement{Name: xml.Name{Local: "field"}, Attr: []xml.Attr{xmlAttr("var", f.Var)}}))
	}
	return xmlstream.MultiReader(out...)
}
