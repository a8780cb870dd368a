package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/clove-xmpp/clove/gui"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
)

// A message the server cannot deliver says why in the window, in the
// server's words, and again from the history: a real prosody set up as a
// Clove node (I2P only, through mod_clove_darknet) answers a message to a
// clearnet domain with remote-server-not-found and its reason — without
// a DNS lookup or a connection: nothing leaves loopback. The window's pane
// runs on Fyne's test driver, fed by the session as the real window is.
func TestFailedMessageShowsTheServersReason(t *testing.T) {
	srv := startNodeProsody(t)
	srv.CreateUser(t, "alice", "alice-pw")
	alice := newCLI(t, "alice-pw")
	aj, nobody := "alice@"+srv.Domain, "nobody@nowhere.invalid"
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", nobody, "--name", "Nobody")

	ctx, cancel := context.WithCancel(context.Background())
	e := &env{profile: alice.profile, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), getenv: func(string) string { return "" }}
	p, st, err := e.openTestProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.Account(ctx, aj)
	if err != nil {
		t.Fatal(err)
	}
	fa := test.NewTempApp(t)
	fa.Preferences().SetString("fail.chat", nobody) // the pane opens Nobody's chat
	b := gui.NewBackend(p, aj)
	pane := ui.NewShell(fa).Add(aj, b)
	pane.Remember("fail")
	pane.Window().Resize(fyne.NewSize(900, 600))
	done := make(chan struct{})
	go func() { defer close(done); gui.RunSession(ctx, p, acct, "alice-pw", b, pane, nil) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })

	waitShown(t, pane, "— online")
	composer := findComposer(t, pane)
	fyne.DoAndWait(func() {
		test.Type(composer, "anyone there?")
		composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	waitShown(t, pane, "Not delivered: ")
	// The reason wraps: its lines, read in order.
	all := strings.Join(shownTexts(pane), " ")
	why := all[strings.Index(all, "Not delivered: "):]
	why = why[:strings.Index(why, "click to retry")+len("click to retry")]
	t.Logf("the window says %q", why)
	if !strings.Contains(why, "Server-to-server connection failed: darknet_only") || !strings.Contains(why, "nowhere.invalid") {
		t.Errorf("the window says %q, want prosody's reason", why)
	}

	// The reason is in the profile: the history shows it again.
	h, err := b.History(ctx, nobody, 0, 10)
	if err != nil || len(h) != 1 {
		t.Fatalf("history %v, %v", h, err)
	}
	if h[0].State != ui.Failed || h[0].Reason == "" || !strings.Contains(why, h[0].Reason) {
		t.Errorf("stored: %s %q; the window said %q", h[0].State, h[0].Reason, why)
	}
	var ms []store.Message
	if ms, err = st.History(ctx, aj, nobody, 0, 10); err != nil || len(ms) != 1 || ms[0].Error != h[0].Reason {
		t.Errorf("store: %+v, %v", ms, err)
	}
}

// startNodeProsody starts a prosody set up as a Clove node's: I2P only
// (mod_clove_darknet with darknet_only), its SOCKS proxy a closed port. A
// message to a clearnet domain bounces with prosody's reason at once,
// without a DNS lookup or a connection.
func startNodeProsody(t *testing.T) *prosodytest.Server {
	t.Helper()
	prosodytest.Require(t)
	modules, err := filepath.Abs(filepath.Join("..", "..", "assets", "prosody"))
	if err != nil {
		t.Fatal(err)
	}
	return prosodytest.Start(t,
		prosodytest.PluginPath(modules),
		prosodytest.WithModule("dialback", "clove_darknet"),
		prosodytest.Config(fmt.Sprintf("s2s_secure_auth = false\ndarknet_only = true\ndarknet_socks_host = \"127.0.0.1\"\ndarknet_socks_port = %d", closedPort(t))))
}

// walkPane calls visit for every object shown in pane's window, on the
// UI goroutine.
func walkPane(pane *ui.Pane, visit func(fyne.CanvasObject)) {
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		visit(o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	fyne.DoAndWait(func() { walk(pane.Window().Canvas().Content()) })
}

// shownTexts are the texts drawn in pane's window.
func shownTexts(pane *ui.Pane) []string {
	var out []string
	walkPane(pane, func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok && x.Text != "" {
			out = append(out, x.Text)
		}
	})
	return out
}

// waitShown waits until pane's window draws a text containing s, and
// returns that text.
func waitShown(t *testing.T, pane *ui.Pane, s string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		texts := shownTexts(pane)
		for _, x := range texts {
			if strings.Contains(x, s) {
				return x
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window never showed %q; it shows %q", s, texts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// findComposer finds the pane's composer. The remembered chat opens once
// the roster is loaded, which can come after "online" (the fresh
// machine's run under load found none at "online"). It looks again once a
// second, not more often: on Fyne's test driver a walk of the window runs
// beside the session's UI updates, not between them (a walk that polled
// every 100 ms met the drafts' load and crashed the test binary with a
// concurrent map access in Fyne's rich text).
func findComposer(t *testing.T, pane *ui.Pane) *ui.Composer {
	t.Helper()
	for range 15 {
		time.Sleep(time.Second)
		var found *ui.Composer
		walkPane(pane, func(o fyne.CanvasObject) {
			if x, ok := o.(*ui.Composer); ok {
				found = x
			}
		})
		if found != nil {
			return found
		}
	}
	t.Fatal("no composer in the window")
	return nil
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
