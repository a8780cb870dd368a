package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The real window under Xvfb: "Register nickname…" in the room's
// right-click menu registers the nick typed (XEP-0045 §7.10) with a real
// prosody MUC, which the command line then finds registered.
func TestGUIRoomRegisterUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "alice-pw")
	ctx := context.Background()
	aj, lounge := "alice@"+srv.Domain, "lounge@muc."+srv.Domain
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	a, _, _, stopA := guiSession(t, srv, alice.profile, "alice")
	if err := a.JoinRoom(ctx, lounge, "", true); err != nil { // bookmarked, autojoin
		t.Fatal(err)
	}
	stopA()

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	shots := t.TempDir()
	if d := os.Getenv("CLOVE_SHOTS"); d != "" {
		shots = d
	}
	time.Sleep(2 * time.Second)                                      // joined at login
	w.must("mousemove", "--window", w.id, "100", "85", "click", "3") // the room: the only row
	time.Sleep(500 * time.Millisecond)
	w.screenshot(filepath.Join(shots, "room-menu.png"))
	// Open room, Copy address, Register nickname…: the separator is skipped.
	w.keys("Down", "Down", "Down", "Return")
	time.Sleep(500 * time.Millisecond)
	w.keys("ctrl+a")
	w.must("type", "--delay", "15", "Ally")
	w.screenshot(filepath.Join(shots, "room-register.png"))
	w.keys("Return")
	time.Sleep(time.Second)
	w.screenshot(filepath.Join(shots, "room-registered.png"))
	w.stop()
	if out := alice.ok("room", "--account", aj, "register", lounge); !strings.Contains(out, "already registered as Ally") {
		t.Fatalf("after the window's registration the CLI says %q", out)
	}
}
