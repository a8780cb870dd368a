package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The real window under Xvfb in a room: bob's "/me waves" shows as an
// action, bob renaming himself Robert shows as a notice and in the
// People list, and "/me nods" typed in the composer goes to the room as
// typed; the header keeps the room's address whole beside People, Invite…
// and the ⋮ menu, whose Change nickname… renames alice. The screenshots
// are docs/screenshots/room-actions.png and room-menu.png with
// CLOVE_UPDATE_SCREENSHOTS=1.
// Where a room's header buttons are in a 900-px window (the room's
// address first, then search, People, Invite…, Request voice for a
// visitor, and ⋮ last), and the menu's first item.
const (
	chatToolsY     = 49
	chatMenuX      = 878 // ⋮
	inviteX        = 810 // Invite… (beside ⋮ unless Request voice is shown)
	requestVoiceX  = 780 // Request voice, beside ⋮ when shown
	chatMenuItemX  = 800
	chatMenuFirstY = 85
	chatMenuItemH  = 39 // from one item to the next
)

func TestGUIRoomActionsAndRenameUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	aj, lounge := "alice@"+srv.Domain, "lounge@muc."+srv.Domain
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	a, _, _, stopA := guiSession(t, srv, alice.profile, "alice")
	if err := a.JoinRoom(ctx, lounge, "", true); err != nil { // bookmarked, autojoin
		t.Fatal(err)
	}
	stopA()
	bob, _, bwin, _ := guiSession(t, srv, t.TempDir(), "bob")
	if err := bob.JoinRoom(ctx, lounge, "bob", false); err != nil {
		t.Fatal(err)
	}

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	waitSaw(t, bwin, "occupant "+lounge+" alice left=false") // joined at login
	time.Sleep(300 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // the room: the only row
	time.Sleep(300 * time.Millisecond)
	if _, err := bob.SendGroup(ctx, lounge, "/me waves at everyone"); err != nil {
		t.Fatal(err)
	}
	if err := bob.ChangeRoomNick(ctx, lounge, "Robert"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.SendGroup(ctx, lounge, "I am Robert now"); err != nil {
		t.Fatal(err)
	}
	w.must("type", "--delay", "15", "/me nods")
	w.must("key", "Return")
	waitUntil(t, 30*time.Second, "bob gets alice's /me as typed", func() bool {
		return strings.Contains(strings.Join(bwin.Got(), "\n"), `"/me nods"`)
	})
	var h string
	defer func() { t.Logf("alice's history of the room:\n%s", h) }()
	waitUntil(t, 30*time.Second, "the window's session stores the room's talk", func() bool {
		h = alice.ok("history", "--account", aj, "--with", lounge)
		return strings.Contains(h, "* bob waves at everyone") && strings.Contains(h, "I am Robert now") && strings.Contains(h, "* alice nods")
	})
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "room-actions.png"))

	// The header's ⋮ menu holds the rest: Change nickname… there renames
	// alice in the room.
	w.click(chatMenuX, chatToolsY)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(screenshotPath(t, "room-menu.png"))
	w.click(chatMenuItemX, chatMenuFirstY) // Change nickname…
	time.Sleep(700 * time.Millisecond)
	w.keys("ctrl+a")
	w.must("type", "--delay", "15", "Alicia")
	w.keys("Return")
	waitSaw(t, bwin, "occupant "+lounge+" Alicia left=false")
	w.stop()
}
