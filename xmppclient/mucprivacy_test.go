package xmppclient_test

import (
	"slices"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/xmppclient"
)

// Whether a room shows our address to everyone (XEP-0045 §7.2.3: status
// 100 in our presence at the join) and keeps a log (170), and changes of
// that while we are in it (§10.2.1: a message from the room with 104,
// 170–174), on a real prosody 0.12 with muc_mam: carol (Clove) joins a
// room that shows addresses to moderators only, alice (the owner) makes it
// show them to everyone, carol is told (172) and, back in the room, is
// told at the join.
func TestRoomPrivacyNotices(t *testing.T) {
	r := newOwnedRoom(t, mucComponent+"\n\tmodules_enabled = { \"muc_mam\" }", "open", false)
	ctx, a, c, room := r.ctx, r.a, r.c, r.room
	joined := func(what string) xmppclient.RoomJoined {
		t.Helper()
		var got xmppclient.RoomJoined
		c.wait(what, 10*time.Second, func(ev xmppclient.Event) bool {
			j, ok := ev.(xmppclient.RoomJoined)
			if ok && j.Room.Equal(room) {
				got = j
				return true
			}
			return false
		})
		return got
	}
	if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	if j := joined("carol in the semi-anonymous room"); j.AddressesShown {
		t.Fatalf("a room showing addresses to moderators only: %+v", j)
	} else {
		t.Logf("joined: %+v", j)
	}

	form, err := a.c.RoomConfig(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	for i := range form.Fields {
		if form.Fields[i].Var == "muc#roomconfig_whois" {
			form.Fields[i].Values = []string{"anyone"}
		}
	}
	if err := a.c.SetRoomConfig(ctx, room, form); err != nil {
		t.Fatal(err)
	}
	var changed xmppclient.RoomConfigChanged
	c.wait("the change told", 10*time.Second, func(ev xmppclient.Event) bool {
		ch, ok := ev.(xmppclient.RoomConfigChanged)
		changed = ch
		return ok && ch.Room.Equal(room)
	})
	t.Logf("changed: %v", changed.Codes)
	if !slices.Contains(changed.Codes, 172) {
		t.Fatalf("the room now shows addresses to all: codes %v, want 172", changed.Codes)
	}
	if err := c.c.LeaveRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	if j := joined("carol back in the non-anonymous room"); !j.AddressesShown {
		t.Fatalf("a room showing addresses to all: %+v", j)
	} else {
		t.Logf("joined again: %+v", j)
	}
}
