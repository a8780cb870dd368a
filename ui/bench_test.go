package ui

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// pagedBackend serves a long chat from memory, a page at a time, as the
// app's backend does from the store (whose read of the newest page of a
// 100k chat is measured by store's BenchmarkOpenNewest50Of100k: 0.12 ms;
// package ui knows nothing of the store).
type pagedBackend struct {
	contacts []Contact
	msgs     []Message // oldest first; ID = index + 1
}

func (b *pagedBackend) Contacts(context.Context) ([]Contact, error) { return b.contacts, nil }

func (b *pagedBackend) History(_ context.Context, peer string, beforeID int64, limit int) ([]Message, error) {
	end := int64(len(b.msgs))
	if beforeID > 0 && beforeID-1 < end {
		end = beforeID - 1
	}
	start := max(end-int64(limit), 0)
	return append([]Message(nil), b.msgs[start:end]...), nil
}

func (*pagedBackend) Send(context.Context, string, string) (Message, error) {
	return Message{}, errors.New("read only")
}

// BenchmarkOpen100kChat: a chat of 100,000 messages opened in the window
// on Fyne's test driver: the newest page asked for, laid out, and the whole
// window painted (software renderer). Goal < 50 ms with the store's read
// of that page added (see pagedBackend).
func BenchmarkOpen100kChat(b *testing.B) {
	benchOpen100k(b, "message number %d, some words to index")
}

// BenchmarkOpen100kChatStyled is BenchmarkOpen100kChat with every message
// styled (XEP-0393: bold, italic and monospace spans), each parsed and
// drawn in pieces.
func BenchmarkOpen100kChatStyled(b *testing.B) {
	benchOpen100k(b, "message *number* %d, _some_ words `to` index")
}

// benchPane is me's window on Fyne's test driver, 900×600, its roster
// loaded from be, backend work run inline and nothing run later.
func benchPane(b *testing.B, me string, be *pagedBackend) *Pane {
	a := newApp(test.NewTempApp(b), me, be)
	a.async = func(f func()) { f() }
	a.later = func(func()) {}
	a.reloadContacts()
	a.win.Resize(fyne.NewSize(900, 600))
	return a
}

func benchOpen100k(b *testing.B, body string) {
	const me, peer, n = "me@bench.invalid", "bob@bench.invalid", 100_000
	be := &pagedBackend{contacts: []Contact{{JID: peer, Name: "Bob"}}, msgs: make([]Message, n)}
	t0 := time.Now().Add(-n * time.Minute)
	for j := range be.msgs {
		be.msgs[j] = Message{ID: int64(j + 1), Key: fmt.Sprintf("m%d", j), Peer: peer, Body: fmt.Sprintf(body, j),
			Time: t0.Add(time.Duration(j) * time.Minute), State: Received}
	}
	a := benchPane(b, me, be)
	defer a.win.Close()
	b.ResetTimer()
	for b.Loop() {
		a.chat = nil
		a.openChat(peer)
		if len(a.chat.msgs) != pageSize {
			b.Fatalf("%d messages shown", len(a.chat.msgs))
		}
		a.win.Canvas().Capture()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/open")
}

// BenchmarkBusyChatLeftOpen: a chat left open at its foot all day while
// messages keep coming (a busy room: 10,000 of them, each stored first,
// as the app does, then shown). Reports the Go heap the window holds
// after them (after a GC) and the time each message takes to show.
func BenchmarkBusyChatLeftOpen(b *testing.B) {
	const me, peer, n = "me@bench.invalid", "room@bench.invalid", 10_000
	for b.Loop() {
		// The roster full, as a user's: each message updates the room's
		// row (its newest line) among the rows in view.
		be := &pagedBackend{contacts: []Contact{{JID: peer, Name: "Room"}}}
		for i := range 200 {
			be.contacts = append(be.contacts, Contact{JID: fmt.Sprintf("c%03d@bench.invalid", i), Name: fmt.Sprintf("Contact %03d", i)})
		}
		a := benchPane(b, me, be)
		a.openChat(peer)
		heap := func() float64 {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			return float64(ms.HeapInuse) / (1 << 20)
		}
		before := heap()
		t0 := time.Now()
		start := time.Now().Add(-n * time.Second)
		for j := range n {
			// Runs of a few messages by one nick, every fifth one long
			// enough to wrap: rows of several heights, as in a room.
			body := fmt.Sprintf("message number %d, a line of some length as people write in a room", j)
			if j%5 == 0 {
				body = strings.Repeat(body+" ", 4)
			}
			m := Message{ID: int64(j + 1), Key: fmt.Sprintf("m%d", j), Peer: peer, Nick: fmt.Sprintf("nick%d", j/3%7),
				Body: body, Time: start.Add(time.Duration(j) * time.Second), State: Received}
			be.msgs = append(be.msgs, m)
			a.addMessage(m)
		}
		per := time.Since(t0) / n
		// What the loaded messages hold: the heap with them and without.
		// (The heap as a whole also keeps every row Fyne's test driver
		// made, whose renderer cache is never cleaned here: not measured.)
		loaded := len(a.chat.msgs)
		with := heap()
		a.chat.msgs = nil
		held := with - heap()
		_ = before
		b.ReportMetric(held, "MiB-held")
		b.ReportMetric(float64(loaded), "loaded")
		b.ReportMetric(float64(per.Microseconds()), "µs/msg")
		a.win.Close()
	}
}
