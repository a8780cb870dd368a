package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// `clove room send --file PATH ROOM` shares a file in a room: uploaded
// unencrypted, its URL said with out-of-band data; it prints the URL once
// the room passed it on. Bob, in the room, sees the URL as alice's
// message and fetches the very bytes.
func TestCLIRoomFile(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithHTTPUpload(), prosodytest.Config(`Component "muc.clove.test" "muc"`))
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")
	alice, bob := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	room := "lounge@muc.clove.test"
	bobOut := make(chan string, 1)
	go func() { bobOut <- bob.ok("room", "--account", bj, "join", room, "--nick", "Bobby", "--listen", "8s") }()
	var out string
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out, "2 here: Bobby, alice"); {
		if time.Now().After(deadline) {
			t.Fatalf("alice never saw bob in the room: %q", out)
		}
		time.Sleep(100 * time.Millisecond)
		out = alice.ok("room", "--account", aj, "join", room, "--history", "0")
	}
	data := []byte(strings.Repeat("notes for the room\n", 500))
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// The last line, after "joined …" (as room send prints its id).
	lines := strings.Split(strings.TrimSpace(alice.ok("room", "--account", aj, "send", "--file", path, room)), "\n")
	url := lines[len(lines)-1]
	if !strings.HasPrefix(url, "http://") || !strings.HasSuffix(url, ".txt") {
		t.Fatalf("room send --file printed %q, want the file's http URL", url)
	}
	if got := <-bobOut; !strings.Contains(got, "alice: "+url) {
		t.Fatalf("bob's room: want alice's %s in\n%s", url, got)
	}
	dst := filepath.Join(t.TempDir(), "fetched")
	bob.ok("fetch", "--account", bj, url, "-o", dst)
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Errorf("bob fetched %d bytes, not the %d shared", len(got), len(data))
	}
	if h := alice.ok("history", "--account", aj, "--with", room, "--json"); !strings.Contains(h, `"file"`) || !strings.Contains(h, url) {
		t.Errorf("alice's room history has no file: %s", h)
	}
	alice.fails(2, "room send --file PATH takes ROOM and no text", "room", "--account", aj, "send", "--file", path, room, "extra")
}
