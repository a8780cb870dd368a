package xmppclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/xmpptest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// A server that sends one huge stanza after login: a stanza under the
// limit arrives whole; one over it ends the session with one clear reason
// as soon as the limit is passed (the client never holds more), what came
// before it is delivered, and the client reconnects. The client's peak heap
// stays flat whatever the size (it was 813 MiB for 100 MB).
func TestStanzaSizeLimit(t *testing.T) {
	const bob = "bob@example.test/x"
	cases := []struct {
		size    int64
		refused bool
	}{
		{1_000_000, false}, // under 1 MiB: delivered
		{10_000_000, true},
		{100_000_000, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dMB", tc.size/1_000_000), func(t *testing.T) {
			done := make(chan struct{})
			defer close(done)
			srv := xmpptest.Start(t, "example.test", func(s *xmpptest.Stream) {
				if s.Login == 1 {
					_ = s.SendMessage(bob, "before", "before")
					if err := s.SendStanzaOfSize(bob, "big", tc.size); err != nil {
						return // refused: the client hung up
					}
					_ = s.SendMessage(bob, "after", "after")
				} else {
					_ = s.SendMessage(bob, "again", "again")
				}
				<-done
			})
			var logs lockedBuf
			c, err := xmppclient.New(xmppclient.Config{
				JID:      jid.MustParse("alice@example.test"),
				Password: "pw",
				Dial: func(ctx context.Context) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, "tcp", srv.Addr)
				},
				BackoffMin: 50 * time.Millisecond,
				BackoffMax: 100 * time.Millisecond,
				Passive:    true,
				Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			base := heapNow()
			peak := watchHeap()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ran := make(chan error, 1)
			go func() { ran <- c.Run(ctx) }()

			var got []string
			var refusals []error
			want := "before,big,after"
			if tc.refused {
				want = "before,again"
			}
			for strings.Join(got, ",") != want {
				select {
				case ev := <-c.Events():
					switch ev := ev.(type) {
					case xmppclient.MessageReceived:
						got = append(got, ev.ID)
						if ev.ID == "big" && int64(len(ev.Body)) < tc.size-200 {
							t.Errorf("big body %d bytes", len(ev.Body))
						}
					case xmppclient.StateChanged:
						if ev.Err != nil {
							refusals = append(refusals, ev.Err)
						}
					case xmppclient.ErrorEvent:
						refusals = append(refusals, ev.Err) // said twice
					}
				case <-ctx.Done():
					t.Fatalf("got messages %v, errors %v; want %s", got, refusals, want)
				}
			}
			heapPeak := peak()
			cancel()
			for range c.Events() {
			}
			<-ran
			grew := float64(heapPeak-base) / (1 << 20)
			t.Logf("%d MB stanza: peak heap %.1f MiB above the start (%.1f MiB), VmHWM of the test process %s; errors %v",
				tc.size/1_000_000, grew, float64(heapPeak)/(1<<20), vmHWM(), refusals)
			if !tc.refused {
				if len(refusals) != 0 {
					t.Errorf("errors for a stanza under the limit: %v", refusals)
				}
				return
			}
			var tl *xmppclient.StanzaTooLargeError
			if len(refusals) != 1 || !errors.As(refusals[0], &tl) ||
				refusals[0].Error() != "the server sent a stanza of more than 1 MiB; disconnected" {
				t.Errorf("errors %v, want one: the server sent a stanza of more than 1 MiB; disconnected", refusals)
			}
			if n := strings.Count(logs.String(), "stanza of more than"); n != 1 {
				t.Errorf("the refusal is logged %d times:\n%s", n, logs.String())
			}
			// The bound is on memory, not time: a few copies of the 1 MiB
			// the decoder may hold, far below the stanza's size.
			if grew > 48 {
				t.Errorf("peak heap grew by %.1f MiB for a refused %d MB stanza", grew, tc.size/1_000_000)
			}
		})
	}
}

// heapNow is the heap's live and not yet collected objects, in bytes.
func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// watchHeap samples the heap every millisecond until the returned function
// is called, which gives the highest reading.
func watchHeap() func() uint64 {
	stop := make(chan struct{})
	res := make(chan uint64)
	go func() {
		var top uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			top = max(top, heapNow())
			select {
			case <-stop:
				res <- top
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-res }
}

func vmHWM() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.Join(strings.Fields(l)[1:], " ")
		}
	}
	return "?"
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
