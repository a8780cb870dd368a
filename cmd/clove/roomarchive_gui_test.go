package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The real window under Xvfb comes back to a room that keeps an archive
// (XEP-0313): what bob said while it was closed is fetched from the
// room's archive at login, stored once, in order, and shown in the room
// as history; the screenshot is looked at by hand.
func TestGUIRoomArchiveUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config("Component \"muc."+prosodytest.DefaultDomain+"\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }\n\tmuc_room_default_persistent = true"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	aj, lounge := "alice@"+srv.Domain, "lounge@muc."+srv.Domain
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	a, _, awin, stopA := guiSession(t, srv, alice.profile, "alice")
	if err := a.JoinRoom(ctx, lounge, "", true); err != nil { // bookmarked, autojoin
		t.Fatal(err)
	}
	m, err := a.SendGroup(ctx, lounge, "back after lunch")
	if err != nil {
		t.Fatal(err)
	}
	waitSaw(t, awin, "mstate "+m.Key+" sent") // the room's copy, with its stanza-id
	stopA()
	bob, _, _, _ := guiSession(t, srv, t.TempDir(), "bob")
	if err := bob.JoinRoom(ctx, lounge, "bob", false); err != nil {
		t.Fatal(err)
	}
	const n = 30
	for i := range n {
		if _, err := bob.SendGroup(ctx, lounge, fmt.Sprintf("while you were away, note %02d", i)); err != nil {
			t.Fatal(err)
		}
	}

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	var hist string
	waitUntil(t, 30*time.Second, "the window's session stores what was missed", func() bool {
		hist = alice.ok("history", "--account", aj, "--with", lounge, "--limit", "100")
		return strings.Contains(hist, fmt.Sprintf("note %02d", n-1))
	})
	last := -1
	for i := range n {
		note := fmt.Sprintf("note %02d", i)
		at := strings.Index(hist, note)
		if strings.Count(hist, note) != 1 || at < last {
			t.Fatalf("%s not once, in order:\n%s", note, hist)
		}
		last = at
	}
	if strings.Count(hist, "back after lunch") != 1 {
		t.Fatalf("alice's own message not once:\n%s", hist)
	}
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // the room: the only row
	time.Sleep(1000 * time.Millisecond)
	w.screenshot(screenshotPath(t, "room-archive.png"))
	w.stop()
}
