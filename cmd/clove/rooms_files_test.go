package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
)

// A file in a room, from the window's side against a real prosody (MUC
// and HTTP upload): alice's paperclip path (Backend.SendFile to the room)
// uploads it in plaintext and says its URL with out-of-band data; bob's
// session takes it as a file message (stored with its file), and his
// window's fetch gives the very bytes.
func TestGUIBackendRoomFiles(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"), prosodytest.WithHTTPUpload(),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	bj := "bob@" + srv.Domain
	lounge := "lounge@muc." + srv.Domain
	alice, ast, awin, _ := guiSession(t, srv, t.TempDir(), "alice")
	bob, bst, bwin, _ := guiSession(t, srv, t.TempDir(), "bob")
	if err := alice.JoinRoom(ctx, lounge, "", true); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, awin, "joined "+lounge+" as alice")
	if err := bob.JoinRoom(ctx, lounge, "Bobby", false); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, awin, "occupant "+lounge+" Bobby left=false")

	pic := twoColourPNG(t, 300, 200)
	path := filepath.Join(t.TempDir(), "holiday.png")
	if err := os.WriteFile(path, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := alice.SendFile(ctx, lounge, path, func(int64, int64) {})
	if err != nil {
		t.Fatal(err)
	}
	if m.File == nil || m.File.Encrypted || m.Encrypted || !strings.HasPrefix(m.File.URL, "http://") || m.Peer != lounge {
		t.Fatalf("sent to the room: %+v (file %+v)", m, m.File)
	}
	waitSaw(t, bwin, "msg "+m.Key+" "+lounge+" out=false "+`"`+m.File.URL+`" received nick=alice`)
	waitSaw(t, awin, "mstate "+m.Key+" sent") // the room's copy came back
	var got store.Message
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := bst.History(ctx, bj, lounge, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 1 && ms[0].File != nil {
			got = ms[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob's room history: %+v", ms)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got.File.URL != m.File.URL || got.File.Encrypted || got.Outgoing {
		t.Errorf("bob stored %+v", got.File)
	}
	mine, err := ast.History(ctx, "alice@"+srv.Domain, lounge, 0, 10)
	if err != nil || len(mine) != 1 || mine[0].File == nil || mine[0].File.URL != m.File.URL || !mine[0].Outgoing {
		t.Errorf("alice's room history: %+v %v", mine, err)
	}
	data, err := bob.FetchFile(ctx, ui.Message{Peer: lounge, File: &ui.FileInfo{URL: got.File.URL}}, 1<<20)
	if err != nil || !bytes.Equal(data, pic) {
		t.Errorf("bob fetched %d bytes (%v), not the %d sent", len(data), err, len(pic))
	}
}
