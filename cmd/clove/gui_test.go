package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/bits"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// The real binary under Xvfb.

func needX(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no X server")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "xwd"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI (make deps installs it)", tool)
			}
			t.Skipf("%s not installed (make deps installs it)", tool)
		}
	}
}

// startXvfb starts a private X server and returns its display (":N").
//
// It runs with -noreset, as a desktop's X server in effect does (its window
// manager stays connected). Without it Xvfb resets each time its last
// client leaves, and the reset also drops a client that connected in the
// meantime and was not yet answered: that client's XOpenDisplay fails
// (xorg/xserver#1102). The tests poll with `xdotool search` every 20 ms
// while the window starts, so each poll ended a client and reset the server,
// and three fresh-machine runs failed that way ("X11: Failed to open display
// :0" in TestGUIAccountsShareOneWindowAndTheMenuOpensTheWizard and, in CI,
// TestWizardSavesThePasswordInTheProfileWithoutAKeyringUnderXvfb).
func startXvfb(t testing.TB) string {
	return startXvfbWith(t, "-noreset")
}

// startXvfbWith is startXvfb with extra on Xvfb's command line in place
// of -noreset (the benchmark can measure the old resetting server).
func startXvfbWith(t testing.TB, extra ...string) string {
	t.Helper()
	// A display is handed out only once its socket takes a connection; a
	// server whose socket does not is replaced once.
	for try := 1; ; try++ {
		d, stop := startXvfbOnce(t, extra...)
		if err := xAnswers(d, 5*time.Second); err == nil {
			return d
		} else if try == 2 {
			t.Fatalf("Xvfb reported display %s, which takes no connection: %v", d, err)
		} else {
			t.Logf("Xvfb reported display %s, which takes no connection (%v); starting another", d, err)
		}
		stop()
	}
}

// xAnswers waits until the X server of display d takes a connection on its
// socket in /tmp/.X11-unix.
func xAnswers(d string, limit time.Duration) error {
	path := "/tmp/.X11-unix/X" + strings.TrimPrefix(d, ":")
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startXvfbOnce starts one Xvfb on a free display and gives the display
// and a function that stops it (also called at the test's end).
func startXvfbOnce(t testing.TB, extra ...string) (string, func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", append([]string{"-displayfd", "3", "-screen", "0", "1024x700x24", "-nolisten", "tcp"}, extra...)...)
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var once sync.Once
	stop := func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(stop)
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not report a display")
		}
		return ":" + n, stop
	case <-time.After(15 * time.Second):
		t.Fatal("Xvfb did not start in 15 s")
	}
	return "", stop
}

// buildClove builds the real binary (a link of ~3 s once the cache is
// warm), with clove-node next to it as `make build` puts it.
func buildClove(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	clove := append(linkOrderFlags(), "-tags", "sqlite_fts5", "-o", filepath.Join(dir, "clove"), ".")
	for _, b := range [][]string{clove, {"-o", filepath.Join(dir, "clove-node"), "../clove-node"}} {
		if out, err := exec.Command(goBin, append([]string{"build"}, b...)...).CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	return filepath.Join(dir, "clove")
}

// linkOrderFlags are make build's flags: the link flags that lay out the
// functions a start runs first (third_party/link-order) and the runtime's
// overlay (third_party/span-sets), so that the window tests and benchmarks
// run what make builds; none when its linker is not built (make test and
// make bench build both).
func linkOrderFlags() []string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil
	}
	if !fileExists(filepath.Join(root, "build", "link", "link")) {
		return nil
	}
	lo := filepath.Join(root, "third_party", "link-order")
	flags := []string{"-toolexec=" + filepath.Join(lo, "toolexec.sh"), "-ldflags=-funcorder=" + filepath.Join(lo, "hot.txt")}
	// The runtime with smaller span sets (third_party/span-sets), when
	// make made its overlay.
	if overlay := filepath.Join(root, "build", "runtime", "overlay.json"); fileExists(overlay) {
		flags = append(flags, "-overlay="+overlay)
	}
	return flags
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// window is the real clove process showing a window on display.
type window struct {
	t       *testing.T
	display string
	cmd     *exec.Cmd
	stderr  *lockedBuffer
	id      string // X window id
	mapped  time.Duration
}

func startWindow(t *testing.T, display, profile, password, title string) *window {
	t.Helper()
	var cmd *exec.Cmd
	if profile == "" { // the default profile, under $HOME
		cmd = exec.Command(buildClove(t))
	} else {
		cmd = exec.Command(buildClove(t), "--profile", profile)
	}
	cmd.Env = []string{"DISPLAY=" + display, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "CLOVE_PASSWORD=" + password, "LANG=C.UTF-8"}
	return launchWindow(t, display, cmd, title)
}

// launchWindow starts cmd, a clove ready to run, and waits for its window
// named title.
func launchWindow(t *testing.T, display string, cmd *exec.Cmd, title string) *window {
	t.Helper()
	w := &window{t: t, display: display, stderr: &lockedBuffer{}, cmd: cmd}
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
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		out, err := w.x("search", "--onlyvisible", "--name", title)
		if id := strings.Fields(out); err == nil && len(id) > 0 {
			w.id, w.mapped = id[0], time.Since(start)
			return w
		}
	}
	t.Fatalf("no window named %q within 30 s; stderr:\n%s", title, w.stderr.String())
	return nil
}

// x runs xdotool on the window's display.
func (w *window) x(args ...string) (string, error) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display)
	out, err := cmd.Output()
	return string(out), err
}

func (w *window) must(args ...string) {
	w.t.Helper()
	if out, err := w.x(args...); err != nil {
		w.t.Fatalf("xdotool %s: %v %s", strings.Join(args, " "), err, out)
	}
}

// screenshot grabs the window with xwd, saves it as PNG at path and
// returns it.
func (w *window) screenshot(path string) image.Image {
	w.t.Helper()
	cmd := exec.Command("xwd", "-silent", "-id", w.id, "-display", w.display)
	raw, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("xwd: %v", err)
	}
	img, err := decodeXWD(raw)
	if err != nil {
		w.t.Fatalf("xwd output: %v", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.t.Logf("screenshot %s (%dx%d)", path, img.Bounds().Dx(), img.Bounds().Dy())
	return img
}

// waitShot takes screenshots into path until ok says the window shows what
// is awaited, or timeout passes (the last one stays for the test to read
// and to look at), and returns the last.
func (w *window) waitShot(path string, timeout time.Duration, ok func(image.Image) bool) image.Image {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		time.Sleep(300 * time.Millisecond)
		img := w.screenshot(path)
		if ok(img) || time.Now().After(deadline) {
			return img
		}
	}
}

// stop sends SIGTERM and expects a clean exit.
func (w *window) stop() {
	w.t.Helper()
	start := time.Now()
	defer func() { w.t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond)) }()
	w.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			w.t.Errorf("clove exited with %v after SIGTERM; stderr:\n%s", err, w.stderr.String())
		}
	case <-time.After(15 * time.Second):
		w.t.Errorf("clove did not exit 15 s after SIGTERM")
		// SIGQUIT makes the Go runtime print every goroutine's stack to
		// stderr, which the cleanup logs: what the exit waits for.
		w.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			w.cmd.Process.Kill()
		}
	}
}

// rss reads VmRSS and RssAnon (kB) of the process.
func (w *window) rss() (vm, anon string) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.cmd.Process.Pid))
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 2 && f[0] == "VmRSS:":
			vm = f[1] + " kB"
		case len(f) >= 2 && f[0] == "RssAnon:":
			anon = f[1] + " kB"
		}
	}
	return vm, anon
}

// decodeXWD reads the ZPixmap, 24/32-bit TrueColor dump xwd writes.
func decodeXWD(b []byte) (image.Image, error) {
	if len(b) < 100 {
		return nil, errors.New("short header")
	}
	h := make([]uint32, 25)
	for i := range h {
		h[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	headerSize, version, format, width, height := h[0], h[1], h[2], int(h[4]), int(h[5])
	byteOrder, bpp, bpl := h[7], h[11], int(h[12])
	rmask, gmask, bmask, ncolors := h[14], h[15], h[16], h[19]
	if version != 7 || format != 2 || (bpp != 32 && bpp != 24) {
		return nil, fmt.Errorf("unsupported xwd: version %d format %d bpp %d", version, format, bpp)
	}
	off := int(headerSize) + int(ncolors)*12
	if off+bpl*height > len(b) {
		return nil, errors.New("truncated pixels")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	ch := func(p, mask uint32) uint8 { return uint8((p & mask) >> bits.TrailingZeros32(mask)) }
	step := int(bpp / 8)
	for y := 0; y < height; y++ {
		row := b[off+y*bpl:]
		for x := 0; x < width; x++ {
			px := row[x*step : x*step+step]
			var p uint32
			if bpp == 32 {
				if byteOrder == 0 {
					p = binary.LittleEndian.Uint32(px)
				} else {
					p = binary.BigEndian.Uint32(px)
				}
			} else if byteOrder == 0 {
				p = uint32(px[0]) | uint32(px[1])<<8 | uint32(px[2])<<16
			} else {
				p = uint32(px[2]) | uint32(px[1])<<8 | uint32(px[0])<<16
			}
			img.Set(x, y, color.RGBA{ch(p, rmask), ch(p, gmask), ch(p, bmask), 0xff})
		}
	}
	return img, nil
}

// screenshotPath is docs/screenshots/NAME with CLOVE_UPDATE_SCREENSHOTS=1,
// else a temp file: a plain test run leaves the tree alone.
func screenshotPath(t *testing.T, name string) string {
	if os.Getenv("CLOVE_UPDATE_SCREENSHOTS") != "" {
		return filepath.Join("..", "..", "docs", "screenshots", name)
	}
	return filepath.Join(t.TempDir(), name)
}

// runCtx is cli.run with a context, for commands that run until cancelled.
func (c cli) runCtx(ctx context.Context, stdout *lockedBuffer, args ...string) int {
	var errb bytes.Buffer
	getenv := func(k string) string {
		if k == "CLOVE_PASSWORD" {
			return c.pw
		}
		return ""
	}
	return run(ctx, append([]string{"--profile", c.profile}, args...), stdout, &errb, nil, getenv)
}

func TestGUIChatsWithARealServerUnderXvfb(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	alice, bob := newCLI(t, "alice-pw"), newCLI(t, "bob-pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	bob.ok("roster", "--account", bj, "approve", aj)
	alice.ok("send", "--account", aj, bj, "hello Bob, this was sent from the command line")

	// Bob stays online (a green dot for him in Alice's window) and collects
	// what reaches him.
	bctx, bcancel := context.WithCancel(context.Background())
	bobOut := &lockedBuffer{}
	bobDone := make(chan int, 1)
	go func() { bobDone <- bob.runCtx(bctx, bobOut, "listen", "--account", bj, "--json") }()
	defer func() { bcancel(); <-bobDone }()

	// No password anywhere (no $CLOVE_PASSWORD, file or keyring): the
	// window asks for it.
	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "", "Clove — "+aj)
	t.Logf("window mapped %v after start", w.mapped.Round(time.Millisecond))
	time.Sleep(400 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "450", "300")
	w.screenshot(screenshotPath(t, "password.png"))
	w.must("type", "--delay", "15", "alice-pw")
	w.must("key", "Return")

	// Bob's approval came with a request of his own, pending on the server:
	// it shows above the roster. Accept it; the roster moves back up.
	time.Sleep(500 * time.Millisecond) // the roster loads in the background
	w.screenshot(screenshotPath(t, "subscription-request.png"))
	w.must("mousemove", "--window", w.id, "35", "167", "click", "1") // below the menu bar
	waitUntil(t, 30*time.Second, "Bob's subscription to alice is approved", func() bool {
		return strings.Contains(alice.ok("roster", "--account", aj, "list"), "both")
	})

	// Open Bob's chat (the first roster row), type, Enter.
	time.Sleep(300 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1")
	time.Sleep(300 * time.Millisecond)
	const typed = "hi Bob, typed in the window"
	w.must("type", "--delay", "15", typed)
	w.must("key", "Return")
	waitUntil(t, 30*time.Second, "Bob receives the message typed in the window", func() bool {
		return strings.Contains(bobOut.String(), typed)
	})

	const reply = "hello Alice, this shows up in your window"
	bob.ok("send", "--account", bj, aj, reply)
	var hist string
	waitUntil(t, 30*time.Second, "the window's session stores Bob's reply", func() bool {
		hist = alice.ok("history", "--account", aj, "--with", bj)
		return strings.Contains(hist, reply)
	})
	if !strings.Contains(hist, typed+" [sent]") && !strings.Contains(hist, typed+" [delivered]") {
		t.Errorf("the typed message is not acknowledged in Alice's history:\n%s", hist)
	}
	time.Sleep(700 * time.Millisecond) // let the window draw the reply and the ack
	w.screenshot(screenshotPath(t, "main-window.png"))

	if os.Getenv("CLOVE_GUI_RSS") != "" {
		time.Sleep(10 * time.Second)
		vm, anon := w.rss()
		t.Logf("after 10 s idle: VmRSS %s, RssAnon %s", vm, anon)
	}
	w.stop()
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out after %v waiting until %s", d, what)
}

func TestHelpStillPrintsUsage(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb, nil, func(string) string { return "" }); code != 0 || !strings.Contains(out.String(), "Usage: clove") {
			t.Errorf("clove %s: exit %d, stdout %q", args[0], code, out.String())
		}
	}
}

// A profile with two accounts opens a window for each, both logged in at
// once (messages to each land in the profile's history), and the menu's
// "Add an account…" opens the wizard.
func TestGUIAccountsShareOneWindowAndTheMenuOpensTheWizard(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, "pw")
	}
	me, carol := newCLI(t, "pw"), newCLI(t, "pw")
	aj, bj, cj := "alice@"+srv.Domain, "bob@"+srv.Domain, "carol@"+srv.Domain
	me.ok("account", "add", aj, "--server", srv.C2SAddr)
	me.ok("account", "add", bj, "--server", srv.C2SAddr)
	carol.ok("account", "add", cj, "--server", srv.C2SAddr)

	display := startXvfb(t)
	// Both accounts in one window, a tab each: its title names neither.
	w := startWindow(t, display, me.profile, "pw", "Clove")
	time.Sleep(time.Second) // both log in
	carol.ok("send", "--account", cj, aj, "to alice's tab")
	carol.ok("send", "--account", cj, bj, "to bob's tab")
	waitUntil(t, 30*time.Second, "both accounts' sessions store carol's messages", func() bool {
		return strings.Contains(me.ok("history", "--account", aj), "to alice's tab") &&
			strings.Contains(me.ok("history", "--account", bj), "to bob's tab")
	})
	// One unread message in each account: two in the title.
	waitWindow(t, w, `^\(2\) Clove$`)
	if out, err := w.x("search", "--onlyvisible", "--name", "Clove"); err == nil {
		if n := len(strings.Fields(string(out))); n != 1 {
			t.Errorf("%d windows named Clove, want the one", n)
		}
	}
	time.Sleep(500 * time.Millisecond) // the title changes before the next frame
	w.screenshot(screenshotPath(t, "accounts.png"))

	// The menu's Preferences…, closed with Escape.
	w.click(33, 13)
	time.Sleep(300 * time.Millisecond)
	w.click(80, preferencesY)
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "preferences.png"))
	w.must("key", "--window", w.id, "Escape")
	time.Sleep(300 * time.Millisecond)

	// The menu bar's first menu: "Remove account alice…" (the account in
	// view), then Remove: her tab goes, bob's fills the window, her history
	// is gone from the profile.
	w.click(33, 13)
	time.Sleep(300 * time.Millisecond)
	w.screenshot(screenshotPath(t, "menu.png"))
	w.click(80, removeAccountY)
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "remove-account.png"))
	w.click(removeButtonX, removeButtonY)
	waitUntil(t, 20*time.Second, "alice is gone from the profile", func() bool {
		out := me.ok("account", "list")
		return !strings.Contains(out, aj) && strings.Contains(out, bj)
	})
	waitWindow(t, w, `^\(1\) Clove — `+regexp.QuoteMeta(bj)+`$`)
	if h := me.run("history", "--account", aj); h.code == 0 && strings.Contains(h.stdout, "to alice's tab") {
		t.Errorf("alice's history is still in the profile: %q", h.stdout)
	}
	time.Sleep(300 * time.Millisecond)
	w.screenshot(filepath.Join(t.TempDir(), "after-remove.png"))

	// The menu's first item opens the wizard.
	w.click(33, 13)
	time.Sleep(300 * time.Millisecond)
	w.click(80, 45)
	waitWindow(t, w, "Clove — set up")
}

// Where the menu's "Remove account …" item and the confirmation's
// Remove button are in the 900×600 window.
const (
	preferencesY   = 201 // below Add an account…, Message someone…, Join a room…, Search all chats…
	removeAccountY = 326 // below "Set my avatar…" and "My profile…"
	removeButtonX  = 500
	removeButtonY  = 382
)

// Headless commands never start the toolkit: under the C locale nothing
// but the command's own output is printed, and without a display the
// window is one line and exit 1, not a GLFW stack trace. The real binary:
// the toolkit speaks while packages are initialised, before run.
func TestHeadlessCommandsStayQuiet(t *testing.T) {
	bin := buildClove(t)
	profile := t.TempDir()
	for _, c := range []struct {
		env        []string
		args       []string
		code       int
		wantStderr string // "": nothing at all
	}{
		{[]string{"LANG=C.UTF-8"}, []string{"help"}, 0, ""},
		{[]string{"LC_ALL=C.UTF-8"}, []string{"help"}, 0, ""},
		{[]string{"LANG=C"}, []string{"account", "list"}, 0, "no accounts yet: add one with 'clove account add name@server'\n"},
		{[]string{"LANG=C.UTF-8"}, nil, 1, "clove gui: no display to open the window on (DISPLAY is not set); the commands work without one: see 'clove help'\n"},
	} {
		cmd := exec.Command(bin, append([]string{"--profile", profile}, c.args...)...)
		cmd.Env = append([]string{"HOME=" + profile, "PATH=/usr/bin:/bin"}, c.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || stderr.String() != c.wantStderr {
			t.Errorf("%v clove %v: exit %d, stderr %q; want exit %d, stderr %q", c.env, c.args, code, stderr.String(), c.code, c.wantStderr)
		}
	}
}

// One draft per chat, in the real window: text typed for Bob stays his
// when Carol's chat is opened (Enter there sends only Carol's text, to
// Carol); it is kept when the window closes, and after a restart Enter in
// Bob's chat sends it to Bob.
func TestGUIDraftPerChatUnderXvfb(t *testing.T) {
	needX(t)
	alice, aj, bj, cj := aliceWithBobAndCarol(t)

	w := aliceWindow(t, alice, aj)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // Bob, the first row
	time.Sleep(300 * time.Millisecond)
	const forBob = "Bob, this waits for you"
	w.must("type", "--delay", "15", forBob)
	w.must("mousemove", "--window", w.id, "100", "150", "click", "1") // Carol, the second row
	time.Sleep(300 * time.Millisecond)
	w.screenshot(screenshotPath(t, "draft-carol.png"))
	const forCarol = "hi Carol"
	w.must("type", "--delay", "15", forCarol)
	w.must("key", "Return")
	waitUntil(t, 30*time.Second, "Carol's message is acknowledged", func() bool {
		h := alice.ok("history", "--account", aj, "--with", cj)
		return strings.Contains(h, forCarol+" [sent]")
	})
	if h := alice.ok("history", "--account", aj); strings.Contains(h, forBob) || strings.Contains(h, ": "+forBob+forCarol) {
		t.Fatalf("Bob's draft was sent:\n%s", h)
	}
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1") // back to Bob
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "draft-bob.png"))
	w.stop() // with Bob's draft in the composer

	w = startWindow(t, w.display, alice.profile, "alice-pw", "Clove — "+aj)
	time.Sleep(700 * time.Millisecond)
	w.must("mousemove", "--window", w.id, "100", "85", "click", "1")
	time.Sleep(300 * time.Millisecond)
	w.must("key", "Return")
	waitUntil(t, 30*time.Second, "the draft kept across the restart is sent to Bob", func() bool {
		h := alice.ok("history", "--account", aj, "--with", bj)
		return strings.Contains(h, forBob+" [sent]")
	})
	w.stop()
}

// A cancelled password prompt is not the end: the status bar offers
// "Log in…", which asks again; logged in, the window's session stores
// what comes (before, only a restart of Clove could log in).
func TestGUILogInAfterACancelledPrompt(t *testing.T) {
	needX(t)
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithModule("offline"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	alice, bob := newCLI(t, "alice-pw"), newCLI(t, "bob-pw")
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	bob.ok("account", "add", bj, "--server", srv.C2SAddr)

	display := startXvfb(t)
	w := startWindow(t, display, alice.profile, "", "Clove — "+aj) // no password: it asks
	time.Sleep(600 * time.Millisecond)
	w.keys("Escape") // Cancel
	time.Sleep(500 * time.Millisecond)
	w.screenshot(screenshotPath(t, "log-in-offered.png"))
	w.must("mousemove", "--window", w.id, "752", "578", "click", "1") // "Log in…", left of the presence selector
	time.Sleep(500 * time.Millisecond)
	w.must("type", "--delay", "15", "alice-pw")
	w.must("key", "Return")
	const hello = "hello Alice, logged in after all"
	bob.ok("send", "--account", bj, aj, hello)
	waitUntil(t, 30*time.Second, "the window's session stores Bob's message", func() bool {
		return strings.Contains(alice.ok("history", "--account", aj, "--with", bj), hello)
	})
	w.stop()
}

// The keyboard alone, in the real window: Ctrl+K, a few letters, Enter
// open that chat with the cursor in the composer; Alt+Down and Ctrl+Tab
// step through the chats (wrapping); each Enter sends to the chat in view.
func TestGUIKeyboardUnderXvfb(t *testing.T) {
	needX(t)
	alice, aj, bj, cj := aliceWithBobAndCarol(t)
	w := aliceWindow(t, alice, aj)
	keys := w.keys
	say := func(text string) {
		w.must("type", "--delay", "15", text)
		keys("Return")
	}
	keys("ctrl+k")
	w.must("type", "--delay", "15", "car")
	keys("Return")
	say("to Carol, found with Ctrl+K")
	keys("alt+Down") // past the last: the first, Bob
	say("to Bob, after Alt+Down")
	keys("ctrl+Tab")
	say("to Carol, after Ctrl+Tab")
	for peer, want := range map[string][]string{
		cj: {"to Carol, found with Ctrl+K", "to Carol, after Ctrl+Tab"},
		bj: {"to Bob, after Alt+Down"},
	} {
		waitUntil(t, 30*time.Second, "the keyboard's messages are sent to "+peer, func() bool {
			h := alice.ok("history", "--account", aj, "--with", peer)
			for _, m := range want {
				if !strings.Contains(h, m+" [sent]") {
					return false
				}
			}
			return strings.Count(h, "\n") == len(want)
		})
	}
	w.stop()
}

// aliceWindow opens alice's window (aliceWithBobAndCarol) on a new Xvfb,
// once its roster is loaded.
func aliceWindow(t *testing.T, alice cli, aj string) *window {
	t.Helper()
	w := startWindow(t, startXvfb(t), alice.profile, "alice-pw", "Clove — "+aj)
	time.Sleep(700 * time.Millisecond) // the roster loads in the background
	return w
}

// keys types key chords (xdotool's names) into the window and gives them
// time to take effect.
func (w *window) keys(k ...string) {
	w.must(append([]string{"key", "--window", w.id}, k...)...)
	time.Sleep(300 * time.Millisecond)
}

// aliceWithBobAndCarol starts a prosody with alice, bob and carol
// (passwords NAME-pw) and a CLI profile with alice's account, Bob and
// Carol in her roster.
func aliceWithBobAndCarol(t *testing.T) (alice cli, aj, bj, cj string) {
	t.Helper()
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	alice = newCLI(t, "alice-pw")
	aj, bj, cj = "alice@"+srv.Domain, "bob@"+srv.Domain, "carol@"+srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	alice.ok("roster", "--account", aj, "add", cj, "--name", "Carol")
	return alice, aj, bj, cj
}
