package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/gui"
	"github.com/clove-xmpp/clove/gui/guitest"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// guiSession runs the window's session of user@srv (password user-pw) on
// profile, with a recorder for a window; stop ends it (also at cleanup).
func guiSession(t *testing.T, srv *prosodytest.Server, profile, user string) (*gui.Backend, *store.Store, *guitest.Recorder, func()) {
	t.Helper()
	ctx := context.Background()
	e := &env{profile: profile, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), getenv: func(string) string { return "" }}
	p, st, err := e.openTestProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := store.Account{JID: user + "@" + srv.Domain, Server: srv.C2SAddr, Pin: srv.CertFingerprint}
	if _, err := st.Account(ctx, a.JID); err != nil {
		if err := st.AddAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	b := gui.NewBackend(p, a.JID)
	r := &guitest.Recorder{}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); gui.RunSession(sctx, p, a, user+"-pw", b, r, nil) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			st.Close()
		}
	}
	t.Cleanup(stop)
	waitSaw(t, r, "state online")
	return b, st, r, stop
}

// roomBodies is the stored history of room: "nick: body [state]" lines.
func roomBodies(t *testing.T, st *store.Store, account, room string) []string {
	t.Helper()
	ms, err := st.History(context.Background(), account, room, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		_, nick, _ := strings.Cut(m.From, "/")
		out = append(out, nick+": "+m.Body+" ["+string(m.State)+"]")
	}
	return out
}

func waitBodies(t *testing.T, st *store.Store, account, room string, want ...string) {
	t.Helper()
	var got []string
	deadline := time.Now().Add(20 * time.Second)
	for {
		got = roomBodies(t, st, account, room)
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the room's history is %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Rooms from the window's side against a real prosody with a MUC service
// and private storage: join (a missing room is a clear error), talk both
// ways, history stored once, bookmarks on the server bring the room back
// at the next login (also on a new profile: another device), leave.
func TestGUIBackendRooms(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx := context.Background()
	aj := "alice@" + srv.Domain
	lounge := "lounge@muc." + srv.Domain
	profileA := filepath.Join(t.TempDir(), "a")
	alice, ast, awin, stopAlice := guiSession(t, srv, profileA, "alice")
	bob, _, bwin, _ := guiSession(t, srv, t.TempDir(), "bob")

	for _, tc := range []struct{ addr, want string }{
		{"nope@muc." + srv.Domain, `does not exist; tick "Create it"`},
		{"muc." + srv.Domain, "is not a room address"},
		{lounge + "/nick", "is not a room address"},
		{"not a room", "is not a room address"},
	} {
		err := alice.JoinRoom(ctx, tc.addr, "", false)
		t.Logf("join %q: %v", tc.addr, err)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("JoinRoom(%q) = %v; want %q", tc.addr, err, tc.want)
		}
	}
	if rs, _ := ast.Rooms(ctx, aj); len(rs) != 0 {
		t.Fatalf("rooms after failed joins: %+v", rs)
	}

	if err := alice.JoinRoom(ctx, " "+lounge+" ", "", true); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, awin, "joined "+lounge+" as alice")
	if rs, _ := ast.Rooms(ctx, aj); len(rs) != 1 || rs[0].JID != lounge || !rs[0].Autojoin {
		t.Fatalf("rooms after joining: %+v", rs)
	}
	if cs, _ := alice.Contacts(ctx); len(cs) != 1 || cs[0].JID != lounge || !cs[0].Room {
		t.Fatalf("the window's list: %+v", cs)
	}
	if err := bob.JoinRoom(ctx, lounge, "Bobby", false); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, awin, "occupant "+lounge+" Bobby left=false")

	m, err := alice.SendGroup(ctx, lounge, "hello room\n")
	if err != nil || m.Body != "hello room" || m.Nick != "alice" || m.Key == "" {
		t.Fatalf("SendGroup: %+v %v", m, err)
	}
	waitSaw(t, bwin, "msg "+m.Key+" "+lounge+` out=false "hello room" received nick=alice history=false`)
	waitSaw(t, awin, "mstate "+m.Key+" sent") // the room's copy came back
	if _, err := bob.SendGroup(ctx, lounge, "hi alice"); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, awin, "msg ")
	waitBodies(t, ast, aj, lounge, "alice: hello room [sent]", "Bobby: hi alice [received]")

	// Another device (a new profile): the server's bookmark brings the
	// room back, with its history.
	_, st2, win2, stop2 := guiSession(t, srv, t.TempDir(), "alice")
	waitSaw(t, win2, "joined "+lounge+" as alice")
	waitBodies(t, st2, aj, lounge, "alice: hello room [sent]", "Bobby: hi alice [received]")
	if !win2.Saw("msg ") || !strings.Contains(strings.Join(win2.Got(), "\n"), "history=true") {
		t.Errorf("the replayed history was not shown as history: %q", win2.Got())
	}
	stop2()

	// The same profile again: only what is new is asked for and stored.
	stopAlice()
	if _, err := bob.SendGroup(ctx, lounge, "while you were away"); err != nil {
		t.Fatal(err)
	}
	alice, ast, awin, _ = guiSession(t, srv, profileA, "alice")
	waitSaw(t, awin, "joined "+lounge+" as alice")
	waitBodies(t, ast, aj, lounge, "alice: hello room [sent]", "Bobby: hi alice [received]", "Bobby: while you were away [received]")
	time.Sleep(500 * time.Millisecond) // nothing more comes
	waitBodies(t, ast, aj, lounge, "alice: hello room [sent]", "Bobby: hi alice [received]", "Bobby: while you were away [received]")

	// Leaving forgets the room here and on the server; the history stays.
	if err := alice.LeaveRoom(ctx, lounge); err != nil {
		t.Fatal(err)
	}
	waitSaw(t, bwin, "occupant "+lounge+" alice left=true")
	if rs, _ := ast.Rooms(ctx, aj); len(rs) != 0 {
		t.Errorf("rooms after leaving: %+v", rs)
	}
	if bms, err := bookmarks(ctx, alice); err != nil || len(bms) != 0 {
		t.Errorf("bookmarks after leaving: %+v %v", bms, err)
	}
	if _, err := alice.SendGroup(ctx, lounge, "still here?"); err == nil || !strings.Contains(err.Error(), "not in "+lounge) {
		t.Errorf("saying something after leaving: %v", err)
	}
	if got := roomBodies(t, ast, aj, lounge); len(got) != 3 {
		t.Errorf("history after leaving: %q", got)
	}
	// The window's search finds room messages by their words, with nicks.
	if found, err := alice.Search(ctx, lounge, "wer", 10); err != nil || len(found) != 1 || found[0].Nick != "Bobby" || found[0].Body != "while you were away" {
		t.Errorf("searching the room: %+v %v", found, err)
	}
	_ = xmppclient.Bookmark{}
}

// The real window in a room under Xvfb: the room bookmarked earlier is
// joined at login with its history, listed with the contacts; a message
// from another occupant shows up, one typed in the window reaches them.
func TestGUIRoomUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("private"),
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
	if _, err := bob.SendGroup(ctx, lounge, "welcome to the lounge (said before you came)"); err != nil {
		t.Fatal(err)
	}

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "alice-pw", "Clove — "+aj)
	waitSaw(t, bwin, "occupant "+lounge+" alice left=false") // joined at login
	time.Sleep(300 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // the room: the only row
	time.Sleep(300 * time.Millisecond)
	if _, err := bob.SendGroup(ctx, lounge, "hi alice, good to see you here"); err != nil {
		t.Fatal(err)
	}
	const typed = "hello room, typed in the window"
	w.must("type", "--delay", "15", typed)
	w.must("key", "Return")
	waitSaw(t, bwin, "msg ")
	waitUntil(t, 30*time.Second, "bob gets the message typed in the window", func() bool {
		return bwin.Saw("msg ") && strings.Contains(strings.Join(bwin.Got(), "\n"), `"`+typed+`"`)
	})
	var hist string
	waitUntil(t, 30*time.Second, "the window's session stores the room's talk", func() bool {
		hist = alice.ok("history", "--account", aj, "--with", lounge)
		return strings.Contains(hist, "good to see you here") && strings.Contains(hist, typed+" [sent]") && strings.Contains(hist, "welcome to the lounge")
	})
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "room.png"))
	w.stop()
}

// bookmarks reads the server's room bookmarks of b's account.
func bookmarks(ctx context.Context, b *gui.Backend) ([]xmppclient.Bookmark, error) {
	s, err := b.Session()
	if err != nil {
		return nil, err
	}
	return s.Bookmarks(ctx)
}
