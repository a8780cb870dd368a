package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/gui"
	"github.com/clove-xmpp/clove/gui/guitest"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

// newTestWizardBackend is the wizard's backend on a fresh profile, its
// presets pointed at stand-ins, and sessions run without a window.
func newTestWizardBackend(t *testing.T, contact, room string) (*gui.WizardBackend, *store.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	profile := filepath.Join(t.TempDir(), "profile")
	e := &env{profile: profile, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil)), getenv: func(string) string { return "" }}
	p, st, err := e.openTestProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	close(done)
	wb := gui.NewWizardBackend(gui.Options{Profile: p, Log: e.log})
	wb.Contact, wb.Room = contact, room
	wb.Started = func(a store.Account, pw string) *gui.Backend {
		b := gui.NewBackend(p, a.JID)
		done = make(chan struct{})
		go func() {
			defer close(done)
			gui.RunSession(ctx, p, a, pw, b, &guitest.Recorder{}, wb.OnEvent)
		}()
		return b
	}
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return wb, st
}

func startWizardProsody(t *testing.T) *prosodytest.Server {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.AllowRegistration(), prosodytest.WithModule("private"),
		prosodytest.Config(`Component "muc.`+prosodytest.DefaultDomain+`" "muc"
	muc_room_default_persistent = true`))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "hello", "hello-pw")
	// The federation room's stand-in exists (the preset never creates it).
	hello, _, _, stop := guiSession(t, srv, t.TempDir(), "hello")
	if err := hello.JoinRoom(context.Background(), "federation@muc."+srv.Domain, "", true); err != nil {
		t.Fatal(err)
	}
	stop()
	return srv
}

func TestWizardAddAccountAsksToTrustThenLogsInAndRunsThePresets(t *testing.T) {
	srv := startWizardProsody(t)
	wb, st := newTestWizardBackend(t, "hello@"+srv.Domain, "federation@muc."+srv.Domain)
	ctx := context.Background()
	aj := "alice@" + srv.Domain
	form := ui.AccountForm{JID: aj, Password: "alice-pw", Conn: ui.ConnCustom, Custom: srv.C2SAddr}

	// Malformed address, unreachable server: plain sentences.
	bad := form
	bad.JID = "not an address"
	if err := wb.AddAccount(ctx, bad); err == nil || !strings.Contains(err.Error(), `"not an address" is not a valid address: expected name@server`) {
		t.Errorf("malformed address: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	down := form
	down.Custom = closed
	err := wb.AddAccount(ctx, down)
	t.Logf("unreachable: %v", err)
	if err == nil || !strings.Contains(err.Error(), closed) {
		t.Errorf("unreachable server: %v", err)
	}

	// First contact: the self-signed certificate is a question, not a login.
	err = wb.AddAccount(ctx, form)
	var ce *ui.CertError
	if !errors.As(err, &ce) {
		t.Fatalf("first login: %v; want a *ui.CertError", err)
	}
	if ce.Raw != srv.CertFingerprint || ce.Host != srv.Domain || ce.Fingerprint != xmppclient.FormatFingerprint(srv.CertFingerprint) {
		t.Errorf("CertError %+v; server fingerprint %s", ce, srv.CertFingerprint)
	}
	if as, _ := st.Accounts(ctx); len(as) != 0 {
		t.Errorf("accounts after an unanswered certificate: %v", as)
	}

	// Trusted, but the wrong password.
	form.Fingerprint = ce.Raw
	wrong := form
	wrong.Password = "nope"
	err = wb.AddAccount(ctx, wrong)
	t.Logf("wrong password: %v", err)
	if err == nil || !strings.Contains(err.Error(), "wrong address or password") {
		t.Errorf("wrong password: %v", err)
	}
	if as, _ := st.Accounts(ctx); len(as) != 0 {
		t.Errorf("accounts after a wrong password: %v", as)
	}

	// Trusted and right: added, pinned, logged in.
	if err := wb.AddAccount(ctx, form); err != nil {
		t.Fatalf("login after trusting: %v", err)
	}
	if pin, err := st.Pin(ctx, aj, srv.Domain); err != nil || pin != srv.CertFingerprint {
		t.Errorf("pin %q %v; want %s", pin, err, srv.CertFingerprint)
	}
	if err := wb.AddAccount(ctx, form); err == nil || !strings.Contains(err.Error(), "already in this profile") {
		t.Errorf("adding it twice: %v", err)
	}

	// The presets, pointed at stand-ins on the same server.
	// hello is offline: accepted, not confirmed (TestWizardHelloSaysWhatHappened
	// has the rest).
	wb.ReceiptWait = time.Second
	text, delivered, err := wb.AddTestContact(ctx, func(string) {})
	if err != nil || delivered || !strings.Contains(text, `"hello" was accepted by your server, but hello@`+srv.Domain+` has not confirmed it`) {
		t.Fatalf("AddTestContact: %q %v %v", text, delivered, err)
	}
	if cs, _ := st.Contacts(ctx, aj); len(cs) != 1 || cs[0].JID != "hello@"+srv.Domain {
		t.Errorf("contacts after the preset: %+v", cs)
	}
	text, err = wb.JoinFederationRoom(ctx)
	if err != nil || !strings.Contains(text, "joined federation@muc."+srv.Domain+" as alice") {
		t.Fatalf("JoinFederationRoom: %q %v", text, err)
	}
	if rs, _ := st.Rooms(ctx, aj); len(rs) != 1 || rs[0].JID != "federation@muc."+srv.Domain || !rs[0].Autojoin {
		t.Errorf("rooms after the preset: %+v", rs)
	}

	// A room that cannot be reached is a failure, said plainly.
	wb.Room = "federation@muc.nowhere.invalid"
	t0 := time.Now()
	text, err = wb.JoinFederationRoom(ctx)
	t.Logf("unreachable room after %v: %q %v", time.Since(t0).Round(time.Millisecond), text, err)
	if err == nil || !strings.Contains(err.Error(), "could not join federation@muc.nowhere.invalid") {
		t.Errorf("joining an unreachable room: %q %v", text, err)
	}
}

func TestWizardRegisterCreatesTheAccount(t *testing.T) {
	srv := startWizardProsody(t)
	wb, st := newTestWizardBackend(t, "hello@"+srv.Domain, "federation@muc."+srv.Domain)
	ctx := context.Background()
	form := ui.AccountForm{JID: "alice@" + srv.Domain, Password: "x", Conn: ui.ConnCustom, Custom: srv.C2SAddr, Fingerprint: srv.CertFingerprint}
	if err := wb.Register(ctx, form); err == nil || !strings.Contains(err.Error(), "already taken") {
		t.Errorf("registering a taken name: %v", err)
	}
	form.JID = "newbie@" + srv.Domain
	form.Fingerprint = ""
	var ce *ui.CertError
	if err := wb.Register(ctx, form); !errors.As(err, &ce) || ce.Raw != srv.CertFingerprint {
		t.Fatalf("first registration: %v; want a *ui.CertError", err)
	}
	form.Fingerprint = ce.Raw
	form.Password = "newbie-pw"
	if err := wb.Register(ctx, form); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if _, err := st.Account(ctx, form.JID); err != nil {
		t.Errorf("the account is not in the profile: %v", err)
	}
	wb.ReceiptWait = time.Second
	if _, _, err := wb.AddTestContact(ctx, func(string) {}); err != nil {
		t.Errorf("the new account's session: %v", err)
	}
}

// startWindowEnv is startWindow with extra environment.
func startWindowEnv(t *testing.T, display, profile, title string, extra ...string) *window {
	t.Helper()
	w := &window{t: t, display: display, stderr: &lockedBuffer{}}
	w.cmd = exec.Command(buildClove(t), "--profile", profile)
	w.cmd.Env = append([]string{"DISPLAY=" + display, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}, extra...)
	w.cmd.Stderr = w.stderr
	start := time.Now()
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Kill()
			w.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("clove's stderr:\n%s", w.stderr.String())
		}
	})
	w.id = waitWindow(t, w, title)
	w.mapped = time.Since(start)
	return w
}

func waitWindow(t *testing.T, w *window, title string) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, err := w.x("search", "--onlyvisible", "--name", title)
		if id := strings.Fields(out); err == nil && len(id) > 0 {
			return id[0]
		}
	}
	t.Fatalf("no window named %q within 30 s; stderr:\n%s", title, w.stderr.String())
	return ""
}

// click clicks at x,y in the window.
func (w *window) click(x, y int) {
	w.t.Helper()
	w.must("mousemove", "--window", w.id, fmt.Sprint(x), fmt.Sprint(y), "click", "1")
	time.Sleep(250 * time.Millisecond)
}

// The real binary with a fresh profile: the wizard's "I have an account"
// against a real prosody (self-signed certificate, wrong password first),
// then both presets pointed at stand-ins on the same server, then the chat
// window.
// Where the wizard's buttons are (640×520 window).
const (
	wizardTrustX   = 200
	wizardPresetX  = 320
	wizardContactY = 160
	wizardRoomY    = 250
)

func TestWizardUnderXvfb(t *testing.T) {
	needX(t)
	srv := startWizardProsody(t)
	aj := "alice@" + srv.Domain
	profile := filepath.Join(t.TempDir(), "profile")
	display := startXvfb(t)
	w := startWindowEnv(t, display, profile, "Clove — set up",
		"CLOVE_PRESET_CONTACT=hello@"+srv.Domain, "CLOVE_PRESET_ROOM=federation@muc."+srv.Domain)
	t.Logf("wizard mapped %v after start", w.mapped.Round(time.Millisecond))
	time.Sleep(400 * time.Millisecond)
	w.screenshot(screenshotPath(t, "wizard-welcome.png"))

	w.click(320, 104) // I have an account
	w.click(300, 65)  // the address
	w.must("type", "--delay", "10", aj)
	w.must("key", "Tab")
	w.must("type", "--delay", "10", "wrong-pw")
	w.click(122, 284) // Custom host:port
	w.click(300, 322) // its entry
	w.must("type", "--delay", "10", srv.C2SAddr)
	w.must("mousemove", "--window", w.id, "600", "450")
	w.screenshot(screenshotPath(t, "wizard-account.png"))
	w.click(90, 494) // Log in
	time.Sleep(1500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "wizard-certificate.png"))
	w.click(wizardTrustX, 494) // Trust and continue
	time.Sleep(1500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "wizard-wrong-password.png"))
	if _, err := os.Stat(filepath.Join(profile, "clove.db")); err != nil {
		t.Fatal(err)
	}
	c := cli{t: t, profile: profile}
	if out := c.ok("account", "list"); strings.Contains(out, aj) {
		t.Fatalf("the account was kept after a wrong password: %s", out)
	}

	w.click(300, 104) // the password
	w.must("key", "ctrl+a")
	w.must("type", "--delay", "10", "alice-pw")
	w.must("key", "Return")
	waitUntil(t, 30*time.Second, "the account is added", func() bool {
		return strings.Contains(c.ok("account", "list"), aj+"\tdirect, server "+srv.C2SAddr+", pin ")
	})
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "wizard-presets.png"))
	w.click(wizardPresetX, wizardContactY) // Add the test contact and say hello
	waitUntil(t, 30*time.Second, "hello is sent", func() bool {
		return strings.Contains(c.ok("history", "--account", aj, "--with", "hello@"+srv.Domain), "hello [sent]")
	})
	w.click(wizardPresetX, wizardRoomY) // Join the federation room
	time.Sleep(1500 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "600", "20")
	w.screenshot(screenshotPath(t, "wizard-presets-done.png"))

	w.click(60, 494) // Open my chats
	w.id = waitWindow(t, w, "Clove — "+aj)
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "wizard-then-chats.png"))
	w.stop()
}

// wizardNodeInProcess points the wizard's "Run my own node" at a node in
// a temp dir with free ports, started in this process (stopped when the
// test ends) with the i2pd network part conf gives for its i2pd dir.
func wizardNodeInProcess(t *testing.T, wb *gui.WizardBackend, name string, conf func(i2pdDir string) string) *node.Supervisor {
	port := func() int { return freePort(t) }
	wb.NodeDir = filepath.Join(t.TempDir(), name)
	wb.NodePort, wb.NodeS2SPort, wb.NodeSOCKS = port(), port(), fmt.Sprintf("127.0.0.1:%d", port())
	nctx, ncancel := context.WithCancel(context.Background())
	sup := new(node.Supervisor)
	t.Cleanup(func() {
		ncancel()
		if sup.Info() != nil {
			<-sup.Done()
		}
	})
	wb.StartNode = func(ctx context.Context, dir, _ string) error {
		s, err := node.Start(nctx, dir, node.RunOptions{I2PDConfig: conf(filepath.Join(dir, "i2pd"))})
		if err != nil {
			return err
		}
		*sup = *s
		rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		return s.WaitReady(rctx)
	}
	return sup
}

// "Run my own node": init, admin, start (in this process, on a private
// I2P test network), logged in as the admin with the node's certificate
// pinned.
func TestWizardRunNodeEndsLoggedInAsAdmin(t *testing.T) {
	prosodytest.Require(t)
	requireI2PD(t)
	wb, st := newTestWizardBackend(t, "hello@example.invalid", "federation@muc.example.invalid")
	netConf := offNetworkI2PD(freePort(t))
	wizardNodeInProcess(t, wb, "node", func(string) string { return netConf })
	ctx := context.Background()
	t0 := time.Now()
	r, err := wb.RunNode(ctx, ui.NodeForm{Admin: "Admin", Password: "admin-pw"})
	domain := r.Domain
	if err != nil {
		t.Fatalf("RunNode: %v", err)
	}
	t.Logf("node %s up and admin logged in after %v", domain, time.Since(t0).Round(time.Millisecond))
	if !strings.HasSuffix(domain, ".b32.i2p") {
		t.Errorf("domain %q", domain)
	}
	a, err := st.Account(ctx, "admin@"+domain)
	if err != nil {
		t.Fatalf("the admin's account is not in the profile: %v", err)
	}
	if a.Pin == "" || a.Server != fmt.Sprintf("127.0.0.1:%d", wb.NodePort) {
		t.Errorf("account %+v; want the node's certificate pinned and its client port", a)
	}
	if _, _, err := wb.Session(ctx); err != nil {
		t.Errorf("the admin's session: %v", err)
	}
}

func TestWizardConnectionChoicesMapToAccountSettings(t *testing.T) {
	ctx := context.Background()
	e := &env{profile: t.TempDir(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), getenv: func(string) string { return "" }}
	p, st, err := e.openTestProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wb := gui.NewWizardBackend(gui.Options{Profile: p, Log: e.log})
	const b32 = "bob@xmppoeiqpbeelicgkoim3ibegjonbqwh7vv7d6nsju73tjjmujpq.b32.i2p"
	for _, c := range []struct {
		f    ui.AccountForm
		want string // describeConn, or the error
	}{
		{ui.AccountForm{JID: "bob@example.org"}, "direct"},
		{ui.AccountForm{JID: b32}, "via socks5://127.0.0.1:4447, I2P only"},
		{ui.AccountForm{JID: "bob@localhost", Conn: ui.ConnLocal}, "direct, server 127.0.0.1:5222"},
		{ui.AccountForm{JID: b32, Conn: ui.ConnSOCKS}, "via socks5://127.0.0.1:4447, I2P only"},
		{ui.AccountForm{JID: b32, Conn: ui.ConnSAM}, "I2P via SAM 127.0.0.1:7656, a new I2P address each session, I2P only"},
		{ui.AccountForm{JID: "bob@example.org", Conn: ui.ConnCustom, Custom: "10.0.0.1:5223"}, "direct, server 10.0.0.1:5223"},
		{ui.AccountForm{JID: "bob@example.org", Conn: ui.ConnCustom, Custom: "no port"}, "error: "},
		{ui.AccountForm{JID: "bob@"}, "error: \"bob@\" is not a valid address"},
		{ui.AccountForm{JID: "example.org"}, "error: \"example.org\" is not an account address"},
	} {
		a, err := wb.Account(c.f)
		got := chat.Describe(a)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, c.want) || (err == nil) != !strings.HasPrefix(c.want, "error") {
			t.Errorf("%+v: %q; want %q", c.f, got, c.want)
		}
	}
}

// "Run my own node" on a machine whose XMPP ports are taken (here by
// listeners of the test on the ports the wizard would use; 5222 itself is
// never bound): the node takes free ones, the admin logs in there, and no
// error points to command-line flags.
func TestWizardRunNodePicksFreePortsWhenTaken(t *testing.T) {
	prosodytest.Require(t)
	requireI2PD(t)
	wb, st := newTestWizardBackend(t, "hello@example.invalid", "federation@muc.example.invalid")
	netConf := offNetworkI2PD(freePort(t))
	wizardNodeInProcess(t, wb, "node", func(string) string { return netConf })
	for _, p := range []int{wb.NodePort, wb.NodeS2SPort} {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
	}
	// A taken port the user chose is said plainly, before anything is made.
	if _, err := wb.RunNode(context.Background(), ui.NodeForm{Admin: "admin", Password: "admin-pw", C2SPort: wb.NodePort}); err == nil ||
		err.Error() != fmt.Sprintf("creating the node: port %d on 127.0.0.1 is already in use (another XMPP server?)", wb.NodePort) {
		t.Errorf("a chosen port that is taken: %v", err)
	}
	r, err := wb.RunNode(context.Background(), ui.NodeForm{Admin: "admin", Password: "admin-pw"})
	if err != nil {
		t.Fatalf("RunNode with its ports taken: %v", err)
	}
	domain := r.Domain
	info, err := node.Load(wb.NodeDir)
	if err != nil {
		t.Fatal(err)
	}
	if info.C2SPort == wb.NodePort || info.S2SPort == wb.NodeS2SPort || info.C2SPort == info.S2SPort {
		t.Errorf("the node's ports %d/%d; the taken ones were %d/%d", info.C2SPort, info.S2SPort, wb.NodePort, wb.NodeS2SPort)
	}
	if r.C2SPort != info.C2SPort || r.S2SPort != info.S2SPort || !slices.Equal(r.Taken, []int{wb.NodePort, wb.NodeS2SPort}) {
		t.Errorf("the wizard is told %+v; the node runs on %d/%d", r, info.C2SPort, info.S2SPort)
	}
	t.Logf("the wizard says: %s", r.PortsText())
	a, err := st.Account(context.Background(), "admin@"+domain)
	if err != nil || a.Server != fmt.Sprintf("127.0.0.1:%d", info.C2SPort) {
		t.Errorf("account %+v, %v; want it on the node's client port %d", a, err, info.C2SPort)
	}
	t.Logf("ports taken %d/%d: the node took %d/%d", wb.NodePort, wb.NodeS2SPort, info.C2SPort, info.S2SPort)
}
