package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"golang.org/x/sys/unix"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/store"
)

// BenchmarkGUISideBySide starts the real window side by side with a
// one-label Fyne window, Pidgin, Gajim and Dino (Debian 12's), one at a
// time on one Xvfb, and prints for each: start to window mapped, memory
// after a settle time (RSS, PSS, USS = private pages, anonymous), and the
// context switches and CPU time of an idle spell — medians of the rounds,
// with min–max and ratios to Pidgin. Rounds are interleaved (each round
// starts every app once, the order turning by one each round) after one
// warm-up start each, so drift on a shared machine hits all apps alike.
//
// As on a desktop: Xvfb with -noreset (without it, the server resets when
// its last client leaves, and GTK3 apps load Mesa + libLLVM), a private
// D-Bus session daemon per start (without one Clove has no tray and no
// settings portal: ~7.5 MiB less), a home of its own per app, with its
// cache directory named (XDG_CACHE_HOME=$HOME/.cache, see start). Clove and
// Pidgin log in to the same account on a real prosody on loopback with
// 1,000 contacts in its roster; Gajim and Dino start without an account
// (their first-run window) — see docs/benchmarks.md.
//
// Environment: CLOVE_BENCH_ROUNDS (5), CLOVE_BENCH_SETTLE (10s),
// CLOVE_BENCH_IDLE (30s), CLOVE_BENCH_APPS (a comma list of names to run,
// e.g. "clove,onelabel,pidgin"), CLOVE_BENCH_CLOVE (a prebuilt clove
// binary to measure instead of this tree's), CLOVE_BENCH_BASE (another
// build of clove, e.g. the parent commit's, measured as "Clove base" on the
// same profile: a change measured interleaved), CLOVE_BENCH_CLOVE_ENV
// (more environment for both, e.g. "GODEBUG=inittrace=1"; stderr goes to
// stderr.log in the app's home, with the exec and map times: see
// CLOVE_BENCH_KEEP, which also keeps smaps.PID and pages.PID, the binary's
// resident pages), CLOVE_BENCH_TERM (end each start with SIGTERM before
// SIGKILL, for a coverage build's counters: make linkorder).
func BenchmarkGUISideBySide(b *testing.B) {
	for _, tool := range []string{"Xvfb", "dbus-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed (make deps; make bench installs the rest)", tool)
		}
	}
	rounds := envInt("CLOVE_BENCH_ROUNDS", 5)
	settle := envDuration(b, "CLOVE_BENCH_SETTLE", 10*time.Second)
	idle := envDuration(b, "CLOVE_BENCH_IDLE", 30*time.Second)

	srv := prosodytest.Start(b)
	const pw = "bench-pw"
	me := srv.CreateUser(b, "alice", pw).String()
	contacts := fillProsodyRoster(b, srv, "alice", 1000)

	// Every app (and its D-Bus) runs as a user that is not root (see
	// asUser) from a directory of its own.
	base, err := os.MkdirTemp("", "clove-guibench")
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("CLOVE_BENCH_KEEP") == "" {
		b.Cleanup(func() { os.RemoveAll(base) })
	} else {
		fmt.Printf("(kept: %s)\n", base)
	}
	os.Chmod(base, 0o755)
	dir := func(name string) string {
		d := filepath.Join(base, name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			b.Fatal(err)
		}
		return d
	}
	bin := os.Getenv("CLOVE_BENCH_CLOVE")
	if bin == "" {
		bin = buildClove(b)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command("cp", bin, filepath.Join(dir("bin"), "clove")).CombinedOutput(); err != nil {
		b.Fatalf("cp: %v\n%s", err, out)
	}
	bin = filepath.Join(base, "bin", "clove")
	if other := os.Getenv("CLOVE_BENCH_BASE"); other != "" {
		if out, err := exec.Command("cp", other, filepath.Join(base, "bin", "clove-base")).CombinedOutput(); err != nil {
			b.Fatalf("cp: %v\n%s", err, out)
		}
	}
	// Built elsewhere, then copied like Clove's binaries: a file the
	// linker wrote in place (through a mapping) stayed in the page cache
	// such that its start kept 1.6 MiB more of it resident (USS 67.0
	// against 65.4 MiB for the same binary copied, 3 rounds, 2026-12-07).
	// Every binary measured is written the same way, as a package's
	// files are.
	floor := filepath.Join(base, "bin", "onelabel")
	built := filepath.Join(dir("build"), "onelabel")
	if out, err := exec.Command(goBin, "build", "-o", built, "./testdata/onelabel").CombinedOutput(); err != nil {
		b.Fatalf("go build onelabel: %v\n%s", err, out)
	}
	if out, err := exec.Command("cp", built, floor).CombinedOutput(); err != nil {
		b.Fatalf("cp: %v\n%s", err, out)
	}
	var display string
	if os.Getenv("CLOVE_BENCH_RESET") == "" {
		display = startXvfb(b)
	} else {
		display = startXvfbWith(b)
	}
	watch, err := watchMaps(display)
	if err != nil {
		b.Fatal(err)
	}
	defer watch.Close()

	cloveHome := dir("clove")
	profile := filepath.Join(cloveHome, "profile")
	fillProfile(b, profile, store.Account{JID: me, Server: srv.C2SAddr, Pin: srv.CertFingerprint}, contacts, 10000)
	baseProfile := profile
	if os.Getenv("CLOVE_BENCH_AVATARS") != "" {
		// Every contact with an avatar of its own; the base build (one
		// without avatars) gets a copy of the profile without them, at
		// the schema it knows.
		fillAvatars(b, profile, me, contacts)
		if os.Getenv("CLOVE_BENCH_BASE") != "" {
			baseProfile = filepath.Join(dir("clove-base"), "profile")
			withoutAvatars(b, profile, baseProfile)
		}
	}
	pidginHome := dir("pidgin")
	fillPidgin(b, filepath.Join(pidginHome, ".purple"), me, pw, srv.C2SAddr, srv.CertPEM, contacts)
	offlineHome := dir("pidgin-offline")
	fillPidgin(b, filepath.Join(offlineHome, ".purple"), me, pw, "127.0.0.1:1", nil, contacts)

	apps := []*guiApp{
		{name: "Clove", key: "clove", argv: []string{bin, "--profile", profile}, home: cloveHome, env: strings.Fields(os.Getenv("CLOVE_BENCH_CLOVE_ENV"))},
		{name: "Clove base", key: "clove-base", argv: []string{filepath.Join(base, "bin", "clove-base"), "--profile", baseProfile}, home: dir("clove-base"), env: strings.Fields(os.Getenv("CLOVE_BENCH_CLOVE_ENV"))},
		{name: "one label", key: "onelabel", argv: []string{floor}, home: dir("onelabel")},
		{name: "Pidgin", key: "pidgin", argv: []string{"pidgin"}, home: pidginHome},
		{name: "Pidgin offline", key: "pidgin-offline", argv: []string{"pidgin"}, home: offlineHome},
		{name: "Gajim", key: "gajim", argv: []string{"gajim"}, home: dir("gajim")},
		{name: "Dino", key: "dino", argv: []string{"dino-im"}, home: dir("dino")},
	}
	for _, a := range apps {
		os.MkdirAll(filepath.Join(a.home, "run"), 0o700)
	}
	only := os.Getenv("CLOVE_BENCH_APPS")
	apps = slices.DeleteFunc(apps, func(a *guiApp) bool {
		if only != "" && !slices.Contains(strings.Split(only, ","), a.key) {
			return true
		}
		if a.key == "clove-base" && os.Getenv("CLOVE_BENCH_BASE") == "" {
			return true
		}
		if _, err := exec.LookPath(a.argv[0]); err != nil {
			fmt.Printf("(%s is not installed: make bench installs it)\n", a.name)
			return true
		}
		return false
	})
	fmt.Printf("\nGUI side by side: %d rounds after a warm-up, settle %v, idle %v; load before: %s\n", rounds, settle, idle, loadavg())
	for r := 0; r <= rounds; r++ {
		for i := range apps {
			a := apps[(i+r)%len(apps)]
			run := a.start(b, display, watch, pw, settle, idle)
			if r > 0 {
				a.runs = append(a.runs, run)
			}
		}
	}
	fmt.Printf("load after: %s\n", loadavg())
	// Clove and Pidgin log in at each start: prosody says so.
	logged, _ := os.ReadFile(srv.LogFile)
	os.WriteFile(filepath.Join(base, "prosody.log"), logged, 0o600)
	fmt.Printf("logins prosody saw: %d (starts of Clove, Clove base and Pidgin: %d)\n",
		strings.Count(string(logged), "Authenticated as "+me), countStarts(apps, rounds, "clove", "clove-base", "pidgin"))
	printGUITable(apps, rounds, idle)
	for _, a := range apps {
		if a.key == "pidgin" {
			for _, c := range apps {
				if c.key == "clove" {
					b.ReportMetric(c.median(guiStart)/a.median(guiStart), "start-ratio")
				}
			}
		}
	}
}

// guiApp is one app measured, its home directory (kept across its starts:
// the warm-up's caches stay, as a desktop's would) and its counted runs.
type guiApp struct {
	name, key string
	argv      []string
	env       []string // more environment (CLOVE_BENCH_CLOVE_ENV for Clove)
	home      string
	runs      []guiRun
}

// guiRun is one start: time to its first top-level window mapped; after
// the settle time, its memory (MiB, from /proc/PID/smaps_rollup: Rss,
// Pss, USS = Private_Clean+Private_Dirty, Anonymous; libLLVM's Rss from
// smaps); over the idle spell, its context switches per second (all
// threads, voluntary + involuntary) and CPU in % of one core (the
// threads' schedstat run time); and the threads that switched most.
type guiRun struct {
	start                     time.Duration
	rss, pss, uss, anon, llvm float64
	switches, cpu             float64
	busiest                   []threadIdle
}

type threadIdle struct {
	name     string
	switches float64 // per second
}

// start runs the app once: a private D-Bus session daemon, the app in its
// own process group, timed from exec to its first window mapped.
func (a *guiApp) start(tb testing.TB, display string, watch *mapWatch, pw string, settle, idle time.Duration) guiRun {
	tb.Helper()
	run := filepath.Join(a.home, "run")
	// XDG_CACHE_HOME: where a desktop user's apps keep their caches. The
	// GTK apps find ~/.cache through $HOME, but Mesa looks the home up in
	// the passwd file, where user 65534 (asUser) has /nonexistent: without
	// this its shader cache was off for Clove and the one-label window,
	// and each start compiled again what a desktop's Mesa keeps
	// (docs/benchmarks.md, "Mesa's shader cache").
	env := []string{"DISPLAY=" + display, "HOME=" + a.home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8",
		"XDG_RUNTIME_DIR=" + run, "CLOVE_PASSWORD=" + pw, "XDG_CACHE_HOME=" + filepath.Join(a.home, ".cache")}
	cmd := exec.Command(a.argv[0], a.argv[1:]...)
	cmd.Env = append(env, a.env...)
	cmd.Env = append(cmd.Env, "DBUS_SESSION_BUS_ADDRESS=")
	if os.Getenv("CLOVE_BENCH_DBUS") != "0" {
		bus, stopBus := sessionBus(tb, env)
		defer stopBus()
		cmd.Env[len(cmd.Env)-1] += bus
	}
	cmd.SysProcAttr = asUser()
	if os.Getenv("CLOVE_BENCH_COLD") != "" {
		evict(tb, a.argv[0])
	}
	logf, _ := os.OpenFile(filepath.Join(a.home, "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintf(logf, "guibench: exec at %d ns\n", t0.UnixNano())
	defer func() {
		if os.Getenv("CLOVE_BENCH_TERM") != "" {
			// A coverage build writes its counters as it exits (make
			// linkorder): end it as a desktop's logout does, 5 s at most.
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			exited := make(chan struct{})
			go func() { cmd.Process.Wait(); close(exited) }()
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
			}
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	var r guiRun
	if os.Getenv("CLOVE_BENCH_DETECT") == "xdotool" {
		r.start = pollXdotool(tb, display, a, cmd.Process.Pid, t0)
	} else {
		ev, err := watch.next(t0, 60*time.Second)
		if err != nil {
			tb.Fatalf("%s: %v (its output: %s)", a.name, err, filepath.Join(a.home, "stderr.log"))
		}
		r.start = ev.at.Sub(t0)
		fmt.Fprintf(logf, "guibench: window mapped at %d ns (+%v)\n", ev.at.UnixNano(), r.start)
	}
	time.Sleep(settle)
	pid := cmd.Process.Pid
	roll, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		tb.Fatalf("%s: %v (exited?)", a.name, err)
	}
	r.rss = kbField(roll, "Rss:") / 1024
	r.pss = kbField(roll, "Pss:") / 1024
	r.uss = (kbField(roll, "Private_Clean:") + kbField(roll, "Private_Dirty:")) / 1024
	r.anon = kbField(roll, "Anonymous:") / 1024
	sm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	r.llvm = mappedRSS(sm, "libLLVM") / 1024
	if os.Getenv("CLOVE_BENCH_KEEP") != "" { // to break the memory down later
		os.WriteFile(filepath.Join(a.home, fmt.Sprintf("smaps.%d", pid)), sm, 0o600)
		os.WriteFile(filepath.Join(a.home, fmt.Sprintf("pages.%d", pid)), residentPages(pid, a.argv[0]), 0o600)
	}
	before := threadStats(pid)
	time.Sleep(idle)
	after := threadStats(pid)
	var sw, ns float64
	for tid, t := range after {
		b := before[tid] // zero for a thread started during the spell
		d := float64(t.switches - b.switches)
		sw += d
		ns += float64(t.runNS - b.runNS)
		r.busiest = append(r.busiest, threadIdle{t.name, d / idle.Seconds()})
	}
	r.switches = sw / idle.Seconds()
	r.cpu = ns / float64(idle.Nanoseconds()) * 100
	slices.SortFunc(r.busiest, func(x, y threadIdle) int { return cmpFloat(y.switches, x.switches) })
	r.busiest = r.busiest[:min(4, len(r.busiest))]
	return r
}

// pollXdotool is how BenchmarkGUIStartAndIdleRSS told a window mapped
// (kept to compare, CLOVE_BENCH_DETECT=xdotool): `xdotool search
// --onlyvisible` every 10 ms, by process (Pidgin: by class).
func pollXdotool(tb testing.TB, display string, a *guiApp, pid int, t0 time.Time) time.Duration {
	search := []string{"search", "--onlyvisible", "--pid", strconv.Itoa(pid)}
	if strings.HasPrefix(a.key, "pidgin") {
		search = []string{"search", "--onlyvisible", "--class", "Pidgin"}
	}
	for deadline := t0.Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		x := exec.Command("xdotool", search...)
		x.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := x.Output(); err == nil && len(strings.Fields(string(out))) > 0 {
			return time.Since(t0)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: no window appeared within 60 s", a.name)
		}
	}
}

// sessionBus starts a D-Bus session daemon of its own (as a desktop
// session has one running before any app starts) and returns its address.
func sessionBus(tb testing.TB, env []string) (string, func()) {
	tb.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	cmd.Env = env
	cmd.SysProcAttr = asUser()
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	stop := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		tb.Fatalf("dbus-daemon: %v", err)
	}
	return strings.TrimSpace(line), stop
}

// asUser puts a process in a process group of its own and makes it user
// 65534 (nobody) in a user namespace of its own, mapped to ours: the
// benchmark runs as root (in the tests' namespace, see TestMain), and
// Gajim refuses to run as root. The files stay ours, which the app sees as
// its own; all apps run the same way.
func asUser() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:                    true,
		Cloneflags:                 syscall.CLONE_NEWUSER,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 65534, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 65534, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
	}
}

type threadStat struct {
	name     string
	switches int64
	runNS    int64
}

// threadStats reads each thread's context switches and CPU run time.
func threadStats(pid int) map[string]threadStat {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	ents, _ := os.ReadDir(dir)
	m := map[string]threadStat{}
	for _, e := range ents {
		st, err := os.ReadFile(filepath.Join(dir, e.Name(), "status"))
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join(dir, e.Name(), "comm"))
		sched, _ := os.ReadFile(filepath.Join(dir, e.Name(), "schedstat"))
		var run int64
		if f := strings.Fields(string(sched)); len(f) > 0 {
			run, _ = strconv.ParseInt(f[0], 10, 64)
		}
		m[e.Name()] = threadStat{strings.TrimSpace(string(comm)),
			int64(kbField(st, "voluntary_ctxt_switches:") + kbField(st, "nonvoluntary_ctxt_switches:")), run}
	}
	return m
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// countStarts counts the starts (warm-up included) of the apps named.
func countStarts(apps []*guiApp, rounds int, keys ...string) int {
	n := 0
	for _, a := range apps {
		if slices.Contains(keys, a.key) {
			n += rounds + 1
		}
	}
	return n
}

func guiStart(r guiRun) float64 { return ms(r.start) }

func (a *guiApp) values(f func(guiRun) float64) []float64 {
	var xs []float64
	for _, r := range a.runs {
		xs = append(xs, f(r))
	}
	slices.Sort(xs)
	return xs
}

func (a *guiApp) median(f func(guiRun) float64) float64 {
	xs := a.values(f)
	if len(xs) == 0 {
		return 0
	}
	return xs[len(xs)/2]
}

// printGUITable prints the medians side by side, each with its ratio to
// Pidgin's, and the rounds' spread (min–max) under them.
func printGUITable(apps []*guiApp, rounds int, idle time.Duration) {
	var ref *guiApp
	for _, a := range apps {
		if a.key == "pidgin" || ref == nil && a.key == "pidgin-offline" {
			ref = a
		}
	}
	fmt.Printf("\n%-34s", fmt.Sprintf("median of %d (ratio to %s)", rounds, refName(ref)))
	for _, a := range apps {
		fmt.Printf(" %20s", a.name)
	}
	fmt.Println()
	rows := []struct {
		name, unit, format string
		f                  func(guiRun) float64
	}{
		{"start → window mapped", "ms", "%.0f", guiStart},
		{"RSS", "MiB", "%.1f", func(r guiRun) float64 { return r.rss }},
		{"PSS", "MiB", "%.1f", func(r guiRun) float64 { return r.pss }},
		{"USS (private pages)", "MiB", "%.1f", func(r guiRun) float64 { return r.uss }},
		{"anonymous", "MiB", "%.1f", func(r guiRun) float64 { return r.anon }},
		{"  libLLVM mapped (Rss)", "MiB", "%.1f", func(r guiRun) float64 { return r.llvm }},
		{fmt.Sprintf("idle context switches (%v)", idle), "/s", "%.1f", func(r guiRun) float64 { return r.switches }},
		{"idle CPU (of one core)", "%", "%.2f", func(r guiRun) float64 { return r.cpu }},
	}
	for _, row := range rows {
		fmt.Printf("%-34s", row.name)
		for _, a := range apps {
			m := a.median(row.f)
			cell := fmt.Sprintf(row.format+" %s", m, row.unit)
			if ref != nil && a != ref && ref.median(row.f) > 0 {
				cell += fmt.Sprintf(" (%.2f×)", m/ref.median(row.f))
			}
			fmt.Printf(" %20s", cell)
		}
		fmt.Printf("\n%-34s", "  min–max")
		for _, a := range apps {
			xs := a.values(row.f)
			fmt.Printf(" %20s", fmt.Sprintf(row.format+"–"+row.format, xs[0], xs[len(xs)-1]))
		}
		fmt.Println()
	}
	fmt.Printf("\nbusiest threads while idle (context switches/s, the median round's):\n")
	for _, a := range apps {
		rs := slices.Clone(a.runs)
		slices.SortFunc(rs, func(x, y guiRun) int { return cmpFloat(x.switches, y.switches) })
		var parts []string
		for _, t := range rs[len(rs)/2].busiest {
			parts = append(parts, fmt.Sprintf("%s %.1f", t.name, t.switches))
		}
		fmt.Printf("  %-10s %s\n", a.name, strings.Join(parts, ", "))
	}
}

func refName(ref *guiApp) string {
	if ref == nil {
		return "-"
	}
	return ref.name
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envDuration(tb testing.TB, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a duration such as 10s", name, v)
	}
	return d
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// fillProsodyRoster writes user's roster on srv (prosody's internal
// storage, read at each login): contacts entries, subscription both, for
// users of srv that do not exist (nobody answers their presence probes).
// It returns their JIDs and names, for the clients' own lists.
func fillProsodyRoster(tb testing.TB, srv *prosodytest.Server, user string, contacts int) []store.Contact {
	tb.Helper()
	host := strings.ReplaceAll(url.PathEscape(srv.Domain), ".", "%2e")
	dir := filepath.Join(srv.Dir, "data", host, "roster")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("return {\n\t[false] = { version = 1; pending = {}; };\n")
	var cs []store.Contact
	for i := 0; i < contacts; i++ {
		c := store.Contact{JID: fmt.Sprintf("friend%04d@%s", i, srv.Domain), Name: fmt.Sprintf("Friend %d", i), Subscription: "both"}
		cs = append(cs, c)
		fmt.Fprintf(&b, "\t[%q] = { subscription = \"both\"; name = %q; groups = {}; };\n", c.JID, c.Name)
	}
	b.WriteString("};\n")
	if err := os.WriteFile(filepath.Join(dir, user+".dat"), []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return cs
}

// fillPidgin gives a Pidgin configuration directory (~/.purple) what
// fillProfile gives Clove's profile: the account on srv (auto-login; the
// server's self-signed certificate already accepted, as after a first
// "Accept"), with the contacts in its buddy list, offline ones shown,
// and no tray icon: with one (the default) and no tray to embed it in, as
// under Xvfb, Pidgin keeps its window hidden until the embedding times out,
// 5 s; a desktop's tray takes it at once.
// Pidgin keeps its logs on disk and reads none at start, so messages are
// left out.
func fillPidgin(tb testing.TB, dir, account, password, server string, certPEM []byte, contacts []store.Contact) {
	tb.Helper()
	host, port, _ := strings.Cut(server, ":")
	acct := account + "/clove"
	files := map[string]string{
		"accounts.xml": `<?xml version='1.0' encoding='UTF-8' ?>
<account version='1.0'><account>
 <protocol>prpl-jabber</protocol><name>` + acct + `</name><password>` + password + `</password>
 <settings><setting name='connect_server' type='string'>` + host + `</setting><setting name='port' type='int'>` + port + `</setting></settings>
 <settings ui='gtk-gaim'><setting name='auto-login' type='bool'>1</setting></settings>
</account></account>
`,
		"prefs.xml": `<?xml version='1.0' encoding='UTF-8' ?>
<pref version='1' name='/'><pref name='pidgin'><pref name='blist'>
 <pref name='show_offline_buddies' type='bool' value='1'/>
</pref><pref name='docklet'>
 <pref name='show' type='string' value='never'/>
</pref></pref></pref>
`,
	}
	if certPEM != nil { // Pidgin looks a server up by the address it dials
		files["certificates/x509/tls_peers/"+host] = string(certPEM)
	}
	var bl strings.Builder
	bl.WriteString("<?xml version='1.0' encoding='UTF-8' ?>\n<purple version='1.0'><blist><group name='Buddies'>\n")
	for _, c := range contacts {
		fmt.Fprintf(&bl, "<contact><buddy account='%s' proto='prpl-jabber'><name>%s</name><alias>%s</alias></buddy></contact>\n", acct, c.JID, c.Name)
	}
	bl.WriteString("</group></blist><privacy/></purple>\n")
	files["blist.xml"] = bl.String()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// fillProfile writes account a with contacts in its roster and messages
// spread over them.
func fillProfile(tb testing.TB, profile string, a store.Account, contacts []store.Contact, messages int) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(profile, "clove.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	me := a.JID
	if err := st.AddAccount(ctx, a); err != nil {
		tb.Fatal(err)
	}
	for _, c := range contacts {
		c.Account = me
		if err := st.PutContact(ctx, c); err != nil {
			tb.Fatal(err)
		}
	}
	const batch = 1000
	t0 := time.Now().Add(-time.Duration(messages) * time.Minute)
	for i := 0; i < messages; i += batch {
		var ms []*store.Message
		for j := i; j < min(i+batch, messages); j++ {
			peer := contacts[j%len(contacts)].JID
			ms = append(ms, &store.Message{Account: me, Peer: peer, From: peer, To: me, Body: fmt.Sprintf("message number %d, some words to index", j),
				OriginID: fmt.Sprintf("bench-%d", j), Time: t0.Add(time.Duration(j) * time.Minute), State: store.Received})
		}
		if _, err := st.AddIncomingBatch(ctx, ms); err != nil {
			tb.Fatal(err)
		}
	}
}

// mappedRSS adds up the Rss (kB) of the smaps mappings whose path
// contains name.
func mappedRSS(smaps []byte, name string) float64 {
	var kb float64
	in := false
	for _, l := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(l)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = len(f) >= 6 && strings.Contains(f[5], name)
			continue
		}
		if in && len(f) >= 2 && f[0] == "Rss:" {
			n, _ := strconv.ParseFloat(f[1], 64)
			kb += n
		}
	}
	return kb
}

// kbField reads a "Name: N kB" field of a /proc status or smaps file.
func kbField(status []byte, name string) float64 {
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, name) {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.ParseFloat(f[1], 64)
				return n
			}
		}
	}
	return 0
}

// evict drops a binary's pages from the page cache (CLOVE_BENCH_COLD): the
// start then reads it as after a reboot, in the folios readahead picks,
// instead of mapping the large folios its build wrote.
func evict(tb testing.TB, path string) {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		tb.Fatal(err)
	}
}

// residentPages lists, a line each, the virtual address of every page of
// the app's own binary (bin) that is resident in the process, from
// /proc/PID/maps and /proc/PID/pagemap (bit 63: present): which code and
// tables a start touched, to lay them out (docs/benchmarks.md).
func residentPages(pid int, bin string) []byte {
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil
	}
	pm, err := os.Open(fmt.Sprintf("/proc/%d/pagemap", pid))
	if err != nil {
		return nil
	}
	defer pm.Close()
	var out bytes.Buffer
	page := uint64(os.Getpagesize())
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || filepath.Base(f[5]) != filepath.Base(bin) {
			continue
		}
		var lo, hi uint64
		if _, err := fmt.Sscanf(f[0], "%x-%x", &lo, &hi); err != nil {
			continue
		}
		buf := make([]byte, (hi-lo)/page*8)
		if _, err := pm.ReadAt(buf, int64(lo/page*8)); err != nil {
			continue
		}
		for i := 0; i+8 <= len(buf); i += 8 {
			if binary.LittleEndian.Uint64(buf[i:])>>63 == 1 {
				fmt.Fprintf(&out, "%x %s\n", lo+uint64(i/8)*page, f[1])
			}
		}
	}
	return out.Bytes()
}
