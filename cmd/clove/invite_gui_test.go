package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// shot saves a screenshot as docs/screenshots/NAME (with
// CLOVE_UPDATE_SCREENSHOTS=1), in $CLOVE_KEEP_SHOTS, or in a temp dir.
func shot(t *testing.T, w *window, name string) string {
	path := screenshotPath(t, name)
	if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
		path = filepath.Join(dir, name)
	}
	w.screenshot(path)
	return path
}

// Invitations in the real window under Xvfb, slixmpp (xep_0249, xep_0045)
// the other party: in a room, Invite… sends bob a direct invitation with
// the reason typed; bob's invitation to another room shows above the
// roster with its reason, Join enters the room (prosody has alice there)
// and opens it.
func TestGUIInvitationsUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private", "admin_shell"),
		prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmuc_room_locking = false\n\tmuc_room_default_persistent = true"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	aj, lounge, den := "alice@"+srv.Domain, "lounge@muc."+srv.Domain, "den@muc."+srv.Domain
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	a, _, _, stopA := guiSession(t, srv, alice.profile, "alice")
	if err := a.JoinRoom(ctx, lounge, "", true); err != nil { // bookmarked, autojoin
		t.Fatal(err)
	}
	stopA()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045", "xep_0249"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	waitUntil(t, 30*time.Second, "alice in the lounge", func() bool { return inRoom(t, srv, lounge, "alice") })
	time.Sleep(300 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // the room: the only row
	time.Sleep(500 * time.Millisecond)
	w.click(inviteX, chatToolsY) // Invite… (then the ⋮ menu)
	time.Sleep(700 * time.Millisecond)
	w.must("type", "--delay", "15", "bob@clove.test")
	w.keys("Tab")
	w.must("type", "--delay", "15", "come to the lounge")
	time.Sleep(300 * time.Millisecond)
	shot(t, w, "invite-dialog.png")
	w.keys("Return")
	waitSlixXML(ctx, t, bob, "the window's invitation at bob", `"jabber:x:conference"`, `jid="`+lounge+`"`, `reason="come to the lounge"`)
	time.Sleep(300 * time.Millisecond)
	shot(t, w, "invite-sent.png")
	// Again, through the room this time (the box ticked from the keyboard).
	w.click(inviteX, chatToolsY) // Invite… (then the ⋮ menu)
	time.Sleep(700 * time.Millisecond)
	w.must("type", "--delay", "15", "bob@clove.test")
	w.keys("Tab")
	w.must("type", "--delay", "15", "through the room")
	w.keys("Tab")
	w.keys("space")
	time.Sleep(300 * time.Millisecond)
	shot(t, w, "invite-dialog-via-room.png")
	w.keys("Return")
	waitSlixXML(ctx, t, bob, "the window's mediated invitation at bob", `invite from="`+lounge+`/alice"`, "through the room")

	// Bob invites alice to his den: the prompt, then Join.
	if err := bob.JoinRoom(ctx, den, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Invite(ctx, slixtest.Invite{Room: den, To: aj, Reason: "bring snacks"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if inRoom(t, srv, den, "alice") {
		t.Fatal("alice entered the den before saying Join")
	}
	p := shot(t, w, "invitation.png")
	// The prompt is there: Join's blue at its place.
	if c := pixelAt(t, p, 12, 225); c.B < 150 || c.R > 100 {
		t.Fatalf("no Join button where the prompt puts it (pixel %v)", c)
	}
	w.must("mousemove", "--window", w.id, "25", "225", "click", "1") // Join
	waitUntil(t, 30*time.Second, "alice in the den after Join", func() bool { return inRoom(t, srv, den, "alice") })
	time.Sleep(1000 * time.Millisecond)
	p = shot(t, w, "invitation-joined.png")
	// The den opened: its row (now the first) is the selected one.
	if c := pixelAt(t, p, 240, 80); c.B < c.R+30 {
		t.Fatalf("the den's row is not selected after Join (pixel %v)", c)
	}

	// A mediated invitation (through bob's attic) declined: the room
	// passes the decline to bob.
	attic := "attic@muc." + srv.Domain
	if err := bob.JoinRoom(ctx, attic, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Invite(ctx, slixtest.Invite{Room: attic, To: aj, Reason: "dusty up here", Mediated: true}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	shot(t, w, "invitation-mediated.png")
	w.must("mousemove", "--window", w.id, "84", "225", "click", "1") // Decline
	waitSlixXML(ctx, t, bob, "alice's decline at bob", `decline from="`, attic)
	if inRoom(t, srv, attic, "alice") {
		t.Fatal("alice entered the attic after Decline")
	}
	w.stop()
	// Joined for good: in the profile and bookmarked on the server, with
	// autojoin.
	b, st, _, _ := guiSession(t, srv, alice.profile, "alice")
	rooms, err := st.Rooms(ctx, aj)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, r := range rooms {
		if r.Autojoin {
			kept = append(kept, r.JID)
		}
	}
	if strings.Join(kept, " ") != den+" "+lounge {
		t.Fatalf("rooms kept after Join: %q", kept)
	}
	bms, err := bookmarks(ctx, b)
	if err != nil || len(bms) != 2 {
		t.Fatalf("bookmarks after Join: %+v %v", bms, err)
	}
}

// inRoom asks prosody whether nick is an occupant of room.
func inRoom(t *testing.T, srv *prosodytest.Server, room, nick string) bool {
	service := room[strings.Index(room, "@")+1:]
	out := srv.Shell(t, `>local r = prosody.hosts["`+service+`"].modules.muc.get_room_from_jid("`+room+`"); `+
		`return r ~= nil and r:get_occupant_by_nick("`+room+`/`+nick+`") ~= nil and "in-room" or "not-in-room"`)
	return strings.Contains(out, "in-room") && !strings.Contains(out, "not-in-room")
}

// The window's session with PEP bookmarks (XEP-0402, prosody's
// mod_bookmarks): a room bookmarked with autojoin on another device of the
// account is joined here and the list reloaded, with no restart.
func TestGUIBookmarkFromAnotherDevice(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("bookmarks"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"`))
	srv.CreateUser(t, "alice", "alice-pw")
	ctx := context.Background()
	lounge := "lounge@muc." + srv.Domain
	_, st, win, _ := guiSession(t, srv, t.TempDir(), "alice")
	other, _, _, _ := guiSession(t, srv, t.TempDir(), "alice")
	time.Sleep(500 * time.Millisecond) // prosody learns the window's +notify from its caps
	reloads := func() int { return strings.Count(strings.Join(win.Got(), "\n"), "roster") }
	before := reloads()
	if err := other.JoinRoom(ctx, lounge, "", true); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, win, "joined "+lounge+" as alice")
	waitUntil(t, 10*time.Second, "the list reloaded for the new bookmark", func() bool { return reloads() > before })
	if rs, err := st.Rooms(ctx, "alice@"+srv.Domain); err != nil || len(rs) != 1 || rs[0].JID != lounge {
		t.Fatalf("the window's profile: %+v %v", rs, err)
	}
}
