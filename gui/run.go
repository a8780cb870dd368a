package gui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

const appID = "im.clove.app"

// Options are what the window needs from the program that opens it.
type Options struct {
	Profile *chat.Profile
	Log     *slog.Logger
	// Password gives an account's password from the sources that need no
	// terminal (environment, file, OS keyring); on an error the window
	// asks. ShowPasswordError shows that error in the status bar (the user
	// named a password file) rather than "no password yet".
	Password          func(account string) (string, error)
	ShowPasswordError bool
	// Remember keeps a password: in the OS keyring, or where NoKeyring
	// says why there is none, in the profile, unencrypted; nil: nowhere.
	// NoKeyring may wait for its answer (a D-Bus round trip); nil: there
	// is a keyring.
	Remember  func(account, password string) error
	NoKeyring func() error
	// StartNode starts the bundled node in dir in the background and
	// returns once it answers (the wizard's "run my own node").
	StartNode func(ctx context.Context, dir, network string) error
	// RestartNode starts the node in dir again as it last ran (the
	// status bar's "Start node").
	RestartNode func(ctx context.Context, dir string) error
	// Forget deletes an account's saved password (the window removed the
	// account); nil: nothing is saved anywhere.
	Forget func(account string)
	// Getenv reads the environment (the wizard's presets can be pointed
	// at local stand-ins by tests of the real binary).
	Getenv func(string) string
	// HeapProfile, when set, is a file where a Go heap profile is written
	// right after the settle collection (CLOVE_HEAP_PROFILE; how the
	// window's memory is broken down, docs/benchmarks.md).
	HeapProfile string
}

// noKeyring says why there is no OS keyring to keep passwords in
// (Options.NoKeyring); nil: there is one.
func (o Options) noKeyring() error {
	if o.NoKeyring == nil {
		return nil
	}
	return o.NoKeyring()
}

// HasDisplay reports whether a window can be opened: an X or Wayland
// display is named in the environment.
func HasDisplay(getenv func(string) string) bool {
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// ErrNoDisplay is Run's error without a display to open the window on.
var ErrNoDisplay = errors.New("no display to open the window on (DISPLAY is not set); the commands work without one: see 'clove help'")

// Run opens the main window with a pane for each account of the profile,
// or the first-run wizard when the profile has none. It returns when the
// window is closed or ctx is cancelled (SIGINT/SIGTERM).
func Run(ctx context.Context, o Options) error {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if !HasDisplay(o.Getenv) {
		// GLFW would panic with a stack trace.
		return ErrNoDisplay
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	useComposeCache(o.Getenv) // before GLFW starts, in the first window
	fa := app.NewWithID(appID)
	declareFyneDo(fa)
	fa.SetIcon(ui.Icon())
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()
	accounts, err := o.Profile.Accounts(ctx)
	if err != nil {
		return err
	}
	g := &run{o: o, fa: fa}
	g.ctx, g.cancel = context.WithCancel(ctx)
	if len(accounts) == 0 {
		g.openWizard(true)
	}
	for _, a := range accounts {
		g.account(a) // a pane each in the main window
	}
	settle := time.AfterFunc(settleAfter, func() {
		// SQLite's idle caches first, so that the trim hands their
		// pages back too.
		if err := o.Profile.Store().ReleaseMemory(g.ctx); err != nil {
			o.Log.Warn("could not release the store's memory", "err", err)
		}
		debug.FreeOSMemory()
		trimCHeap()
		if o.HeapProfile != "" {
			g.writeHeapProfile(o.HeapProfile)
		}
	})
	fa.Run()
	settle.Stop()
	g.stop()
	return nil
}

// declareFyneDo tells Fyne that Clove calls it only on its goroutine
// (through fyne.Do), as FyneApp.toml's [Migrations] fyneDo does for a
// `fyne package` build; a plain go build does not read that file. Without
// it, each window call (show, resize, title, content) checks that it runs
// on the main goroutine by runtime.Stack, a whole traceback of the caller:
// function names and file and line tables read at every start (their pages
// of the binary then resident) to print into a 30-byte buffer. No test run
// ever logged Fyne's "Error in Fyne call thread".
func declareFyneDo(fa fyne.App) {
	md := fa.Metadata()
	mig := make(map[string]bool, len(md.Migrations)+1)
	maps.Copy(mig, md.Migrations)
	mig["fyneDo"] = true
	md.Migrations = mig
	app.SetMetadata(md)
}

// settleAfter is when, after start, the heap that building the window left
// behind (font parsing, first layout: about a third of the Go heap) is
// collected and handed back to the OS. An idle window allocates too little
// for the GC to run on its own, and the runtime keeps freed pages up to the
// heap goal, so without this they stay resident: 7–8 MiB of the idle RSS
// (BenchmarkGUIStartAndIdleRSS, now BenchmarkGUISideBySide: RssAnon 63–65 → 56 MiB). It runs once, off
// the UI goroutine; the collection of a ~20 MiB heap costs a few ms of CPU.
const settleAfter = 5 * time.Second

// run is one run of the app: a window with a pane and a session per
// account of the profile, and the wizard when it is open.
type run struct {
	o      Options
	fa     fyne.App
	ctx    context.Context
	cancel context.CancelFunc

	shell *ui.Shell       // the main window, once there is an account
	panes []*ui.Pane      // the accounts' panes in it
	dones []chan struct{} // closed when each session ended
	// sessions: each account's latest session, to end it when the
	// account is removed. Touched on the UI goroutine only.
	sessions map[string]accountRun
	master   bool       // a window is the master (closing it quits)
	wizard   *ui.Wizard // the open wizard, or nil
}

// open builds account a's pane in the main window (made, not shown, for the
// first account); on the UI goroutine.
func (g *run) open(a store.Account) (*ui.Pane, *Backend) {
	b := NewBackend(g.o.Profile, a.JID)
	b.restartNode = g.o.RestartNode
	b.typingOff.Store(!ui.TypingNotifications(g.fa))
	b.markersOff.Store(!ui.ReadMarkers(g.fa))
	if g.shell == nil {
		g.shell = ui.NewShell(g.fa)
		g.shell.Remember(windowKey(g.o.Profile.Dir(), ""))
		g.shell.OnAddAccount(g.addAccount)
		g.shell.OnRemoveAccount(g.removeAccount)
		g.shell.SetClipboardImage(clipboardImage(g.o.Log))
		if g.o.Forget != nil {
			g.shell.OnForgetPasswords(g.passwordsWhere, g.forgetPasswords)
		}
	}
	w := g.shell.Add(a.JID, b)
	w.Remember(windowKey(g.o.Profile.Dir(), a.JID))
	g.panes = append(g.panes, w)
	return w, b
}

// windowKey names one profile's account in the app's preferences (shared
// by all profiles of the user), where its open chat is kept; with account
// "", the profile's main window, where its size is kept.
func windowKey(profile, account string) string {
	if abs, err := filepath.Abs(profile); err == nil {
		profile = abs
	}
	sum := sha256.Sum256([]byte(profile + "\x00" + account))
	return "window." + hex.EncodeToString(sum[:8])
}

// accountRun is an account's running session: cancel ends it, done is
// closed once it has.
type accountRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// connect starts the session of pane w's account.
func (g *run) connect(w *ui.Pane, a store.Account, password string, b *Backend, onEvent func(chat.Event)) {
	done := make(chan struct{})
	g.dones = append(g.dones, done)
	ctx, cancel := context.WithCancel(g.ctx)
	if g.sessions == nil {
		g.sessions = map[string]accountRun{}
	}
	g.sessions[a.JID] = accountRun{cancel, done}
	go func() {
		defer close(done)
		defer cancel()
		RunSession(ctx, g.o.Profile, a, password, b, w, onEvent)
		if ctx.Err() == nil {
			// Stopped for good (a wrong password, a certificate that
			// changed): logging in again is the user's to ask for.
			w.OfferAction("Log in…", func() { g.askPassword(w, a, b) })
		}
	}()
}

// askPassword asks for the account's password in its pane and logs in
// with it (kept, if the user ticked the box, once the login worked);
// cancelled, it offers to ask again.
func (g *run) askPassword(w *ui.Pane, a store.Account, b *Backend) {
	label, warning, ticked := rememberChoice(g.o)
	if !ui.RememberPasswords(g.fa) {
		label = "" // turned off in the Preferences
	}
	w.AskPassword(ui.RememberOffer{Label: label, Warning: warning, Ticked: ticked}, func(pw string, remember, ok bool) {
		if ok {
			var onEvent func(chat.Event)
			if remember {
				onEvent = g.keepOnLogin(a.JID, pw)
			}
			g.connect(w, a, pw, b, onEvent)
			return
		}
		w.OnStateSync(ui.Offline, "no password given")
		w.OfferAction("Log in…", func() { g.askPassword(w, a, b) })
	})
}

// passwordsWhere says, for the Preferences, where saved passwords are.
func (g *run) passwordsWhere() string {
	switch {
	case g.o.Remember == nil:
		return "Passwords are not saved here."
	case g.o.noKeyring() != nil:
		return "There is no system keyring here: saved passwords are stored unencrypted in " + chat.PasswordsDir(g.o.Profile.Dir()) + "."
	}
	return "Saved passwords are kept in the system keyring."
}

// forgetPasswords deletes every account's saved password.
func (g *run) forgetPasswords() {
	accounts, err := g.o.Profile.Accounts(g.ctx)
	if err != nil {
		g.o.Log.Warn("could not list the accounts", "err", err)
		return
	}
	for _, a := range accounts {
		g.o.Forget(a.JID)
	}
}

// keepOnLogin keeps account's password (Options.Remember) once a login
// with it worked: a mistyped one is not kept.
func (g *run) keepOnLogin(account, password string) func(chat.Event) {
	kept := false
	return func(ev chat.Event) {
		sv, ok := ev.(chat.Saved)
		if !ok || kept {
			return
		}
		if sc, ok := sv.Event.(xmppclient.StateChanged); ok && sc.State == xmppclient.Online {
			kept = true
			if err := g.o.Remember(account, password); err != nil {
				g.o.Log.Warn("the password was not saved", "err", err)
			}
		}
	}
}

// show shows the main window, with w's account in view when inView (an
// account just set up); the first window shown is the master: closing it
// quits.
func (g *run) show(w *ui.Pane, inView bool) {
	if inView {
		w.Shell().Show(w)
	}
	if !g.master {
		w.Window().SetMaster()
		g.master = true
	}
	w.Window().Show()
	w.Shell().SetupTray()
}

// account shows account a's pane and logs it in.
func (g *run) account(a store.Account) {
	win, b := g.open(a)
	g.show(win, false)
	pw, err := g.o.Password(a.JID)
	if err == nil {
		g.connect(win, a, pw, b, nil)
		return
	}
	why := "no password yet"
	if g.o.ShowPasswordError {
		why = chat.OneLine(err.Error())
	}
	win.OnStateSync(ui.Offline, why)
	g.askPassword(win, a, b)
}

// removeAccount ends account's session and deletes it from the profile
// (its history, drafts, pins) and its saved password. Off the UI
// goroutine; the window takes the pane out once it returns nil.
func (g *run) removeAccount(account string) error {
	var r accountRun
	var ok bool
	fyne.DoAndWait(func() { r, ok = g.sessions[account]; delete(g.sessions, account) })
	if ok {
		r.cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			return errors.New("its connection did not close in 10 s; try again")
		}
	}
	if _, err := g.o.Profile.RemoveAccount(context.Background(), account); err != nil {
		return err
	}
	if g.o.Forget != nil {
		g.o.Forget(account)
	}
	return nil
}

// addAccount opens the wizard from the main window's menu (or brings it
// forward); the account it sets up gets a pane in the main window.
func (g *run) addAccount() {
	if g.wizard != nil {
		g.wizard.Window().RequestFocus()
		return
	}
	g.openWizard(false)
}

// openWizard shows the wizard; the account it sets up gets its pane
// (shown when the wizard is done) and session at once, so the wizard's
// presets run on it. firstRun: the profile has no account, and closing the
// wizard before it is done quits.
func (g *run) openWizard(firstRun bool) {
	wb := NewWizardBackend(g.o)
	wz := ui.NewWizard(g.fa, wb)
	g.wizard = wz
	var win *ui.Pane
	wb.Started = func(a store.Account, password string) *Backend {
		var b *Backend
		fyne.DoAndWait(func() {
			win, b = g.open(a)
			g.connect(win, a, password, b, wb.OnEvent)
		})
		return b
	}
	finished := false
	wz.OnDone = func(string) {
		if win == nil {
			return
		}
		finished = true
		g.show(win, true)
		wz.Window().Close()
	}
	// Not the master window (Fyne keeps the first master for good): closing
	// the first-run wizard before it is done quits, even with a hidden chat
	// window.
	wz.OnClosed = func() {
		g.wizard = nil
		if !finished && firstRun {
			g.fa.Quit()
		}
	}
	wz.Window().Show()
}

// stop ends the sessions once the windows are gone.
func (g *run) stop() {
	g.cancel()
	for _, w := range g.panes {
		w.Close()
	}
	deadline := time.After(10 * time.Second)
	for _, d := range g.dones {
		select {
		case <-d:
		case <-deadline:
			g.o.Log.Warn("a connection did not close in 10 s")
			return
		}
	}
}

// RunSession runs account a's session until ctx ends or it stops for
// good, showing each event on w once saved (and giving it to onEvent, if
// set), with "Reconnect now" offered while it waits to retry; b acts on
// the session while it runs.
func RunSession(ctx context.Context, p *chat.Profile, a store.Account, password string, b *Backend, w Sink, onEvent func(chat.Event)) {
	s, err := p.Session(a, password, chat.Options{Rooms: true, WatchRouter: true})
	if err != nil {
		w.OnState(ui.Error, chat.OneLine(err.Error()))
		return
	}
	b.useSession(ctx, s)
	defer b.sess.Store(nil)
	if n, ok := w.(nodeSink); ok && p.NodeAccount(a.Domain()) {
		// Known before the login, which is quicker than reading the node:
		// no green online flashes before the node's I2P state is read.
		n.OnNode(ui.NodeState{})
	}
	s.Start(ctx)
	for ev := range s.Events() {
		Forward(w, a.JID, ev)
		if sv, ok := ev.(chat.Saved); ok {
			if sc, ok := sv.Event.(xmppclient.StateChanged); ok && sc.State == xmppclient.Offline && sc.Retry > 0 {
				w.OfferAction("Reconnect now", s.RetryNow)
			}
		}
		if onEvent != nil {
			onEvent(ev)
		}
	}
	_ = s.Wait()
}

// writeHeapProfile writes the Go heap's profile (live objects as of the
// last collection) to path.
func (g *run) writeHeapProfile(path string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		g.o.Log.Warn("could not write the heap profile", "err", err)
	}
	// Beside it, where the runtime's memory is (not in the profile).
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	const mib = 1 << 20
	stats := fmt.Sprintf("heap in use %.1f MiB, idle %.1f (released %.1f), stacks %.1f, GC metadata %.1f, other %.1f; from the OS %.1f MiB; %d goroutines\n",
		float64(m.HeapInuse)/mib, float64(m.HeapIdle)/mib, float64(m.HeapReleased)/mib, float64(m.StackSys)/mib, float64(m.GCSys)/mib,
		float64(m.MSpanSys+m.MCacheSys+m.BuckHashSys+m.OtherSys)/mib, float64(m.Sys)/mib, runtime.NumGoroutine()) + cHeapStats() + "\n"
	// The runtime's own classes: heap/unused is what the in-use spans
	// hold beyond the live objects (fragmentation).
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			stats += fmt.Sprintf("%s %.2f MiB\n", s.Name, float64(s.Value.Uint64())/mib)
		}
	}
	if err := os.WriteFile(path+".txt", []byte(stats), 0o600); err != nil {
		g.o.Log.Warn("could not write the memory figures", "err", err)
	}
}
