package main

import (
	"encoding/json"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// OMEMO in the real window (issue 18): alice's window, bob on the CLI
// (both Clove, each with its own device), a real prosody with PEP. Bob's
// encrypted message is stored encrypted on alice's side; in bob's chat the
// lock by the composer is closed, its dialog shows bob's key, and
// "Verified" there is what `clove omemo fingerprints` then reports.
func TestGUIOMEMOLockAndVerifyUnderXvfb(t *testing.T) {
	needX(t)
	_, alice, bob, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	bob.ok("listen", "--account", bj, "--timeout", "2s") // publishes bob's device

	w := startWindowEnv(t, startXvfb(t), alice.profile, "Clove — "+aj, "CLOVE_PASSWORD=pw")
	time.Sleep(700 * time.Millisecond) // the roster loads in the background
	// Alice's session publishes her device; bob encrypts to it once it is
	// listed (his send fetches her list).
	const secret = "omemo in the window: the key is under the mat"
	waitUntil(t, 20*time.Second, "bob sees alice's OMEMO device", func() bool {
		bob.ok("send", "--account", bj, aj, secret)
		var m jsonMessage
		h := strings.Split(strings.TrimSpace(bob.ok("history", "--account", bj, "--with", aj, "--json")), "\n")
		return json.Unmarshal([]byte(h[len(h)-1]), &m) == nil && m.Encrypted
	})
	waitUntil(t, 20*time.Second, "alice's window stores bob's encrypted message", func() bool {
		for _, line := range strings.Split(strings.TrimSpace(alice.ok("history", "--account", aj, "--with", bj, "--json")), "\n") {
			var m jsonMessage
			if json.Unmarshal([]byte(line), &m) == nil && m.Body == secret && m.Encrypted {
				return true
			}
		}
		return false
	})
	bobKey := strings.Fields(bob.ok("omemo", "--account", bj, "fingerprints"))
	if len(bobKey) != 3 {
		t.Fatalf("bob's own key: %q", bobKey)
	}
	w.keys("ctrl+k")
	w.must("type", "--delay", "15", "bob")
	w.keys("Return")
	time.Sleep(time.Second) // the lock asks the session about bob's devices
	shot := func(name string) string {
		p := screenshotPath(t, name)
		if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
			p = filepath.Join(dir, name)
		}
		w.screenshot(p)
		return p
	}
	// The lock (900×600 window: left of the send button, at the
	// composer's foot) is drawn green, and so is the small one after the
	// message's time.
	if c := pixelAt(t, shot("omemo-chat.png"), 838, 533); !(c.G > 150 && int(c.G) > int(c.R)+60) {
		t.Errorf("the lock by the composer is %v, not green (closed: encrypted)", c)
	}
	w.click(838, 533) // the lock: its dialog
	time.Sleep(500 * time.Millisecond)
	shot("omemo-keys.png")
	w.click(178, 370) // "Verified" under bob's one key (the dialog, fitted to its content, is 900×600's height)
	waitUntil(t, 10*time.Second, "bob's key is verified in alice's profile", func() bool {
		return strings.TrimSpace(alice.ok("omemo", "--account", aj, "fingerprints", bj)) == bobKey[0]+" "+bobKey[1]+" verified"
	})
	time.Sleep(500 * time.Millisecond) // the dialog comes back, saying so
	shot("omemo-verified.png")
	w.stop()
}

// pixelAt reads the colour at (x, y) of the PNG at path.
func pixelAt(t *testing.T, path string, x, y int) color.RGBA {
	t.Helper()
	return color.RGBAModel.Convert(readPNG(t, path).At(x, y)).(color.RGBA)
}
