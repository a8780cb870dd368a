package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// This file wires the window (package ui) to the core: a guiBackend answers
// what the window asks (contacts, history, send) from the store and the
// client, and forward maps client events, once persisted, onto the window.

const appID = "im.clove.app"

// cmdGUI opens a window for each account of the profile, or the first-run
// wizard when the profile has none. It returns when the window is
// closed or ctx is cancelled (SIGINT/SIGTERM).
func cmdGUI(ctx context.Context, e *env) error {
	fa := app.NewWithID(appID)
	fa.SetIcon(ui.Icon())
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()

	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	accounts, err := st.Accounts(ctx)
	if err != nil {
		st.Close()
		return err
	}
	g := &guiRun{e: e, fa: fa, st: st}
	g.ctx, g.cancel = context.WithCancel(ctx)
	if len(accounts) == 0 {
		g.openWizard(true)
	}
	for _, a := range accounts {
		g.account(a) // a pane each in the main window
	}
	settle := time.AfterFunc(settleAfter, debug.FreeOSMemory)
	fa.Run()
	settle.Stop()
	g.stop()
	return st.Close()
}

// settleAfter is when, after start, the heap that building the window left
// behind (font parsing, first layout: about a third of the Go heap) is
// collected and handed back to the OS. An idle window allocates too little
// for the GC to run on its own, and the runtime keeps freed pages up to the
// heap goal, so without this they stay resident: 7–8 MiB of the idle RSS
// (BenchmarkGUIStartAndIdleRSS: RssAnon 63–65 → 56 MiB). It runs once, off
// the UI goroutine; the collection of a ~20 MiB heap costs a few ms of CPU.
const settleAfter = 5 * time.Second

// guiRun is one run of the app: a window and a session per account of
// the profile, and the wizard when it is open.
type guiRun struct {
	e      *env
	fa     fyne.App
	st     *store.Store
	ctx    context.Context
	cancel context.CancelFunc

	shell  *ui.Shell       // the main window, once there is an account
	wins   []*ui.App       // the accounts' panes in it
	dones  []chan struct{} // closed when each session ended
	master bool            // a window is the master (closing it quits)
	wizard *ui.Wizard      // the open wizard, or nil
}

// open builds account a's pane in the main window (made, not shown, for the
// first account); on the UI goroutine.
func (g *guiRun) open(a store.Account) (*ui.App, *guiBackend) {
	b := newGUIBackend(g.st, a, g.e.log)
	if g.shell == nil {
		g.shell = ui.NewShell(g.fa)
		g.shell.Remember(windowKey(g.e.profile, ""))
		g.shell.OnAddAccount(g.addAccount)
	}
	w := g.shell.Add(a.JID, b)
	w.Remember(windowKey(g.e.profile, a.JID))
	g.wins = append(g.wins, w)
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

// connect starts the session of pane w's account.
func (g *guiRun) connect(w *ui.App, a store.Account, password string, b *guiBackend, onEvent func(xmppclient.Event)) {
	done := make(chan struct{})
	g.dones = append(g.dones, done)
	go func() {
		defer close(done)
		g.e.runGUISession(g.ctx, g.st, a, password, b, w, onEvent)
	}()
}

// show shows the main window, with w's account in view when inView (an
// account just set up); the first window shown is the master: closing it
// quits.
func (g *guiRun) show(w *ui.App, inView bool) {
	if inView {
		w.Shell().Show(w)
	}
	if !g.master {
		w.Window().SetMaster()
		g.master = true
	}
	w.Window().Show()
}

// account shows account a's pane and logs it in.
func (g *guiRun) account(a store.Account) {
	win, b := g.open(a)
	// The same password sources as the CLI, except that the terminal
	// prompt becomes a dialog in the window.
	noTTY := *g.e
	noTTY.stdin = nil
	g.show(win, false)
	pw, err := noTTY.password(a.JID)
	if err == nil {
		g.connect(win, a, pw, b, nil)
		return
	}
	why := "no password yet"
	if g.e.passwordFile != "" {
		why = oneLine(err.Error())
	}
	win.OnStateSync(ui.Offline, why)
	win.AskPassword(func(pw string, ok bool) {
		if ok {
			g.connect(win, a, pw, b, nil)
			return
		}
		win.OnStateSync(ui.Offline, "no password given; close the window and start Clove again to log in")
	})
}

// addAccount opens the wizard from an account window's menu (or brings it
// forward); the account it sets up gets a pane in the main window.
func (g *guiRun) addAccount() {
	if g.wizard != nil {
		g.wizard.Window().RequestFocus()
		return
	}
	g.openWizard(false)
}

// openWizard shows the wizard; the account it sets up gets its window
// (shown when the wizard is done) and session at once, so the wizard's
// presets run on it. firstRun: the profile has no account, and closing the
// wizard before it is done quits.
func (g *guiRun) openWizard(firstRun bool) {
	wb := newWizardBackend(g.e, g.st)
	wz := ui.NewWizard(g.fa, wb)
	g.wizard = wz
	var win *ui.App
	wb.started = func(a store.Account, password string) *guiBackend {
		var b *guiBackend
		fyne.DoAndWait(func() {
			win, b = g.open(a)
			g.connect(win, a, password, b, wb.onEvent)
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
func (g *guiRun) stop() {
	g.cancel()
	for _, w := range g.wins {
		w.Close()
	}
	deadline := time.After(10 * time.Second)
	for _, d := range g.dones {
		select {
		case <-d:
		case <-deadline:
			g.e.log.Warn("a connection did not close in 10 s")
			return
		}
	}
}

// tildePath writes a path under the home directory as ~/….
func tildePath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join("~", rel)
	}
	return p
}

// runGUISession runs the client of account a until ctx ends, persisting
// each event and then showing it (and giving it to onEvent, if set).
func (e *env) runGUISession(ctx context.Context, st *store.Store, a store.Account, password string, b *guiBackend, win uiSink, onEvent func(xmppclient.Event)) {
	cfg, cleanup, err := e.clientConfig(ctx, st, a, password)
	if err != nil {
		win.OnState(ui.Error, oneLine(err.Error()))
		return
	}
	c, err := xmppclient.New(cfg)
	if err != nil {
		cleanup()
		win.OnState(ui.Error, oneLine(err.Error()))
		return
	}
	defer cleanup()
	s := &session{st: st, account: a, client: c, cleanup: cleanup, runErr: make(chan error, 1)}
	b.client.Store(c)
	defer b.client.Store(nil)
	s.start(ctx)
	if r, ok := win.(interface{ OnRouter(string) }); ok {
		go watchRouter(ctx, a, c, r.OnRouter)
	}
	joined := false
	for ev := range c.Events() {
		fresh := s.handle(context.Background(), e, ev)
		forward(win, a.JID, ev, fresh)
		if onEvent != nil {
			onEvent(ev)
		}
		if sc, ok := ev.(xmppclient.StateChanged); ok && sc.State == xmppclient.Online && !joined {
			// The client enters its rooms again after a reconnect; the
			// bookmarks are read once per run.
			joined = true
			go b.autojoin(ctx, c, win.OnRoster)
		}
	}
	<-s.runErr
}

// uiSink is what forward drives; *ui.App implements it.
type uiSink interface {
	OnState(ui.ConnState, string)
	OnMessage(ui.Message)
	OnMessageState(key string, s ui.MsgState)
	OnPresence(jid string, p ui.Presence)
	OnRoster()
	OnSubscriptionRequest(jid string)
	OnRoomJoined(room, nick string)
	OnOccupant(room, nick string, left bool)
	OnRoomSubject(room, subject string)
}

// forward shows a (persisted) client event. fresh is false for a message
// the profile already had.
func forward(w uiSink, account string, ev xmppclient.Event, fresh bool) {
	switch ev := ev.(type) {
	case xmppclient.StateChanged:
		errText := ""
		if ev.Err != nil {
			errText = oneLine(ev.Err.Error())
		}
		switch ev.State {
		case xmppclient.Online:
			w.OnState(ui.Online, "")
		case xmppclient.Connecting:
			w.OnState(ui.Connecting, "")
		case xmppclient.Failed:
			w.OnState(ui.Error, errText)
		default:
			if errText != "" && ev.Retry > 0 {
				errText += fmt.Sprintf("; retrying in %s", ev.Retry.Round(time.Second))
			}
			w.OnState(ui.Offline, errText)
		}
	case xmppclient.MessageReceived:
		if !fresh {
			return
		}
		m := ev.Message
		peer, state := m.From.Bare().String(), ui.Received
		if m.Outgoing {
			peer, state = m.To.Bare().String(), ui.Sent
		}
		key := m.OriginID
		if key == "" {
			key = m.ID
		}
		w.OnMessage(ui.Message{Key: key, Peer: peer, Outgoing: m.Outgoing, Body: m.Body, Time: m.Time, State: state})
	case xmppclient.MessageAcked:
		w.OnMessageState(ev.ID, ui.Sent)
	case xmppclient.ReceiptReceived:
		w.OnMessageState(ev.ID, ui.Delivered)
	case xmppclient.MessageFailed:
		w.OnMessageState(ev.ID, ui.Failed)
	case xmppclient.PresenceChanged:
		from := ev.From.Bare().String()
		if from == account {
			return // our other devices
		}
		w.OnPresence(from, presenceOf(ev.Type, ev.Show))
	case xmppclient.RosterChanged:
		w.OnRoster()
	case xmppclient.SubscriptionRequest:
		w.OnSubscriptionRequest(ev.From.Bare().String())
	case xmppclient.RoomJoined:
		w.OnRoomJoined(ev.Room.String(), ev.Nick)
	case xmppclient.Occupant:
		w.OnOccupant(ev.Room.String(), ev.Nick, ev.Left)
	case xmppclient.GroupMessage:
		if ev.Subject != "" {
			w.OnRoomSubject(ev.Room.String(), ev.Subject)
		}
		if ev.Self && ev.ID != "" {
			// The room's copy of ours: it is sent (stored already when we
			// sent it, so not fresh).
			w.OnMessageState(ev.ID, ui.Sent)
		}
		if ev.Body == "" || !fresh {
			return
		}
		state := ui.Received
		if ev.Self {
			state = ui.Sent
		}
		w.OnMessage(ui.Message{Key: ev.ID, Peer: ev.Room.String(), Outgoing: ev.Self, Nick: ev.Nick, Body: ev.Body, Time: ev.Time, State: state, History: ev.Delayed})
	}
}

func presenceOf(typ, show string) ui.Presence {
	if typ != "" {
		return ui.Unavailable
	}
	switch show {
	case "away", "xa":
		return ui.Away
	case "dnd":
		return ui.Busy
	}
	return ui.Available
}

// guiBackend answers the window from the store and the running client.
// Its methods run off the UI goroutine (package ui sees to that).
type guiBackend struct {
	st      *store.Store
	account string
	i2p     bool // the account connects over I2P (slow answers)
	lg      *slog.Logger
	client  atomic.Pointer[xmppclient.Client]
}

var (
	_ ui.Backend      = (*guiBackend)(nil)
	_ ui.RosterEditor = (*guiBackend)(nil)
	_ ui.RoomBackend  = (*guiBackend)(nil)
	_ ui.Searcher     = (*guiBackend)(nil)
)

func newGUIBackend(st *store.Store, a store.Account, lg *slog.Logger) *guiBackend {
	return &guiBackend{st: st, account: a.JID, i2p: settingsOf(a).Mode() != transport.ModeDirect, lg: lg}
}

// online returns the running client, or an error for the user.
func (b *guiBackend) online() (*xmppclient.Client, error) {
	if c := b.client.Load(); c != nil {
		return c, nil
	}
	return nil, errNotLoggedIn
}

// contactJID reads an address typed for a contact: name@server.
func contactJID(s string) (jid.JID, error) {
	j, err := parsePeerJID(s)
	if err != nil || j.Localpart() == "" {
		return jid.JID{}, badAddress(s)
	}
	return j.Bare(), nil
}

// contact reads an address typed for a contact and returns the running
// client to act on it with.
func (b *guiBackend) contact(addr string) (*xmppclient.Client, jid.JID, error) {
	j, err := contactJID(addr)
	if err != nil {
		return nil, j, err
	}
	c, err := b.online()
	return c, j, err
}

func (b *guiBackend) AddContact(ctx context.Context, addr, name string) error {
	c, j, err := b.contact(addr)
	if err != nil {
		return err
	}
	if err := c.AddContact(ctx, j, strings.TrimSpace(name), nil, true); err != nil {
		return fmt.Errorf("could not add %s: %w", j, err)
	}
	return nil
}

func (b *guiBackend) RenameContact(ctx context.Context, addr, name string) error {
	c, j, err := b.contact(addr)
	if err != nil {
		return err
	}
	var groups []string // kept as they are
	cs, err := b.st.Contacts(ctx, b.account)
	if err != nil {
		return err
	}
	for _, sc := range cs {
		if sc.JID == j.String() {
			groups = sc.Groups
		}
	}
	if err := c.AddContact(ctx, j, strings.TrimSpace(name), groups, false); err != nil {
		return fmt.Errorf("could not rename %s: %w", j, err)
	}
	return nil
}

func (b *guiBackend) RemoveContact(ctx context.Context, addr string) error {
	c, j, err := b.contact(addr)
	if err != nil {
		return err
	}
	if err := c.RemoveContact(ctx, j); err != nil {
		return fmt.Errorf("could not remove %s: %w", j, err)
	}
	return nil
}

func (b *guiBackend) AnswerSubscription(ctx context.Context, addr string, approve bool) error {
	c, j, err := b.contact(addr)
	if err != nil {
		return err
	}
	if approve {
		return c.Approve(ctx, j)
	}
	return c.Deny(ctx, j)
}

func (b *guiBackend) Contacts(ctx context.Context) ([]ui.Contact, error) {
	cs, err := b.st.Contacts(ctx, b.account)
	if err != nil {
		return nil, err
	}
	rs, err := b.st.Rooms(ctx, b.account)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Contact, 0, len(cs)+len(rs))
	for _, c := range cs {
		out = append(out, ui.Contact{JID: c.JID, Name: c.Name})
	}
	for _, r := range rs {
		out = append(out, ui.Contact{JID: r.JID, Name: r.Name, Room: true})
	}
	return out, nil
}

func (b *guiBackend) History(ctx context.Context, peer string, beforeID int64, limit int) ([]ui.Message, error) {
	ms, err := b.st.History(ctx, b.account, peer, beforeID, limit)
	if err != nil {
		return nil, err
	}
	return uiMessages(ms), nil
}

// Search finds messages with peer by their words (the store's FTS5 index).
func (b *guiBackend) Search(ctx context.Context, peer, query string, limit int) ([]ui.Message, error) {
	ms, err := b.st.Search(ctx, b.account, peer, query, limit)
	if err != nil {
		return nil, err
	}
	return uiMessages(ms), nil
}

func uiMessages(ms []store.Message) []ui.Message {
	out := make([]ui.Message, len(ms))
	for i, m := range ms {
		out[i] = ui.Message{ID: m.ID, Key: m.OriginID, Peer: m.Peer, Outgoing: m.Outgoing, Body: m.Body, Time: m.Time, State: stateOf(m.State)}
		if bare, nick, ok := strings.Cut(m.From, "/"); ok && bare == m.Peer {
			out[i].Nick = nick // a room's message: from room/nick
		}
	}
	return out
}

func stateOf(s store.State) ui.MsgState {
	switch s {
	case store.Queued:
		return ui.Queued
	case store.Sent:
		return ui.Sent
	case store.Delivered:
		return ui.Delivered
	case store.Failed:
		return ui.Failed
	}
	return ui.Received
}

var errNotLoggedIn = errors.New("not logged in yet: enter the password first")

func (b *guiBackend) Send(ctx context.Context, peer, text string) (ui.Message, error) {
	c := b.client.Load()
	if c == nil {
		return ui.Message{}, errNotLoggedIn
	}
	to, err := parsePeerJID(peer)
	if err != nil {
		return ui.Message{}, err
	}
	text = strings.TrimRight(text, "\n")
	id, err := c.Send(ctx, to, text)
	if err != nil {
		return ui.Message{}, err
	}
	return ui.Message{Key: id, Peer: to.Bare().String(), Outgoing: true, Body: text, Time: time.Now(), State: ui.Queued}, nil
}

// watchRouter shows, for an I2P account, whether its router answers and
// what to do next. It only ever connects to the account's own proxy or SAM
// port (never probes others: I2P mode dials nothing else).
func watchRouter(ctx context.Context, a store.Account, c *xmppclient.Client, show func(string)) {
	addr, what := routerAddr(a)
	if addr == "" {
		return
	}
	for {
		text := "I2P router: ready"
		if !routerAnswers(addr) {
			text = fmt.Sprintf("I2P router not found at %s: start i2pd, or let Clove run its own node", addr)
		} else {
			if c.State() != xmppclient.Online {
				text = "I2P router up (" + what + "); building tunnels and finding the server can take minutes"
			}
		}
		show(text)
		wait := 5 * time.Second
		if c.State() == xmppclient.Online {
			wait = 30 * time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
