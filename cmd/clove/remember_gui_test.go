package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
)

// Under Xvfb with no D-Bus session (no keyring): the wizard's box says so
// and offers the profile; ticked, the next start logs in without asking.
func TestWizardSavesThePasswordInTheProfileWithoutAKeyringUnderXvfb(t *testing.T) {
	needX(t)
	srv := startWizardProsody(t)
	srv.CreateUser(t, "bob", "bob-pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	profile := filepath.Join(t.TempDir(), "profile")
	display := startXvfb(t)
	shot := func(w *window, name string) {
		p := screenshotPath(t, name)
		if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
			p = filepath.Join(dir, name)
		}
		w.screenshot(p)
	}
	w := startWindowEnv(t, display, profile, "Clove — set up")
	time.Sleep(400 * time.Millisecond)
	w.click(320, 104) // I have an account
	w.click(300, 65)  // the address
	w.must("type", "--delay", "10", aj)
	w.must("key", "Tab")
	w.must("type", "--delay", "10", "alice-pw")
	w.click(122, 284) // Custom host:port
	w.click(300, 322) // its entry
	w.must("type", "--delay", "10", srv.C2SAddr)
	w.click(rememberX, rememberY) // No system keyring here: save the password in the profile
	shot(w, "wizard-no-keyring.png")
	w.click(90, 494) // Log in
	time.Sleep(1500 * time.Millisecond)
	w.click(wizardTrustX, 494) // Trust and continue
	c := cli{t: t, profile: profile}
	waitUntil(t, 30*time.Second, "the account is added", func() bool {
		return strings.Contains(c.ok("account", "list"), aj)
	})
	saved := filepath.Join(chat.PasswordsDir(profile), aj)
	waitUntil(t, 10*time.Second, "the password is saved in the profile", func() bool {
		_, err := os.Stat(saved)
		return err == nil
	})
	if fi, err := os.Stat(saved); err != nil || fi.Mode() != 0o600 {
		t.Fatalf("the saved password: %v %v; want mode 0600", fi, err)
	}
	w.stop()

	// The next start: no CLOVE_PASSWORD, no prompt; logged in, it stores
	// what Bob sends.
	w = startWindowEnv(t, display, profile, "Clove — "+aj)
	bob := newCLI(t, "bob-pw")
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	const hello = "hello Alice, logged in with the saved password"
	time.Sleep(time.Second)
	bob.ok("send", "--account", bj, aj, hello)
	waitUntil(t, 30*time.Second, "the window's session stores Bob's message", func() bool {
		return strings.Contains(c.ok("history", "--account", aj, "--with", bj), hello)
	})
	shot(w, "no-keyring-next-start.png")
	w.stop()
}

// Where the wizard's "remember" box is, with the custom host:port shown.
const (
	rememberX = 140
	rememberY = 404 // below Custom host:port's entry and its Direct TLS check
)
