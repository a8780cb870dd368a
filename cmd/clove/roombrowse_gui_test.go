package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The real window under Xvfb against a real prosody with public rooms
// (made by bob from the CLI): "#" opens the Join-a-room dialog, "Browse…"
// lists the server's rooms with how many are in them, a click on one fills
// its address, Enter joins it — bob, in the room, sees alice come.
func TestGUIBrowseRoomsUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	muc_room_default_public = true
	muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice, bob := newCLI(t, "alice-pw"), newCLI(t, "bob-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	svc := "muc." + srv.Domain
	for _, r := range []string{"attic", "lounge", "tea"} {
		bob.ok("room", "--account", bj, "join", r+"@"+svc, "--history", "0")
	}
	bobOut := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bobDone := make(chan int, 1)
	go func() {
		bobDone <- bob.runCtx(ctx, bobOut, "room", "--account", bj, "join", "tea@"+svc, "--nick", "bob", "--listen", "80s")
	}()
	waitUntil(t, 20*time.Second, "bob in tea", func() bool { return strings.Contains(bobOut.String(), "joined tea@") })

	w := aliceWindow(t, alice, aj)
	w.click(256, 49) // "#"
	time.Sleep(500 * time.Millisecond)
	w.click(620, 258) // "Browse…", right of the address
	// The rows come from the server: wait for text (light pixels) on the
	// third row, where tea (with bob in it, "1 person") is.
	p := screenshotPath(t, "room-browser.png")
	waitUntil(t, 15*time.Second, "three rooms listed", func() bool {
		w.screenshot(p)
		return pixelAt(t, p, 204, 310).R >= 100
	})
	w.click(300, 310) // tea
	time.Sleep(500 * time.Millisecond)
	w.keys("Return") // Join, the address filled by the pick
	waitUntil(t, 20*time.Second, "bob sees alice come into tea", func() bool {
		return strings.Contains(bobOut.String(), "* alice joined")
	})
	w.stop()
	cancel()
	<-bobDone
}
