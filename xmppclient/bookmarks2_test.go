package xmppclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// PEP native bookmarks (XEP-0402) on prosody 0.12 with its mod_bookmarks
// (which advertises urn:xmpp:bookmarks:1#compat and keeps XEP-0048's
// private storage in step): a bookmark set on one device is announced to
// the account's other device and listed there; the node is private
// (another account cannot read it); a removal is announced too. Without
// mod_bookmarks, the private-storage list (XEP-0048) is used.
func TestPEPBookmarks(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("bookmarks"))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a1 := start(t, config(srv, "alice", "pw"))
	a2 := start(t, config(srv, "alice", "pw"))
	b := start(t, config(srv, "bob", "pw"))
	for _, p := range []*peer{a1, a2, b} {
		p.wait("online", 15*time.Second, online)
	}
	if pep, err := a1.c.BookmarksInPEP(ctx); err != nil || !pep {
		t.Fatalf("BookmarksInPEP with mod_bookmarks: %v, %v", pep, err)
	}
	room := jid.MustParse("lounge@muc.clove.test")
	// Prosody sends a PEP notification to a2 once it learnt a2's +notify
	// from its caps (a disco#info round trip after its presence): a
	// little wait, then the change.
	time.Sleep(500 * time.Millisecond)
	set := time.Now()
	if err := a1.c.SetBookmark(ctx, xmppclient.Bookmark{Room: room, Name: "Lounge", Nick: "al", Autojoin: true}); err != nil {
		t.Fatal(err)
	}
	ev := a2.wait("the bookmark at the other device", 10*time.Second, func(ev xmppclient.Event) bool {
		_, ok := ev.(xmppclient.BookmarkChanged)
		return ok
	}).(xmppclient.BookmarkChanged)
	t.Logf("the other device heard of it in %s", time.Since(set).Round(time.Millisecond))
	if bm := ev.Bookmark; !bm.Room.Equal(room) || bm.Name != "Lounge" || bm.Nick != "al" || !bm.Autojoin {
		t.Fatalf("announced %+v", bm)
	}
	bms, err := a2.c.Bookmarks(ctx)
	if err != nil || len(bms) != 1 || !bms[0].Room.Equal(room) {
		t.Fatalf("a2's bookmarks: %+v, %v", bms, err)
	}
	// An old client reading XEP-0048's private storage sees it too.
	if old, err := a2.c.PrivateBookmarkRooms(ctx); err != nil || len(old) != 1 || old[0] != room.String() {
		t.Fatalf("XEP-0048 view: %q, %v", old, err)
	}
	// Private: bob cannot read alice's bookmarks.
	if found, err := b.c.PEPItemOf(ctx, jid.MustParse("alice@clove.test"), "urn:xmpp:bookmarks:1"); err == nil || found {
		t.Fatalf("bob read alice's bookmarks node: found=%v err=%v", found, err)
	} else {
		t.Logf("bob asking for alice's bookmarks: %v", err)
	}
	if err := a1.c.RemoveBookmark(ctx, room); err != nil {
		t.Fatal(err)
	}
	a2.wait("the removal at the other device", 10*time.Second, func(ev xmppclient.Event) bool {
		r, ok := ev.(xmppclient.BookmarkRemoved)
		return ok && r.Room.Equal(room)
	})
	if bms, err := a2.c.Bookmarks(ctx); err != nil || len(bms) != 0 {
		t.Fatalf("after the removal: %+v, %v", bms, err)
	}
}

// Without XEP-0402 compat on the server, bookmarks go to private storage
// (XEP-0048) and still round-trip.
func TestBookmarksFallBackToPrivateStorage(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("private"))
	srv.CreateUser(t, "alice", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	a.wait("online", 15*time.Second, online)
	if pep, err := a.c.BookmarksInPEP(ctx); err != nil || pep {
		t.Fatalf("BookmarksInPEP without mod_bookmarks: %v, %v", pep, err)
	}
	room := jid.MustParse("den@muc.clove.test")
	if err := a.c.SetBookmark(ctx, xmppclient.Bookmark{Room: room, Autojoin: true, Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	bms, err := a.c.Bookmarks(ctx)
	if err != nil || len(bms) != 1 || !bms[0].Room.Equal(room) || bms[0].Password != "pw" {
		t.Fatalf("bookmarks: %+v, %v", bms, err)
	}
	// Not in PEP: nothing published there.
	if found, _ := a.c.PEPItemOf(ctx, jid.MustParse("alice@clove.test"), "urn:xmpp:bookmarks:1"); found {
		t.Fatal("the fallback published to PEP")
	}
}
