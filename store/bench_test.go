package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Benchmarks. Run with
//
//	go test -tags sqlite_fts5 -run='^$' -bench=. ./store/
//
// The big fixtures are built once (one transaction per 100k rows, a prepared
// statement, synchronous=OFF while building) and cached in os.TempDir() under
// a name holding SchemaVersion(), so later runs reuse them and a schema change
// rebuilds them. Building is bounded by fixtureBudget; past it the benchmark
// is skipped rather than left running.

const fixtureBudget = 8 * time.Minute

const benchPeer = "friend@example.org"

// textGen makes deterministic, varied chat text: a vocabulary of common
// English words followed by ~30,000 invented words, drawn with a Zipf
// distribution so that a few words are very common and most are rare, as in
// real chat.
type textGen struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

var commonWords = strings.Fields(`you i the to a and it is that what in me my
	of have so not for be this just do no are was on lol ok yes can know but with
	like get we your if at all good too there how now will its im dont think see
	go time about one out want up then here going why when really well love haha
	thanks tomorrow today night work home later maybe sure call tell need back
	right come got been did would could should message meeting coffee weekend`)

func newTextGen(seed uint64) *textGen {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cons := []string{"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "st", "ch", "sh", "tr", "gl"}
	vows := []string{"a", "e", "i", "o", "u", "ai", "ea", "ou", "é", "ü"}
	seen := map[string]bool{}
	vocab := append([]string(nil), commonWords...)
	for _, w := range vocab {
		seen[w] = true
	}
	for len(vocab) < 30000 {
		var sb strings.Builder
		for range 1 + rng.IntN(4) {
			sb.WriteString(cons[rng.IntN(len(cons))])
			sb.WriteString(vows[rng.IntN(len(vows))])
		}
		if rng.IntN(3) == 0 {
			sb.WriteString(cons[rng.IntN(len(cons))])
		}
		if w := sb.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	return &textGen{rng: rng, zipf: rand.NewZipf(rng, 1.07, 2, uint64(len(vocab)-1)), vocab: vocab}
}

// body returns a message of 1..24 words with some capitals and punctuation.
func (g *textGen) body() string {
	n := 1 + g.rng.IntN(12) + g.rng.IntN(13)
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(' ')
		}
		w := g.vocab[g.zipf.Uint64()]
		if i == 0 && g.rng.IntN(2) == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		sb.WriteString(w)
		if g.rng.IntN(10) == 0 {
			sb.WriteString([]string{",", ".", "!", "?", " :)"}[g.rng.IntN(5)])
		}
	}
	return sb.String()
}

// fixture returns the path of a cached database holding n messages of
// account me: the first `chat` of every 5 go to benchPeer when chat is set,
// the rest are spread over 200 peers. It builds it when missing.
func fixture(b *testing.B, name string, n int, oneChat bool) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("clove-store-bench-%s-%s.db", SchemaVersion(), name))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	// Fixtures of older schemas are of no further use.
	stale, _ := filepath.Glob(filepath.Join(os.TempDir(), "clove-store-bench-*-"+name+".db"))
	for _, f := range stale {
		b.Logf("removing stale fixture %s", f)
		os.Remove(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fixtureBudget)
	defer cancel()
	start := time.Now()
	tmp := fmt.Sprintf("%s.building-%d", path, os.Getpid())
	if err := buildFixture(ctx, tmp, n, oneChat); err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			b.Skipf("building the %s fixture took over %v", name, fixtureBudget)
		}
		b.Fatalf("building the %s fixture: %v", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	b.Logf("built %s (%d messages, %.0f MiB) in %v", path, n, float64(fi.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return path
}

func buildFixture(ctx context.Context, path string, n int, oneChat bool) error {
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.AddAccount(ctx, Account{JID: me}); err != nil {
		return err
	}
	// The builder's connection is closed afterwards: these settings die with it.
	for _, p := range []string{"PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"} {
		if _, err := s.w.ExecContext(ctx, p); err != nil {
			return err
		}
	}
	gen := newTextGen(42)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 100000
	for lo := 0; lo < n; lo += chunk {
		if err := func() error {
			tx, err := s.w.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages
				(account, peer, outgoing, from_jid, to_jid, body, origin_id, stanza_id, archive_id, time, state)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i := lo; i < min(lo+chunk, n); i++ {
				peer := fmt.Sprintf("peer%d@example.org", gen.rng.IntN(200))
				if oneChat && i%5 != 4 {
					peer = benchPeer
				}
				outgoing := gen.rng.IntN(2) == 0
				from, to, state := peer+"/phone", me+"/clove", Received
				if outgoing {
					from, to, state = to, from, Delivered
				}
				h := gen.rng.Uint64()
				if _, err := stmt.ExecContext(ctx, me, peer, outgoing, from, to, gen.body(),
					fmt.Sprintf("%016x", h), nil, fmt.Sprintf("%016x", h^0x5555), t0.Add(time.Duration(i)*time.Minute).UnixNano(), string(state)); err != nil {
					return err
				}
			}
			return tx.Commit()
		}(); err != nil {
			return err
		}
	}
	// Index everything at once, as the writer would have done over time.
	for _, q := range []string{"INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')", "DELETE FROM fts_pending", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkOpenNewest50Of100k: open a chat of 100,000 messages (plus 25,000
// with other peers) and fetch the newest 50. Goal < 50 ms.
func BenchmarkOpenNewest50Of100k(b *testing.B) {
	path := fixture(b, "chat100k", 125000, true)
	ctx := context.Background()
	b.Run("History", func(b *testing.B) {
		s := openStore(b, path)
		if n := count(b, s, "messages", "peer = ?", benchPeer); n != 100000 {
			b.Fatalf("fixture has %d messages in the chat", n)
		}
		for b.Loop() {
			h, err := s.History(ctx, me, benchPeer, 0, 50)
			if err != nil || len(h) != 50 {
				b.Fatalf("History = %d, %v", len(h), err)
			}
		}
		reportMS(b)
	})
	b.Run("HistoryPageBack", func(b *testing.B) {
		// a page from the middle of the chat
		s := openStore(b, path)
		for b.Loop() {
			h, err := s.History(ctx, me, benchPeer, 60000, 50)
			if err != nil || len(h) != 50 {
				b.Fatalf("History = %d, %v", len(h), err)
			}
		}
		reportMS(b)
	})
	b.Run("OpenAndHistory", func(b *testing.B) {
		// cold path: Open (schema check, pools), History, Close
		for b.Loop() {
			s, err := Open(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			if h, err := s.History(ctx, me, benchPeer, 0, 50); err != nil || len(h) != 50 {
				b.Fatalf("History = %d, %v", len(h), err)
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
		}
		reportMS(b)
	})
}

// BenchmarkLastMessages: the newest message of each chat, for the chat
// list's previews, in the 125,000-message profile (201 chats, one of
// 100,000 messages).
func BenchmarkLastMessages(b *testing.B) {
	path := fixture(b, "chat100k", 125000, true)
	ctx := context.Background()
	s := openStore(b, path)
	for b.Loop() {
		ms, err := s.LastMessages(ctx, me)
		if err != nil || len(ms) != 201 {
			b.Fatalf("LastMessages = %d, %v", len(ms), err)
		}
	}
	reportMS(b)
}

// BenchmarkSearch1M: full-text search over 1,000,000 messages, 50 newest
// hits. Goal < 100 ms.
func BenchmarkSearch1M(b *testing.B) {
	path := fixture(b, "search1m", 1000000, false)
	s := openStore(b, path)
	ctx := context.Background()
	g := newTextGen(42)
	rare, rarest := g.vocab[20000], g.vocab[len(g.vocab)-1]
	b.Logf("sample bodies: %q | %q | %q", g.body(), g.body(), g.body())
	for _, tc := range []struct{ name, with, query string }{
		{"common word", "", "you"},
		{"two common words", "", "you know"},
		{"common+rare word", "", "you " + rare},
		{"rare word", "", rare},
		{"rarest word", "", rarest},
		{"no match", "", "zzzqqq"},
		{"prefix 1 char", "", "b"},
		{"prefix 2 chars", "", "br"},
		{"prefix 4 chars", "", string([]rune(rare)[:min(4, len([]rune(rare)))])},
		{"one chat, common word", "peer7@example.org", "you"},
		{"one chat, rare word", "peer7@example.org", rare},
		{"hostile", "", `NEAR(" you* AND "`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var hits int
			for b.Loop() {
				res, err := s.Search(ctx, me, tc.with, tc.query, 50)
				if err != nil {
					b.Fatal(err)
				}
				hits = len(res)
			}
			b.ReportMetric(float64(hits), "hits")
			reportMS(b)
		})
	}
}

// BenchmarkAddOutgoing: cost per message written before sending. The network
// side does ~19,000 msg/s (baselines.md).
func BenchmarkAddOutgoing(b *testing.B) {
	ctx := context.Background()
	bodies := benchBodies()
	b.Run("serial", func(b *testing.B) {
		s := newStoreWith(b, me)
		i := 0
		for b.Loop() {
			if err := s.AddOutgoing(ctx, out(me, benchPeer, bodies[i%len(bodies)])); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportRate(b)
	})
	b.Run("serial+MarkSent", func(b *testing.B) {
		// the full life of a sent message: write, then the server's ack
		s := newStoreWith(b, me)
		i := 0
		for b.Loop() {
			m := out(me, benchPeer, bodies[i%len(bodies)])
			if err := s.AddOutgoing(ctx, m); err != nil {
				b.Fatal(err)
			}
			if err := s.MarkSent(ctx, me, m.OriginID); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportRate(b)
	})
	b.Run("serial,synchronous=NORMAL", func(b *testing.B) {
		// for comparison only: what FULL costs
		s := newStoreWith(b, me)
		if _, err := s.w.Exec("PRAGMA synchronous = NORMAL"); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			if err := s.AddOutgoing(ctx, out(me, benchPeer, bodies[i%len(bodies)])); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportRate(b)
	})
	b.Run("batch50", func(b *testing.B) {
		// AddOutgoingBatch, 50 messages a transaction
		s := newStoreWith(b, me)
		i := 0
		for b.Loop() {
			ms := make([]*Message, 50)
			for j := range ms {
				ms[j] = out(me, benchPeer, bodies[i%len(bodies)])
				i++
			}
			if err := s.AddOutgoingBatch(ctx, ms); err != nil {
				b.Fatal(err)
			}
		}
		reportPerMessage(b, 50)
	})
	b.Run("batch500+MarkSentBatch", func(b *testing.B) {
		// the full life of a burst, as Client.SendMany and the server's
		// stream-management acks drive it: one transaction writes 500,
		// one marks them sent
		s := newStoreWith(b, me)
		cpu := cpuMeter()
		i := 0
		for b.Loop() {
			ms := make([]*Message, 500)
			for j := range ms {
				ms[j] = out(me, benchPeer, bodies[i%len(bodies)])
				i++
			}
			if err := s.AddOutgoingBatch(ctx, ms); err != nil {
				b.Fatal(err)
			}
			ids := make([]string, len(ms))
			for j, m := range ms {
				ids[j] = m.OriginID
			}
			if err := s.MarkSentBatch(ctx, me, ids); err != nil {
				b.Fatal(err)
			}
		}
		reportPerMessage(b, 500)
		cpu(b, 500)
	})
	b.Run("parallel16", func(b *testing.B) {
		// 16 concurrent callers share commits (group commit)
		s := newStoreWith(b, me)
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if err := s.AddOutgoing(ctx, out(me, benchPeer, bodies[i%len(bodies)])); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		reportRate(b)
	})
}

// BenchmarkAddIncoming: cost per received message, new and duplicate.
func BenchmarkAddIncoming(b *testing.B) {
	ctx := context.Background()
	bodies := benchBodies()
	b.Run("new", func(b *testing.B) {
		s := newStoreWith(b, me)
		i := 0
		for b.Loop() {
			m := in(me, benchPeer, bodies[i%len(bodies)])
			m.OriginID, m.ArchiveID = fmt.Sprint("o", i), fmt.Sprint("a", i)
			if ins, err := s.AddIncoming(ctx, m); err != nil || !ins {
				b.Fatal(ins, err)
			}
			i++
		}
		reportRate(b)
	})
	b.Run("duplicate", func(b *testing.B) {
		// a MAM replay of messages already stored
		s := newStoreWith(b, me)
		const stored = 1000
		for i := range stored {
			m := in(me, benchPeer, bodies[i%len(bodies)])
			m.OriginID, m.ArchiveID = fmt.Sprint("o", i), fmt.Sprint("a", i)
			if _, err := s.AddIncoming(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			m := in(me, benchPeer, bodies[i%len(bodies)])
			m.OriginID, m.ArchiveID = fmt.Sprint("o", i%stored), fmt.Sprint("a", i%stored)
			if ins, err := s.AddIncoming(ctx, m); err != nil || ins {
				b.Fatal(ins, err)
			}
			i++
		}
		reportRate(b)
	})
	b.Run("batch50", func(b *testing.B) {
		// a MAM page: AddIncomingBatch, 50 messages a transaction
		s := newStoreWith(b, me)
		i := 0
		for b.Loop() {
			ms := make([]*Message, 50)
			for j := range ms {
				ms[j] = in(me, benchPeer, bodies[i%len(bodies)])
				ms[j].OriginID, ms[j].ArchiveID = fmt.Sprint("o", i), fmt.Sprint("a", i)
				i++
			}
			if _, err := s.AddIncomingBatch(ctx, ms); err != nil {
				b.Fatal(err)
			}
		}
		reportPerMessage(b, 50)
	})
	b.Run("parallel16", func(b *testing.B) {
		s := newStoreWith(b, me)
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				m := in(me, benchPeer, bodies[i%len(bodies)])
				if _, err := s.AddIncoming(ctx, m); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		reportRate(b)
	})
}

func benchBodies() []string {
	g := newTextGen(7)
	out := make([]string, 1000)
	for i := range out {
		out[i] = g.body()
	}
	return out
}

// reportMS adds ms/op next to ns/op.
func reportMS(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/op")
	}
}

// reportPerMessage reports for a benchmark whose op writes n messages.
func reportPerMessage(b *testing.B, n int) {
	if s := b.Elapsed().Seconds(); s > 0 && b.N > 0 {
		b.ReportMetric(float64(b.N*n)/s, "msg/s")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
	}
}

// cpuMeter starts counting this process's CPU time; the function it
// returns reports it per message for a benchmark whose op writes n
// messages. On 2 cores next to a busy server, CPU time is the figure that
// matters (and it is steadier than elapsed time, which waits on fsync).
func cpuMeter() func(b *testing.B, n int) {
	now := func() time.Duration {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	t0 := now()
	return func(b *testing.B, n int) {
		if b.N > 0 {
			b.ReportMetric(float64((now()-t0).Microseconds())/float64(b.N*n), "cpu-µs/msg")
		}
	}
}

// reportRate adds messages per second.
func reportRate(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "msg/s")
	}
}

// BenchmarkDeleteChat: delete one chat's history from a profile of
// 125,000 messages (secure delete, the index merged, the file rebuilt,
// the WAL truncated): a chat of ~125 messages among 200, and the chat of
// 100,000. Each round works on a fresh copy of the fixture (not timed).
func BenchmarkDeleteChat(b *testing.B) {
	src := fixture(b, "chat100k", 125000, true)
	ctx := context.Background()
	for _, tc := range []struct{ name, peer string }{
		{"small chat", "peer7@example.org"},
		{"chat of 100k", benchPeer},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var deleted int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "clove.db")
				data, err := os.ReadFile(src)
				if err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(path, data, 0o600); err != nil {
					b.Fatal(err)
				}
				s, err := Open(ctx, path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if deleted, err = s.DeleteChat(ctx, me, tc.peer); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(deleted), "deleted")
			reportMS(b)
		})
	}
}
