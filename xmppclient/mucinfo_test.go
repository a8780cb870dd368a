package xmppclient_test

import (
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// A room's information (XEP-0045 §6.4) on a real prosody 0.12 with
// muc_mam: alice's room as made (prosody's defaults), then titled,
// described, members-only, showing addresses to everyone, password
// protected and persistent, read by carol, who is not in it; a room that
// does not exist is one line.
func TestRoomDetails(t *testing.T) {
	r := newOwnedRoom(t, mucComponent+"\n\tmodules_enabled = { \"muc_mam\" }", "info", false)
	ctx, a, c, room := r.ctx, r.a, r.c, r.room
	d, err := c.c.RoomDetails(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("as made: %+v", d)
	if d.MembersOnly || d.AddressesShown || d.PasswordProtected || d.Occupants != 1 {
		t.Errorf("prosody's defaults read as %+v", d)
	}
	form, err := a.c.RoomConfig(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]string{
		"muc#roomconfig_roomname":              "Info desk",
		"muc#roomconfig_roomdesc":              "Questions and answers",
		"muc#roomconfig_membersonly":           "1",
		"muc#roomconfig_whois":                 "anyone",
		"muc#roomconfig_passwordprotectedroom": "1",
		"muc#roomconfig_roomsecret":            "s3cret",
		"muc#roomconfig_persistentroom":        "1",
		"muc#roomconfig_moderatedroom":         "1",
		"muc#roomconfig_publicroom":            "1",
	}
	for i := range form.Fields {
		if v, ok := set[form.Fields[i].Var]; ok {
			form.Fields[i].Values = []string{v}
		}
	}
	if err := a.c.SetRoomConfig(ctx, room, form); err != nil {
		t.Fatal(err)
	}
	if err := a.c.SetRoomSubject(ctx, room, "Ask away"); err != nil {
		t.Fatal(err)
	}
	d, err = c.c.RoomDetails(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("configured: %+v", d)
	want := xmppclient.RoomDetails{Room: room, Name: "Info desk", Description: "Questions and answers", Subject: d.Subject, Language: d.Language,
		Occupants: 1, Public: true, MembersOnly: true, Moderated: true, PasswordProtected: true, Persistent: true, AddressesShown: true, Archived: true}
	if !d.Room.Equal(want.Room) || d.Name != want.Name || d.Description != want.Description || d.Occupants != 1 || !d.Public || !d.MembersOnly ||
		!d.Moderated || !d.PasswordProtected || !d.Persistent || !d.AddressesShown || !d.Archived {
		t.Errorf("read %+v, want %+v", d, want)
	}
	if _, err := c.c.RoomDetails(ctx, jid.MustParse("nowhere@muc."+r.srv.Domain)); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a room that does not exist: %v", err)
	}
}
