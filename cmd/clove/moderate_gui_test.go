package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// A room's moderator in the real window (XEP-0425, prosody-modules'
// mod_muc_moderation): alice made the room (its owner), bob says
// something in it; in alice's window bob's message offers Remove for
// everyone…, last, which asks first (confirmed from the keyboard); then
// the row says a moderator removed it and bob's words are gone from
// alice's history.
func TestGUIModerateUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"), prosodytest.NeedsModule("muc_moderation"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	modules_enabled = { "muc_mam", "muc_moderation" }
	muc_room_locking = false
	muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	aj, den := "alice@"+srv.Domain, "den@muc."+srv.Domain
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	a, _, _, stopA := guiSession(t, srv, alice.profile, "alice")
	if err := a.JoinRoom(ctx, den, "", true); err != nil { // made, bookmarked, autojoin
		t.Fatal(err)
	}
	stopA()

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	bob, _, bwin, _ := guiSession(t, srv, t.TempDir(), "bob")
	if err := bob.JoinRoom(ctx, den, "bob", false); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, bwin, "occupant "+den+" alice left=false") // alice's window joined at login
	if _, err := bob.SendGroup(ctx, den, "cheap watches at example.invalid"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "bob's message in alice's history", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", den), "cheap watches")
	})
	w.click(100, 85) // the room: the only row
	time.Sleep(700 * time.Millisecond)
	at := func(x, y int) []string {
		return []string{"mousemove", "--window", w.id, strconv.Itoa(x), strconv.Itoa(y)}
	}
	w.must(append(at(500, moderateRowY), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(shotPath(t, "moderate-1-menu.png"))
	w.must(append(at(540, moderateItemY), "click", "1")...) // Remove for everyone…, last
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "moderate-2-confirm.png"))
	w.keys("Tab", "Tab", "Return") // to Remove, as a keyboard user goes
	waitUntil(t, 20*time.Second, "the message removed in alice's history", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", den), "(removed by a moderator)")
	})
	time.Sleep(700 * time.Millisecond)
	w.screenshot(shotPath(t, "moderate-3-removed.png"))
	if h := alice.ok("history", "--account", aj, "--with", den); strings.Contains(h, "cheap watches") {
		t.Errorf("bob's words are still in alice's history:\n%s", h)
	}
	w.stop()
}

// Where, in the 900×600 window with the room's one message, bob's row is
// and its menu's last entry (Remove for everyone…).
const moderateRowY, moderateItemY = 144, 333
