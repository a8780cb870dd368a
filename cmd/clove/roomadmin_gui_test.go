package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// A room's owner in the real window (XEP-0045 §8–10): alice made the
// room; bob comes in. In alice's window a right-click on bob in the
// People list offers what an owner may; "Remove from room…" asks for a
// reason (typed, Enter) and bob is out, told why, and alice's room says
// so. Bob comes back; alice makes him a moderator from the same menu;
// then destroys the room from the ⋮ menu, and bob is told.
func TestGUIRoomAdminUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	muc_room_locking = false
	muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	aj, den := "alice@"+srv.Domain, "den@muc."+srv.Domain
	room, _ := chat.RoomJID(den)
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	a, _, _, stopA := guiSession(t, srv, alice.profile, "alice")
	if err := a.JoinRoom(ctx, den, "", true); err != nil { // made, bookmarked, autojoin
		t.Fatal(err)
	}
	stopA()

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	bob, _, brec, _ := guiSession(t, srv, t.TempDir(), "bob")
	if err := bob.JoinRoom(ctx, den, "bob", false); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, brec, "occupant "+den+" alice left=false") // alice's window joined at login
	bobIn := func() bool {
		s, err := bob.Session()
		if err != nil {
			return false
		}
		_, in := s.RoomNick(room)
		return in
	}
	w.click(100, 85) // the room: the only row
	time.Sleep(700 * time.Millisecond)
	at := func(x, y int) []string {
		return []string{"mousemove", "--window", w.id, strconv.Itoa(x), strconv.Itoa(y)}
	}
	w.screenshot(shotPath(t, "roomadmin-0-room.png"))
	w.must(append(at(peopleX, peopleBobY), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-1-menu.png"))
	w.must(append(at(peopleX, kickItemY), "click", "1")...) // Remove from room…
	time.Sleep(500 * time.Millisecond)
	w.must("type", "--window", w.id, "--delay", "20", "spam")
	w.screenshot(shotPath(t, "roomadmin-2-reason.png"))
	w.keys("Return")
	waitUntil(t, 20*time.Second, "bob removed", func() bool { return !bobIn() })
	waitSaw(t, brec, "removed "+den+" bob self=true gone=false You were removed from the room by alice: spam.")
	time.Sleep(700 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-3-removed.png"))

	// Back in; made a moderator from the same menu.
	if err := bob.JoinRoom(ctx, den, "bob", false); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "bob back", bobIn)
	time.Sleep(700 * time.Millisecond)
	w.must(append(at(peopleX, peopleBobY), "click", "3")...)
	time.Sleep(400 * time.Millisecond)
	w.must(append(at(peopleX, moderatorItemY), "click", "1")...) // Make moderator
	waitSaw(t, brec, "rank "+den+" bob moderator none self=true")

	// Tab completes a nickname in the composer, as in Gajim: "bo", Tab,
	// "hello", Enter says "bob: hello".
	w.click(585, 523)
	w.must("type", "--window", w.id, "--delay", "20", "bo")
	w.keys("Tab")
	w.must("type", "--window", w.id, "--delay", "20", "hello")
	w.screenshot(shotPath(t, "roomadmin-nick-completed.png"))
	w.keys("Return")
	waitUntil(t, 20*time.Second, `bob told "bob: hello"`, func() bool {
		return slices.ContainsFunc(brec.Got(), func(g string) bool { return strings.Contains(g, `"bob: hello"`) })
	})

	// An item of the room's ⋮ menu, by its place.
	chatMenuItem := func(y int) {
		t.Helper()
		w.click(878, 49)
		time.Sleep(400 * time.Millisecond)
		w.must(append(at(760, y), "click", "1")...)
	}

	// The subject from the ⋮ menu (§8.1): typed, Enter; bob is told who
	// changed it.
	chatMenuItem(subjectItemY) // Change subject…
	time.Sleep(500 * time.Millisecond)
	w.keys("ctrl+a")
	w.must("type", "--window", w.id, "--delay", "20", "Plans for Friday")
	w.screenshot(shotPath(t, "roomadmin-subject.png"))
	w.keys("Return")
	waitSaw(t, brec, "subject changed "+den+` by alice self=false "Plans for Friday"`)
	time.Sleep(700 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-subject-set.png"))

	// The room's settings from the ⋮ menu: renamed, Enter saves.
	chatMenuItem(settingsItemY) // Room settings…
	// The form is asked of the room, then drawn.
	time.Sleep(1500 * time.Millisecond)
	w.keys("ctrl+a")
	w.must("type", "--window", w.id, "--delay", "20", "The den")
	w.screenshot(shotPath(t, "roomadmin-settings.png"))
	w.keys("Return")
	waitUntil(t, 20*time.Second, "the room renamed", func() bool {
		return strings.Contains(alice.ok("room", "--account", aj, "config", den), "muc#roomconfig_roomname\ttext-single\tThe den")
	})

	// Room information… (§6.4), the menu's last item: the new title read
	// from the room.
	chatMenuItem(infoItemY)
	time.Sleep(1000 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-info.png"))
	w.keys("Escape")
	time.Sleep(300 * time.Millisecond)

	// Destroyed from the ⋮ menu.
	w.click(878, 49)
	time.Sleep(400 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-4-chatmenu.png"))
	w.must(append(at(760, destroyItemY), "click", "1")...) // Destroy room…, last
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-5-destroy.png"))
	w.keys("Return")
	waitSaw(t, brec, "removed "+den+" bob self=true gone=true The room was closed for good by its owner.")

	// The other side: bob's room, joined from the window's # dialog;
	// bob removes alice; her window says why and offers Join again.
	hall := "hall@muc." + srv.Domain
	if err := bob.JoinRoom(ctx, hall, "bob", true); err != nil {
		t.Fatal(err)
	}
	w.click(256, 49) // #: join a room
	time.Sleep(500 * time.Millisecond)
	w.must("type", "--window", w.id, "--delay", "10", hall)
	w.keys("Return")
	waitSaw(t, brec, "occupant "+hall+" alice left=false")
	time.Sleep(700 * time.Millisecond)
	if err := bob.SetRoomRole(ctx, hall, "alice", "none", "wrong room"); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, brec, "occupant "+hall+" alice left=true")
	time.Sleep(700 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-6-kicked.png"))
	seen := len(brec.Got())
	w.click(joinAgainX, 49)
	waitSawAfter(t, brec, seen, "occupant "+hall+" alice left=false")
	time.Sleep(500 * time.Millisecond)
	w.screenshot(shotPath(t, "roomadmin-7-back.png"))
	w.stop()
	// Her rooms: den gone with its destruction, hall kept.
	_, st, _, _ := guiSession(t, srv, alice.profile, "alice")
	rs, err := st.Rooms(ctx, aj)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].JID != hall {
		t.Errorf("alice's rooms after destroying den and joining hall: %+v", rs)
	}
}

// Where, in the 900×600 window, the People list's rows are (alice, bob:
// sorted) and the occupant menu's entries.
const joinAgainX = 800

const peopleX, peopleBobY, kickItemY, moderatorItemY = 800, 160, 261, 300

// The owner's ⋮ menu: Change nickname…, Register nickname…, Members…,
// Change subject…, a line, Leave room…, Room settings…, Destroy room…,
// Delete history…, Room information….
const subjectItemY, settingsItemY, destroyItemY, infoItemY = 202, 285, 324, 403
