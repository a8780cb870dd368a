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

	// A rejoin asks only for what came after the last message it has.
	if err := d.c.LeaveRoom(ctx, lounge); err != nil {
		t.Fatal(err)
	}
	// Prosody reads whole seconds of the time asked for: keep a second
	// between the messages and the time.
	time.Sleep(1100 * time.Millisecond)
	later := time.Now()
	time.Sleep(1100 * time.Millisecond)
	if _, err := a.c.SendGroup(ctx, lounge, "second"); err != nil {
		t.Fatal(err)
	}
	a.wait("second back", 10*time.Second, func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		return ok && g.Body == "second" && g.Self
	})
	if err := d.c.JoinRoom(ctx, lounge, "dave", xmppclient.JoinOptions{History: 10, Since: later}); err != nil {
		t.Fatal(err)
	}
	var replayed []string
	d.wait("the history since", 10*time.Second, func(ev xmppclient.Event) bool {
		g, ok := ev.(xmppclient.GroupMessage)
		if ok && g.Delayed {
			replayed = append(replayed, g.Body)
		}
		return ok && g.Body == "second"
	})
	// The history is sent oldest first: "hi room" would have come before.
	if len(replayed) != 1 || replayed[0] != "second" {
		t.Fatalf("rejoin since %s replayed %q, want only \"second\"", later.Format(time.TimeOnly), replayed)
	}

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

// Bookmarks (XEP-0048 in private storage) against a real prosody: kept by
// the server for the account, replaced per room, removed; other entries of
// the storage survive an edit.
func TestBookmarks(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithModule("private"))
	srv.CreateUser(t, "alice", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	a.wait("online", 15*time.Second, online)
	if bs, err := a.c.Bookmarks(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("fresh account: %v %v", bs, err)
	}
	lounge := xmppclient.Bookmark{Room: jid.MustParse("lounge@muc.clove.test"), Name: "Lounge", Nick: "al", Autojoin: true}
	dev := xmppclient.Bookmark{Room: jid.MustParse("dev@muc.clove.test")}
	for _, b := range []xmppclient.Bookmark{lounge, dev} {
		if err := a.c.SetBookmark(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	dev.Nick, dev.Autojoin = "Ål ✓", true
	if err := a.c.SetBookmark(ctx, dev); err != nil {
		t.Fatal(err)
	}
	// A second client of the account sees them.
	a2cfg := config(srv, "alice", "pw")
	a2 := start(t, a2cfg)
	a2.wait("second device online", 15*time.Second, online)
	got, err := a2.c.Bookmarks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []xmppclient.Bookmark{lounge, dev}
	if len(got) != 2 || !got[0].Room.Equal(want[0].Room) || got[0].Name != "Lounge" || got[0].Nick != "al" || !got[0].Autojoin ||
		!got[1].Room.Equal(want[1].Room) || got[1].Nick != "Ål ✓" || !got[1].Autojoin {
		t.Fatalf("bookmarks = %+v, want %+v", got, want)
	}
	if err := a2.c.RemoveBookmark(ctx, lounge.Room); err != nil {
		t.Fatal(err)
	}
	got, err = a.c.Bookmarks(ctx)
	if err != nil || len(got) != 1 || !got[0].Room.Equal(dev.Room) {
		t.Fatalf("after removing lounge: %+v %v", got, err)
	}
	if err := a.c.SetBookmark(ctx, xmppclient.Bookmark{Room: jid.MustParse("muc.clove.test")}); err == nil {
		t.Error("a bookmark for a service, not a room, was accepted")
	}
}
