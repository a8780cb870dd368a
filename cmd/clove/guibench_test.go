package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/store"
)

// BenchmarkGUIStartAndIdleRSS starts the real window and Pidgin the same
// way under one Xvfb, side by side, and prints time to first window mapped
// and RSS after 10 s idle, with ratios. Clove's profile holds 1,000 contacts
// and 10,000 messages, Pidgin's the same account and 1,000 buddies (see
// fillPidgin); the server is unreachable (both windows show it), so
// nothing but the apps themselves is measured. Goal: ≤ 1.0× Pidgin on both.
// A one-label Fyne window (testdata/onelabel) is measured the same way:
// the floor any Fyne app starts from here.
func BenchmarkGUIStartAndIdleRSS(b *testing.B) {
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed (make deps)", tool)
		}
	}
	pidgin, _ := exec.LookPath("pidgin")
	bin := buildClove(b)
	floor := filepath.Join(b.TempDir(), "onelabel")
	if out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", floor, "./testdata/onelabel").CombinedOutput(); err != nil {
		b.Fatalf("go build onelabel: %v\n%s", err, out)
	}
	display := startXvfb(b)
	profile := filepath.Join(b.TempDir(), "profile")
	fillProfile(b, profile, 1000, 10000)

	rounds := 2
	if n, err := strconv.Atoi(os.Getenv("CLOVE_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	var clove, pidg, one []appRun
	cfg := b.TempDir()
	fillPidgin(b, cfg, 1000)
	type app struct {
		title string
		args  []string
		runs  *[]appRun
	}
	apps := []app{{"Clove", []string{bin, "--profile", profile}, &clove}, {"one label", []string{floor}, &one}}
	if pidgin != "" {
		apps = append(apps, app{"Pidgin", []string{pidgin, "--config=" + cfg}, &pidg})
	}
	// Round 0 is a warm-up, not counted: each app's first start on its
	// profile does one-off work (Pidgin's took 5.2-5.6 s with an account,
	// then 0.1 s), as Mesa's shader cache does for the first GL app.
	for r := 0; r <= rounds; r++ {
		for _, a := range apps {
			run := measureApp(b, display, a.title, exec.Command(a.args[0], a.args[1:]...))
			if r > 0 {
				*a.runs = append(*a.runs, run)
			}
		}
	}
	starts := func(rs []appRun) time.Duration {
		var ds []time.Duration
		for _, r := range rs {
			ds = append(ds, r.start)
		}
		return p50(ds)
	}
	mib := func(rs []appRun, f func(appRun) float64) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, f(r))
		}
		return median(xs)
	}
	rss := func(r appRun) float64 { return r.rss }
	anon := func(r appRun) float64 { return r.anon }
	llvm := func(r appRun) float64 { return r.llvm }
	if pidgin == "" {
		fmt.Printf("\n(pidgin is not installed: apt-get install pidgin for the comparison)\n")
		fmt.Printf("%-44s %8.0fms %7.0fMiB\n", "Clove: start to window, RSS after 10 s", ms(starts(clove)), mib(clove, rss))
		fmt.Printf("%-44s %8.0fms %7.0fMiB\n", "one-label Fyne window (the floor)", ms(starts(one)), mib(one, rss))
		return
	}
	fmt.Printf("\n%-44s %10s %10s %7s %10s %7s %s\n", fmt.Sprintf("window under Xvfb (median of %d)", rounds), "Pidgin", "Clove", "ratio", "one label", "ratio", "goal (Clove)")
	ps, cs, fs := starts(pidg), starts(clove), starts(one)
	fmt.Printf("%-44s %8.0fms %8.0fms %6.2fx %8.0fms %6.2fx %s\n", "start to first window mapped", ms(ps), ms(cs), float64(cs)/float64(ps), ms(fs), float64(fs)/float64(ps), "≤ 1.0x")
	for _, row := range []struct {
		name, goal string
		f          func(appRun) float64
	}{{"RSS after 10 s idle", "≤ 1.0x", rss}, {"  of which anonymous (RssAnon)", "", anon}, {"  of which libLLVM (Mesa's llvmpipe)", "", llvm}} {
		p, c, o := mib(pidg, row.f), mib(clove, row.f), mib(one, row.f)
		ratio := func(x float64) string {
			if p == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2fx", x/p)
		}
		fmt.Printf("%-44s %7.0fMiB %7.0fMiB %7s %7.0fMiB %7s %s\n", row.name, p, c, ratio(c), o, ratio(o), row.goal)
	}
	fmt.Printf("(one label: the smallest Fyne window, the size of Clove's — what GLFW, OpenGL on Mesa and fonts cost any Fyne app)\n")
	b.ReportMetric(float64(cs)/float64(ps), "start-ratio")
	b.ReportMetric(mib(clove, rss)/mib(pidg, rss), "rss-ratio")
}

// measureApp starts cmd on display and measures it (see appRun): title
// "Pidgin" finds Pidgin's window by its class, others by the process.
func measureApp(tb testing.TB, display, title string, cmd *exec.Cmd) appRun {
	tb.Helper()
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "CLOVE_PASSWORD=bench-pw", "DBUS_SESSION_BUS_ADDRESS=", "LANG=C.UTF-8")
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// Polled every 10 ms: xdotool's own --sync waits in 0.5 s steps, which
	// made every start 0.6 or 1.1 s.
	search := []string{"search", "--onlyvisible", "--pid", strconv.Itoa(cmd.Process.Pid)}
	if title == "Pidgin" {
		search = []string{"search", "--onlyvisible", "--class", "Pidgin"}
	}
	var start time.Duration
	for deadline := t0.Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		x := exec.Command("xdotool", search...)
		x.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := x.Output(); err == nil && len(strings.Fields(string(out))) > 0 {
			start = time.Since(t0)
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: no window appeared within 60 s", title)
		}
	}
	time.Sleep(10 * time.Second)
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		tb.Fatal(err)
	}
	sm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", cmd.Process.Pid))
	return appRun{start, kbField(st, "VmRSS:") / 1024, kbField(st, "RssAnon:") / 1024, mappedRSS(sm, "libLLVM") / 1024}
}

// appRun is one start of a GUI app: time to its first window, and after
// 10 s idle its RSS, the anonymous part, and what libLLVM (loaded by
// Mesa's llvmpipe for OpenGL without a GPU) holds of it, in MiB.
type appRun struct {
	start           time.Duration
	rss, anon, llvm float64
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

// fillPidgin gives a Pidgin configuration directory what fillProfile gives
// Clove's profile: an XMPP account whose server is unreachable (the same
// address), with contacts buddies in its list (loaded at start: 10 MiB
// more RSS than an empty list), offline ones shown — though Pidgin lists no
// buddy of an account that is not connected, where Clove lists every
// contact. Pidgin keeps its logs on disk and reads none at start, so
// messages are left out.
func fillPidgin(tb testing.TB, dir string, contacts int) {
	tb.Helper()
	const acct = "alice@bench.invalid/clove"
	files := map[string]string{
		"accounts.xml": `<?xml version='1.0' encoding='UTF-8' ?>
<account version='1.0'><account>
 <protocol>prpl-jabber</protocol><name>` + acct + `</name><password>bench-pw</password>
 <settings><setting name='connect_server' type='string'>127.0.0.1</setting><setting name='port' type='int'>1</setting></settings>
 <settings ui='gtk-gaim'><setting name='auto-login' type='bool'>1</setting></settings>
</account></account>
`,
		"prefs.xml": `<?xml version='1.0' encoding='UTF-8' ?>
<pref version='1' name='/'><pref name='pidgin'><pref name='blist'>
 <pref name='show_offline_buddies' type='bool' value='1'/>
</pref></pref></pref>
`,
	}
	var bl strings.Builder
	bl.WriteString("<?xml version='1.0' encoding='UTF-8' ?>\n<purple version='1.0'><blist><group name='Buddies'>\n")
	for i := 0; i < contacts; i++ {
		fmt.Fprintf(&bl, "<contact><buddy account='%s' proto='prpl-jabber'><name>friend%04d@bench.invalid</name><alias>Friend %d</alias></buddy></contact>\n", acct, i, i)
	}
	bl.WriteString("</group></blist><privacy/></purple>\n")
	files["blist.xml"] = bl.String()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// fillProfile writes an account (server unreachable) with contacts
// roster entries and messages spread over them.
func fillProfile(tb testing.TB, profile string, contacts, messages int) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(profile, "clove.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	me := "alice@bench.invalid"
	if err := st.AddAccount(ctx, store.Account{JID: me, Server: "127.0.0.1:1"}); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < contacts; i++ {
		if err := st.PutContact(ctx, store.Contact{Account: me, JID: fmt.Sprintf("friend%04d@bench.invalid", i), Name: fmt.Sprintf("Friend %d", i), Subscription: "both"}); err != nil {
			tb.Fatal(err)
		}
	}
	const batch = 1000
	t0 := time.Now().Add(-time.Duration(messages) * time.Minute)
	for i := 0; i < messages; i += batch {
		var ms []*store.Message
		for j := i; j < min(i+batch, messages); j++ {
			peer := fmt.Sprintf("friend%04d@bench.invalid", j%contacts)
			ms = append(ms, &store.Message{Account: me, Peer: peer, From: peer, To: me, Body: fmt.Sprintf("message number %d, some words to index", j),
				OriginID: fmt.Sprintf("bench-%d", j), Time: t0.Add(time.Duration(j) * time.Minute), State: store.Received})
		}
		if _, err := st.AddIncomingBatch(ctx, ms); err != nil {
			tb.Fatal(err)
		}
	}
}
