package chat

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/omemo"
	"github.com/clove-xmpp/clove/omemo/device"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// BenchmarkOMEMOSideBySide (make bench; issue 18): against one prosody,
// alice sends 5,000 messages to bob, who has two devices online, in
// plaintext and OMEMO-encrypted, alternating rounds; it prints the send
// throughput of each (until the server acked the last), the ratio (goal:
// encrypted ≥ 0.8× plaintext), the first message to new devices (device
// lists, bundles, X3DH) and what bob's device takes to receive them
// (decrypt and store).
func BenchmarkOMEMOSideBySide(b *testing.B) {
	if err := prosodytest.Available(); err != nil {
		b.Skipf("prosody not installed: %v", err)
	}
	srv := prosodytest.Start(b, prosodytest.WithPEP(), prosodytest.LogLevel("info"))
	srv.CreateUser(b, "alice", "alice-pw")
	srv.CreateUser(b, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ap, aa := testAccount(b, srv, "alice")
	bob := jid.MustParse("bob@" + srv.Domain)

	// Bob's two devices publish themselves and take alice's first message
	// (device list, two bundles, two X3DH), each answering its pre-key
	// message as the deployed clients do, which confirms alice's sessions:
	// from then on her messages are normal OMEMO messages, not pre-key
	// messages (each twice as big), as in any conversation after its first
	// exchange. Then they stay online without decrypting (Plain), counting
	// what they receive: on these 2 cores their decryption would slow
	// alice's sending, which is what is measured (on a real network they
	// are other machines). What a device takes to decrypt is measured after,
	// with one device.
	var got [2]atomic.Int64
	var last [2]atomic.Int64 // unix ns of the latest message received
	type bobDevice struct {
		p *Profile
		a store.Account
		r *running
	}
	var bobs [2]bobDevice
	count := func(i int, r *running) {
		for ev := range r.events {
			if m, ok := ev.(xmppclient.MessageReceived); ok && !m.Outgoing {
				got[i].Add(1)
				last[i].Store(time.Now().UnixNano())
			}
		}
	}
	var bobDevs [2]uint32
	for i := range 2 {
		p, a := testAccount(b, srv, "bob")
		r := startRunning(b, ctx, p, a, "bob-pw", Options{})
		bobDevs[i] = r.ready(b)
		bobs[i] = bobDevice{p, a, r}
	}

	first := startRunning(b, ctx, ap, aa, "alice-pw", Options{})
	first.ready(b)
	t0 := time.Now()
	if _, err := first.s.Send(ctx, bob, "hello, first"); err != nil {
		b.Fatal(err)
	}
	first.wait(b, "the first message encrypted", func(ev xmppclient.Event) bool {
		_, ok := ev.(xmppclient.MessageEncrypted)
		return ok
	})
	firstTook := time.Since(t0)
	for i := range 2 {
		bobs[i].r.message(b, "hello, first")
	}
	acc, err := device.Open(ctx, ap.Store(), aa.JID)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 2 {
		addr := omemo.Address{JID: bob.String(), Device: bobDevs[i]}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			pending, err := acc.Unconfirmed(ctx, addr)
			if err != nil {
				b.Fatal(err)
			}
			if !pending {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("alice's session with bob's device %d unconfirmed 30 s after he got her pre-key message", bobDevs[i])
			}
		}
	}
	first.close()
	for i := range 2 {
		bobs[i].r.close()
		bobs[i].r = startRunning(b, ctx, bobs[i].p, bobs[i].a, "bob-pw", Options{Plain: true})
		go count(i, bobs[i].r)
	}
	waitGot := func(n int64) {
		deadline := time.Now().Add(5 * time.Minute)
		for got[0].Load() < n || got[1].Load() < n {
			if time.Now().After(deadline) {
				b.Fatalf("bob's devices received %d and %d of %d", got[0].Load(), got[1].Load(), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	const msgs, rounds = 5000, 5
	texts := make([]string, msgs)
	for i := range texts {
		texts[i] = fmt.Sprintf("message %d of the benchmark: a sentence of ordinary length", i)
	}
	// send runs one session of alice (plain or not) that sends all texts
	// and returns the time until the server acked the last, and the time
	// until both of bob's devices had the last.
	// CPU while sending (until the last ack), prosody's and this process's
	// (alice and bob's two devices), by plain.
	cpu := map[bool][][2]time.Duration{}
	send := func(plain bool) (sent, received time.Duration) {
		r := startRunning(b, ctx, ap, aa, "alice-pw", Options{Plain: plain})
		defer r.close()
		r.wait(b, "online", func(ev xmppclient.Event) bool {
			sc, ok := ev.(xmppclient.StateChanged)
			return ok && sc.State == xmppclient.Online
		})
		base := got[0].Load()
		stopProfile := profileRound(b, plain)
		defer stopProfile()
		srvCPU0, ownCPU0 := srv.CPUTime(), selfCPU()
		t0 := time.Now()
		ids, err := r.s.SendMany(ctx, bob, texts)
		if err != nil {
			b.Fatal(err)
		}
		waiting := make(map[string]bool, len(ids))
		for _, id := range ids {
			waiting[id] = true
		}
		encrypted := 0
		deadline := time.After(10 * time.Minute)
		for len(waiting) > 0 {
			select {
			case ev, ok := <-r.events:
				if !ok {
					b.Fatal("alice's session ended")
				}
				switch e := ev.(type) {
				case xmppclient.MessageAcked:
					delete(waiting, e.ID)
				case xmppclient.MessageEncrypted:
					encrypted += len(e.IDs)
				case xmppclient.MessageFailed:
					b.Fatalf("message failed: %v", e.Error())
				}
			case <-deadline:
				b.Fatalf("%d of %d not acked in 10 minutes", len(waiting), msgs)
			}
		}
		sent = time.Since(t0)
		stopProfile()
		cpu[plain] = append(cpu[plain], [2]time.Duration{srv.CPUTime() - srvCPU0, selfCPU() - ownCPU0})
		if want := map[bool]int{true: 0, false: msgs}[plain]; encrypted != want {
			b.Fatalf("plain=%v: %d messages encrypted, want %d", plain, encrypted, want)
		}
		waitGot(base + msgs)
		end := max(last[0].Load(), last[1].Load())
		return sent, time.Unix(0, end).Sub(t0)
	}
	var plainSent, encSent, plainRecv, encRecv []time.Duration
	for range rounds {
		s, r := send(true)
		plainSent, plainRecv = append(plainSent, s), append(plainRecv, r)
		s, r = send(false)
		encSent, encRecv = append(encSent, s), append(encRecv, r)
	}
	// A device's receiving cost: bob's first device alone decrypting.
	bobs[0].r.close()
	decrypting := startRunning(b, ctx, bobs[0].p, bobs[0].a, "bob-pw", Options{})
	go count(0, decrypting)
	decrypting.ready(b)
	_, encRecvOne := send(false)
	med := func(ds []time.Duration) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)/2]
	}
	rate := func(d time.Duration) float64 { return msgs / d.Seconds() }
	ps, es, pr, er := med(plainSent), med(encSent), med(plainRecv), med(encRecv)
	fmt.Printf("\nOMEMO side by side (one prosody; bob has 2 devices online; median of %d alternating rounds of %d messages)\n", rounds, msgs)
	fmt.Printf("%-44s %12s %12s %7s %s\n", "", "plaintext", "OMEMO", "ratio", "goal")
	fmt.Printf("%-44s %10.0f/s %10.0f/s %6.2fx %s\n", "send throughput (until the server acked all)", rate(ps), rate(es), rate(es)/rate(ps), "≥ 0.8x")
	fmt.Printf("%-44s %10.0f/s %10.0f/s %6.2fx\n", "until both of bob's devices had all", rate(pr), rate(er), rate(er)/rate(pr))
	fmt.Printf("%-44s %10.0f/s (receive, decrypt, store; one of bob's devices decrypting)\n", "OMEMO until bob's device stored all", rate(encRecvOne))
	fmt.Printf("%-44s %10.1fms (device list, 2 bundles, 2 X3DH, encrypt, send)\n", "first message to 2 new devices", float64(firstTook.Microseconds())/1000)
	perMsg := func(plain bool, i int) float64 {
		ds := make([]time.Duration, 0, rounds)
		for _, c := range cpu[plain][:rounds] {
			ds = append(ds, c[i])
		}
		return float64(med(ds).Microseconds()) / msgs
	}
	fmt.Printf("%-44s %10.0fµs %10.0fµs %6.2fx\n", "prosody CPU per message while sending", perMsg(true, 0), perMsg(false, 0), perMsg(false, 0)/perMsg(true, 0))
	fmt.Printf("%-44s %10.0fµs %10.0fµs %6.2fx\n", "client CPU per message (alice + bob's 2)", perMsg(true, 1), perMsg(false, 1), perMsg(false, 1)/perMsg(true, 1))
	fmt.Printf("rounds: plaintext sent %v, OMEMO sent %v\n", plainSent, encSent)
	b.ReportMetric(rate(es)/rate(ps), "omemo/plain")
}

// profileRound writes a CPU profile of one sending round (this process:
// alice and bob's devices) when CLOVE_BENCH_CPUPROFILE=PREFIX is set, to
// PREFIX.plain.N or PREFIX.omemo.N: `go tool pprof chat.test PREFIX.omemo.*`
// merges a mode's rounds, to see what encryption costs the clients. The
// returned stop may be called more than once.
func profileRound(b *testing.B, plain bool) (stop func()) {
	prefix := os.Getenv("CLOVE_BENCH_CPUPROFILE")
	if prefix == "" {
		return func() {}
	}
	mode := map[bool]string{true: "plain", false: "omemo"}[plain]
	name, _ := filepath.Glob(prefix + "." + mode + ".*")
	f, err := os.Create(fmt.Sprintf("%s.%s.%d", prefix, mode, len(name)))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatalf("CLOVE_BENCH_CPUPROFILE: %v (not with -cpuprofile)", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
