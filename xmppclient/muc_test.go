package xmppclient_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

func TestRooms(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.Config(`Component "muc.clove.test" "muc"`))
	for _, u := range []string{"alice", "bob", "dave"} {
		srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	a.wait("alice online", 15*time.Second, online)
	b.wait("bob online", 15*time.Second, online)
	lounge := jid.MustParse("lounge@muc.clove.test")

	// A new room is created and configured as an instant room.
	if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatalf("alice creating the room: %v", err)
	}
	if err := b.c.JoinRoom(ctx, lounge, "bob", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatalf("bob joining: %v", err)
	}
	a.wait("bob appears", 10*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Room.Equal(lounge) && o.Nick == "bob" && !o.Left
	})
	if _, err := a.c.SendGroup(ctx, lounge, "hi room"); err != nil {
		t.Fatal(err)
	}
	g := b.wait("group message at bob", 10*time.Second, func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "hi room"
	}).(xmppclient.GroupMessage)
	if g.Nick != "alice" || g.Self || !g.Room.Equal(lounge) {
		t.Fatalf("bob got %+v", g)
	}
	a.wait("alice's own message back", 10*time.Second, func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "hi room" && g.Self
	})

	// A later joiner gets the history, marked delayed.
	d := start(t, config(srv, "dave", "pw"))
	d.wait("dave online", 15*time.Second, online)
	if err := d.c.JoinRoom(ctx, lounge, "dave", xmppclient.JoinOptions{History: 10}); err != nil {
		t.Fatal(err)
	}
	d.wait("history", 10*time.Second, func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "hi room" && g.Delayed
	})

	// Refusals are clear errors.
	err := d.c.JoinRoom(ctx, jid.MustParse("nope@muc.clove.test"), "dave", xmppclient.JoinOptions{MustExist: true})
	var re *xmppclient.RoomError
	if !errors.As(err, &re) || re.Condition != stanza.ItemNotFound {
		t.Fatalf("joining a missing room: %v", err)
	}
	t.Logf("user sees: %v", err)
	err = d.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{})
	if !errors.As(err, &re) || re.Condition != stanza.Conflict {
		t.Fatalf("taken nickname: %v", err)
	}
	t.Logf("user sees: %v", err)

	if err := b.c.LeaveRoom(ctx, lounge); err != nil {
		t.Fatal(err)
	}
	a.wait("bob leaves", 10*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Nick == "bob" && o.Left
	})
	if _, err := b.c.SendGroup(ctx, lounge, "after leaving"); err == nil {
		t.Fatal("sending to a room we left was accepted")
	}
}
