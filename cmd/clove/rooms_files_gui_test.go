package main

import (
	"context"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// Files in a room in the real window under Xvfb: bob's picture shows as a
// file row with "Load picture" and is not downloaded by itself; a click
// loads it (after the paste below). A picture pasted with Ctrl+V in the room's composer goes to
// the room (unencrypted, said so), and bob's session gets it as a file.
func TestGUIRoomFilesUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Skip("xclip not installed")
	}
	srv := prosodytest.Start(t, prosodytest.WithModule("private"), prosodytest.WithHTTPUpload(),
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

	pic := filepath.Join(t.TempDir(), "cat.png")
	if err := os.WriteFile(pic, twoColourPNG(t, 400, 300), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.SendFile(ctx, lounge, pic, func(int64, int64) {}); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) string {
		p := screenshotPath(t, name)
		if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
			p = filepath.Join(dir, name)
		}
		w.screenshot(p)
		return p
	}
	red := color.RGBA{220, 20, 20, 255}
	time.Sleep(2 * time.Second)
	if r := colourBox(readPNG(t, shot("room-file.png")), red); r.Dx() > 10 {
		t.Errorf("bob's picture in the room was shown without a click (%v)", r)
	}

	clipFile := filepath.Join(t.TempDir(), "clip.png")
	if err := os.WriteFile(clipFile, twoColourPNG(t, 120, 90), 0o600); err != nil {
		t.Fatal(err)
	}
	xclip := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-t", "image/png", "-i", clipFile)
	xclip.Env = append(os.Environ(), "DISPLAY="+display)
	if err := xclip.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xclip.Process.Kill(); xclip.Wait() })
	time.Sleep(500 * time.Millisecond)
	w.click(500, composerY)
	w.keys("ctrl+v")
	waitUntil(t, 10*time.Second, "the pasted picture's dialog", func() bool {
		return colourBox(readPNG(t, shot("room-paste-dialog.png")), red).Dx() > 50
	})
	w.keys("Return")
	waitUntil(t, 30*time.Second, "bob gets the pasted picture in the room", func() bool {
		return strings.Contains(strings.Join(bwin.Got(), "\n"), `"http://`)
	})
	time.Sleep(time.Second)
	shot("room-pasted.png")
	// "Load picture" on bob's row (the first, at the top of the room)
	// downloads and shows it: 320×240, its red half 160 wide.
	w.click(598, 144)
	waitUntil(t, 20*time.Second, "bob's picture after Load picture", func() bool {
		return colourBox(readPNG(t, shot("room-loaded.png")), red).Dx() > 150
	})
	w.stop()
}
