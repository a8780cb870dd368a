package xmppclient

import (
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// writes records what reaches the wire, one entry per write.
type writes struct {
	net.Conn
	mu  sync.Mutex
	got []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, string(p))
	return len(p), nil
}

func (w *writes) Close() error { return nil }

func (w *writes) seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

func TestAckConnSendsTheAnswerWithTheNextWrite(t *testing.T) {
	w := &writes{}
	a := &ackConn{Conn: w}
	for _, step := range []struct {
		hold  bool
		write string
		want  []string
	}{
		{false, "<iq/>", []string{"<iq/>"}},                                  // nothing held: straight through
		{true, "<a h='1'/>", []string{"<iq/>"}},                              // held
		{false, "<iq id='2'/>", []string{"<iq/>", "<a h='1'/><iq id='2'/>"}}, // one write for both
		{false, "<message/>", []string{"<iq/>", "<a h='1'/><iq id='2'/>", "<message/>"}},
	} {
		if step.hold {
			a.holdNext()
		}
		if n, err := a.Write([]byte(step.write)); err != nil || n != len(step.write) {
			t.Fatalf("Write(%q) = %d, %v", step.write, n, err)
		}
		if got := w.seen(); !slices.Equal(got, step.want) {
			t.Fatalf("after %q the wire has %q, want %q", step.write, got, step.want)
		}
	}
	// Nothing follows: the answer goes alone after ackHold.
	a.holdNext()
	t0 := time.Now()
	a.Write([]byte("<a h='2'/>"))
	for len(w.seen()) < 4 {
		if time.Since(t0) > 5*time.Second {
			t.Fatal("a held answer was never sent")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := w.seen()[3]; got != "<a h='2'/>" || time.Since(t0) < ackHold {
		t.Errorf("the lone answer %q went after %v", got, time.Since(t0))
	}
	// Closing drops a held answer and stops its timer.
	a.holdNext()
	a.Write([]byte("<a h='3'/>"))
	a.Close()
	time.Sleep(ackHold + 50*time.Millisecond)
	if n := len(w.seen()); n != 4 {
		t.Errorf("a held answer was written after Close: %q", w.seen())
	}
}
