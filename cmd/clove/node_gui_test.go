package main

import (
	"fmt"
	"image"
	"image/color"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pnet"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/node"
)

// The real window runs the user's own node: the wizard's "Run my own
// node" on a machine whose 5222 is taken (the test holds it, inside this
// test binary's network namespace) says which ports the node took; the
// chat window's status bar shows the node's I2P stage (its router, on a
// network of its own, never finds a peer: "no peers yet", never a green
// online); Stop node stops it and the account goes offline; Start node
// runs it again and the account comes back.
func TestNodeFromTheWindowUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	requireI2PD(t)
	if !i2pnet.InNamespace() {
		t.Skip("no network namespace of the test's own: the node would take the machine's 5269 and 4447")
	}
	held, err := net.Listen("tcp", "127.0.0.1:5222") // another XMPP server
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	profile := filepath.Join(t.TempDir(), "profile")
	dir := filepath.Join(profile, "node")
	network := filepath.Join(t.TempDir(), "net.conf")
	os.WriteFile(network, []byte(offNetworkI2PD(freePort(t))), 0o600)
	t.Cleanup(func() {
		if supervise.RunningPID(dir) != 0 {
			node.Stop(dir)
		}
	})
	display := startXvfb(t)
	w := startWindowEnv(t, display, profile, "Clove — set up", "CLOVE_NODE_I2PD_NETWORK="+network,
		"CLOVE_PRESET_CONTACT=hello@example.invalid", "CLOVE_PRESET_ROOM=federation@muc.example.invalid")
	time.Sleep(400 * time.Millisecond)
	w.click(320, 250) // Run my own node
	w.screenshot(filepath.Join(t.TempDir(), "wizard-node-form.png"))
	w.must("type", "--delay", "10", "admin-pw")
	w.must("key", "Return")
	t0 := time.Now()
	c := cli{t: t, profile: profile}
	waitUntil(t, time.Minute, "the admin's account is added", func() bool {
		return strings.Contains(c.ok("account", "list"), "admin@")
	})
	t.Logf("the node ran and the admin logged in %v after Enter", time.Since(t0).Round(time.Millisecond))
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "wizard-node-ports.png"))
	info, err := node.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.C2SPort != 15222 || info.S2SPort != 5269 {
		t.Errorf("the node runs on %d/%d; want 15222/5269", info.C2SPort, info.S2SPort)
	}
	w.click(60, 494) // Open my chats
	w.id = waitWindow(t, w, "Clove — admin@"+info.Domain)
	// shot saves the window (in docs/screenshots where docs says so) and
	// reads it back.
	shot := func(name string, docs bool) image.Image {
		t.Helper()
		path := filepath.Join(t.TempDir(), name)
		if docs {
			path = screenshotPath(t, name)
		}
		return w.screenshot(path)
	}
	// The status bar: never green (the node has no peers), the node's
	// stage in words (seen on the screenshots).
	online := func() bool { return c2sSessions(t, info.C2SPort) > 0 }
	waitUntil(t, 10*time.Second, "the admin is online", online)
	time.Sleep(300 * time.Millisecond)
	if dot := statusDot(shot("node-status-bar.png", true)); dot != "orange" {
		t.Errorf("online on a node with no peers, the status dot is %s; want orange", dot)
	}

	w.must("mousemove", "--window", w.id, fmt.Sprint(nodeButtonX), fmt.Sprint(statusBarY), "click", "1") // Stop node
	stopAt := time.Now()
	shot("node-stopping.png", false)
	waitUntil(t, 20*time.Second, "the node stops", func() bool { return supervise.RunningPID(dir) == 0 })
	waitUntil(t, 10*time.Second, "the account goes offline", func() bool { return !online() })
	time.Sleep(500 * time.Millisecond)
	t.Logf("the node stopped and the account went offline %v after Stop node", time.Since(stopAt).Round(time.Millisecond))
	if dot := statusDot(shot("node-stopped.png", true)); dot != "grey" {
		t.Errorf("the node stopped, the status dot is %s; want grey", dot)
	}

	w.click(nodeButtonX, statusBarY) // Start node
	startAt := time.Now()
	shot("node-starting.png", false)
	waitUntil(t, time.Minute, "the node runs again", func() bool { return supervise.RunningPID(dir) != 0 })
	waitUntil(t, 30*time.Second, "the account is back online", online)
	t.Logf("the node ran and the account was back online %v after Start node", time.Since(startAt).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	if dot := statusDot(shot("node-started.png", false)); dot != "orange" {
		t.Errorf("back on the node with no peers, the status dot is %s; want orange", dot)
	}
	if st := c.ok("node", "status"); !strings.Contains(st, "I2P: no peers yet") {
		t.Errorf("node status after Start node: %s", st)
	}
	w.stop()

	// Clove opened again on the node's account: from the first frame on,
	// no green online before the node's I2P state is read.
	w = startWindow(t, display, profile, "admin-pw", "Clove — admin@"+info.Domain)
	var dots []string
	for i := 0; i < 8 || !online(); i++ {
		if i > 40 {
			t.Fatal("the account is not online 6 s after Clove opened")
		}
		dots = append(dots, statusDot(shot(fmt.Sprintf("node-reopened-%d.png", i), false)))
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the status dot, frame by frame after Clove opened: %v", dots)
	if slices.Contains(dots, "green") {
		t.Errorf("the status dot was green on a node with no peers: %v", dots)
	}
	w.stop()
}

// Where the status bar's node button is in the 900×600 chat window.
const (
	nodeButtonX = 745
	statusBarY  = 578
)

// statusDot names the colour of the status bar's dot: the most colourful
// pixel in the window's bottom-left corner.
func statusDot(img image.Image) string {
	b := img.Bounds()
	best, sat := color.RGBA{}, -1
	for y := b.Max.Y - 40; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Min.X+24; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if s := int(max(r, g, bl)) - int(min(r, g, bl)); s > sat && max(r, g, bl) > 90 {
				best, sat = color.RGBA{uint8(r), uint8(g), uint8(bl), 255}, s
			}
		}
	}
	switch {
	case sat < 30:
		return "grey"
	case best.G > best.R && best.G > best.B:
		return "green"
	case best.R > best.B && best.G > best.B:
		return "orange"
	case best.R > best.G:
		return "red"
	}
	return fmt.Sprintf("%v", best)
}

// c2sSessions counts the established client connections to the node's
// prosody on port (this test's network namespace only).
func c2sSessions(t *testing.T, port int) int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) > 3 && f[3] == "01" && strings.HasSuffix(f[1], fmt.Sprintf(":%04X", port)) {
			n++
		}
	}
	return n
}
