package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/clove-xmpp/clove/store"
)

// The window keeps libX11's compiled Compose table in Clove's cache
// directory (gui.useComposeCache): the first start writes it, the next
// one reads it back instead of parsing the locale's Compose file again.
// libX11 caches nothing for root, so the window runs as user 65534 in a
// user namespace of its own, as the side-by-side benchmark runs the apps.
func TestGUIKeepsTheComposeTableCached(t *testing.T) {
	needX(t)
	probe := exec.Command("true")
	probe.SysProcAttr = asUser()
	if err := probe.Run(); err != nil {
		t.Skipf("cannot run a program as another user in a user namespace here: %v", err)
	}
	const aj = "alice@example.invalid"
	profile := filepath.Join(t.TempDir(), "profile")
	fillProfile(t, profile, store.Account{JID: aj, Server: "127.0.0.1:1"}, nil, 0)
	home := t.TempDir()
	display := startXvfb(t)
	start := func() {
		t.Helper()
		cmd := exec.Command(buildClove(t), "--profile", profile)
		cmd.Env = []string{"DISPLAY=" + display, "HOME=" + home, "PATH=" + os.Getenv("PATH"), "CLOVE_PASSWORD=pw", "LANG=C.UTF-8"}
		cmd.SysProcAttr = asUser()
		launchWindow(t, display, cmd, "Clove — "+aj).stop()
	}
	dir := filepath.Join(home, ".cache", "clove", "compose")
	cached := func() os.FileInfo {
		t.Helper()
		ents, err := os.ReadDir(dir)
		if err != nil || len(ents) != 1 {
			t.Fatalf("the compose cache %s: %v, %d files; want the one libX11 writes", dir, err, len(ents))
		}
		fi, err := ents[0].Info()
		if err != nil || fi.Size() == 0 {
			t.Fatalf("the compose cache's %s: %v, %v", ents[0].Name(), fi, err)
		}
		return fi
	}

	start()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the cache directory: %v %v; want mode 0700 (libX11 ignores one others can write to)", fi, err)
	}
	first := cached()
	t.Logf("libX11 wrote %s (%d bytes)", first.Name(), first.Size())

	start()
	again := cached()
	if again.Name() != first.Name() || !again.ModTime().Equal(first.ModTime()) ||
		again.Sys().(*syscall.Stat_t).Ino != first.Sys().(*syscall.Stat_t).Ino {
		t.Errorf("the second start wrote the cache again (%s %v, was %s %v): it was not read back",
			again.Name(), again.ModTime(), first.Name(), first.ModTime())
	}
}
