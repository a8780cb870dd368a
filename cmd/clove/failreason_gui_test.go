package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
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
	loop := newUILoop(t)
	var pane *ui.Pane
	loop.doAndWait(func() {
		sh := ui.NewShell(fa)
		sh.SetDo(loop.do)
		pane = sh.Add(aj, b)
		pane.Remember("fail")
		pane.Window().Resize(fyne.NewSize(900, 600))
	})
	w := testPane{pane, loop}
	done := make(chan struct{})
	go func() { defer close(done); gui.RunSession(ctx, p, acct, "alice-pw", b, pane, nil) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })

	w.waitShown(t, "— online")
	composer := w.findComposer(t)
	loop.doAndWait(func() {
		test.Type(composer, "anyone there?")
		composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	w.waitShown(t, "Not delivered: ")
	// The reason wraps: its lines, read in order.
	all := strings.Join(w.shownTexts(), " ")
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

// nodeChatPair is the start of the window tests that chat with Bob: a
// node's prosody (startNodeProsody) with alice ("alice-pw") and bob
// ("bob-pw"), a CLI profile for each with the account added, and Bob in
// Alice's roster as "Bob" (the roster's first row, at y 85).
func nodeChatPair(t *testing.T) (srv *prosodytest.Server, alice, bob cli, aj, bj string) {
	t.Helper()
	srv = startNodeProsody(t)
	for _, u := range []string{"alice", "bob"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	alice, bob = newCLI(t, "alice-pw"), newCLI(t, "bob-pw")
	aj, bj = "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	return srv, alice, bob, aj, bj
}

// uiLoop runs the functions given to it one at a time on one goroutine,
// in order, as Fyne's real driver runs fyne.Do. Fyne's test driver runs
// fyne.Do at once on the caller's goroutine, so a look at the window
// would run beside the session's updates of it (one such look crashed the
// test binary with a concurrent map access in Fyne's rich text).
type uiLoop struct {
	mu   sync.Mutex
	q    []func()
	wake chan struct{}
}

func newUILoop(t *testing.T) *uiLoop {
	l := &uiLoop{wake: make(chan struct{}, 1)}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-l.wake:
			}
			for {
				l.mu.Lock()
				if len(l.q) == 0 {
					l.mu.Unlock()
					break
				}
				f := l.q[0]
				l.q = l.q[1:]
				l.mu.Unlock()
				f()
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return l
}

// do queues f; it may be called from f itself (a UI update that asks for
// another).
func (l *uiLoop) do(f func()) {
	l.mu.Lock()
	l.q = append(l.q, f)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// doAndWait runs f on the loop and returns when it has run.
func (l *uiLoop) doAndWait(f func()) {
	done := make(chan struct{})
	l.do(func() { defer close(done); f() })
	<-done
}

// testPane is a pane on Fyne's test driver whose UI work runs on loop.
type testPane struct {
	pane *ui.Pane
	loop *uiLoop
}

// walk calls visit for every object shown in the pane's window, on the
// loop.
func (w testPane) walk(visit func(fyne.CanvasObject)) {
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
	w.loop.doAndWait(func() { walk(w.pane.Window().Canvas().Content()) })
}

// shownTexts are the texts drawn in the pane's window.
func (w testPane) shownTexts() []string {
	var out []string
	w.walk(func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok && x.Text != "" {
			out = append(out, x.Text)
		}
	})
	return out
}

// waitShown waits until the pane's window draws a text containing s, and
// returns that text.
func (w testPane) waitShown(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		texts := w.shownTexts()
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
// machine's run under load found none at "online").
func (w testPane) findComposer(t *testing.T) *ui.Composer {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var found *ui.Composer
		w.walk(func(o fyne.CanvasObject) {
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
