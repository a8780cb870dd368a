package xmppclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// A room's subject (XEP-0045 §8.1) on a real prosody 0.12, slixmpp's bob
// in the room: the subject the room sends after a join is not a change;
// alice (Clove, the owner) sets one, bob (slixmpp) and carol (Clove) get
// it, carol as alice's change; carol, a participant, is refused (prosody
// lets only moderators by default) and so is slixmpp's bob until alice
// makes him a moderator; alice removes it with an empty subject; carol,
// back in the room, gets the current one as the room's, not a change.
func TestRoomSubject(t *testing.T) {
	r := newOwnedRoom(t, mucComponent, "plans", true)
	srv, ctx, a, c, room, bob := r.srv, r.ctx, r.a, r.c, r.room, r.bob
	var err error
	subject := func(who *peer, what string, match func(xmppclient.GroupMessage) bool) xmppclient.GroupMessage {
		t.Helper()
		var got xmppclient.GroupMessage
		who.wait(what, 10*time.Second, func(ev xmppclient.Event) bool {
			g, ok := ev.(xmppclient.GroupMessage)
			if ok && g.SubjectSet && g.Room.Equal(room) && match(g) {
				got = g
				return true
			}
			return false
		})
		return got
	}
	if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	if g := subject(c, "the room's subject after carol's join", func(g xmppclient.GroupMessage) bool { return true }); g.SubjectChange || g.Subject != "" {
		t.Fatalf("the subject sent after the join: %+v", g)
	}

	if err := a.c.SetRoomSubject(ctx, room, "Plans for Friday"); err != nil {
		t.Fatal(err)
	}
	subject(c, "alice's subject", func(g xmppclient.GroupMessage) bool {
		return g.SubjectChange && g.Nick == "alice" && g.Subject == "Plans for Friday"
	})
	bctx, bcancel := context.WithTimeout(ctx, 10*time.Second)
	ms, err := bob.Wait(bctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Type == "groupchat" && strings.Contains(m.XML, "subject>Plans for Friday</") {
				return true
			}
		}
		return false
	})
	bcancel()
	if err != nil {
		for _, m := range ms {
			t.Logf("bob got %s", m.XML)
		}
		t.Fatalf("slixmpp's bob did not get the subject: %v", err)
	}

	err = c.c.SetRoomSubject(ctx, room, "carol was here")
	if !errors.Is(err, xmppclient.ErrNotPermitted) || !strings.Contains(err.Error(), "change the subject of "+room.String()) {
		t.Fatalf("carol, a participant, setting the subject: %v", err)
	}
	t.Logf("refused: %v", err)

	fromBob := func(text string) {
		t.Helper()
		if err := bob.Send(ctx, slixtest.Outgoing{To: room.String(), Type: "groupchat", ExtraXML: "<subject xmlns='jabber:client'>" + text + "</subject>"}); err != nil {
			t.Fatal(err)
		}
	}
	fromBob("bob was here")
	bctx, bcancel = context.WithTimeout(ctx, 10*time.Second)
	_, err = bob.Wait(bctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Type == "error" && strings.Contains(m.XML, "forbidden") {
				return true
			}
		}
		return false
	})
	bcancel()
	if err != nil {
		t.Fatalf("slixmpp's bob, a participant, was not refused the subject: %v", err)
	}
	if err := a.c.SetRole(ctx, room, "bob", "moderator", ""); err != nil {
		t.Fatal(err)
	}
	fromBob("Plans for Saturday")
	g := subject(c, "bob's subject", func(g xmppclient.GroupMessage) bool { return g.Nick == "bob" })
	if !g.SubjectChange || g.Subject != "Plans for Saturday" {
		t.Fatalf("bob's subject, a moderator's: %+v (his first, refused, must not arrive)", g)
	}

	if err := a.c.SetRoomSubject(ctx, room, ""); err != nil {
		t.Fatal(err)
	}
	subject(c, "the subject removed", func(g xmppclient.GroupMessage) bool {
		return g.SubjectChange && g.Nick == "alice" && g.Subject == ""
	})
	if err := a.c.SetRoomSubject(ctx, room, "Plans for Sunday"); err != nil {
		t.Fatal(err)
	}
	if err := c.c.LeaveRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	// The join's RoomJoined and the room's subject come in either order.
	var gotSubject, gotJoined, open bool
	c.wait("the current subject at carol's new join, and the join", 10*time.Second, func(ev xmppclient.Event) bool {
		switch e := ev.(type) {
		case xmppclient.GroupMessage:
			// (alice's change to it, while carol was still in, may come
			// first: a change, not the join's.)
			if e.SubjectSet && e.Room.Equal(room) && !e.SubjectChange {
				if e.Subject != "Plans for Sunday" {
					t.Fatalf("the subject at the join: %+v", e)
				}
				gotSubject = true
			}
		case xmppclient.RoomJoined:
			if e.Room.Equal(room) {
				gotJoined, open = true, e.SubjectOpen
			}
		}
		return gotSubject && gotJoined
	})
	if open {
		t.Fatal("a room with the subject for moderators only said it is open to all")
	}

	// A room that lets everyone change the subject says so in its
	// disco#info (prosody 0.12: muc#roomconfig_changesubject in the room
	// info form), read at the join;
	// carol, a participant, then may.
	joinedOpen := func(what string) bool {
		t.Helper()
		var open bool
		c.wait(what, 10*time.Second, func(ev xmppclient.Event) bool {
			j, ok := ev.(xmppclient.RoomJoined)
			open = j.SubjectOpen
			return ok && j.Room.Equal(room)
		})
		return open
	}
	form, err := a.c.RoomConfig(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	for i := range form.Fields {
		if form.Fields[i].Var == "muc#roomconfig_changesubject" {
			form.Fields[i].Values = []string{"1"}
		}
	}
	if err := a.c.SetRoomConfig(ctx, room, form); err != nil {
		t.Fatal(err)
	}
	// carol, in the room, learns it from the change (104: the room's
	// information read again), not only at her next join.
	c.wait("the subject opened, told to carol", 10*time.Second, func(ev xmppclient.Event) bool {
		p, ok := ev.(xmppclient.RoomSubjectPolicy)
		return ok && p.Room.Equal(room) && p.Open
	})
	if err := c.c.LeaveRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	if !joinedOpen("carol's join, the subject for all") {
		t.Fatal("a room that lets everyone change the subject did not say so")
	}
	if err := c.c.SetRoomSubject(ctx, room, "carol's turn"); err != nil {
		t.Fatalf("carol, a participant, where everyone may: %v", err)
	}

	if err := a.c.SetRoomSubject(ctx, room, strings.Repeat("x", 2000)); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("a 2,000-byte subject: %v", err)
	}
	if err := a.c.SetRoomSubject(ctx, jid.MustParse("elsewhere@muc."+srv.Domain), "x"); err == nil || !strings.Contains(err.Error(), "join") {
		t.Fatalf("a subject for a room not joined: %v", err)
	}
}
