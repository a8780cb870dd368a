package ui

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// statesBackend is fakeBackend that also sends chat states and corrects
// (it records what it was asked).
type statesBackend struct {
	*fakeBackend
	calls     []string // "typing PEER", "left PEER", "active PEER"
	corrected []string // "KEY=TEXT"
}

func (b *statesBackend) Typing(peer string) { b.calls = append(b.calls, "typing "+peer) }
func (b *statesBackend) LeftChat(peer string, left bool) {
	if left {
		b.calls = append(b.calls, "left "+peer)
	} else {
		b.calls = append(b.calls, "active "+peer)
	}
}
func (b *statesBackend) SetTypingNotifications(bool) {}
func (b *statesBackend) Correct(_ context.Context, peer, key, text string) (Message, error) {
	b.corrected = append(b.corrected, key+"="+text)
	return Message{Key: key, Peer: peer, Outgoing: true, Body: text, Edited: true}, nil
}

// The composer tells the backend of the user's keys (not of the text the
// program puts there), the chat left; the header shows the contact's
// typing and forgets it when their message comes.
func TestTypingInTheWindow(t *testing.T) {
	b := &statesBackend{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, b)
	const bob = "bob@example.org"
	selectContact(t, a, bob)
	test.Type(a.composer, "hi")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	a.composer.SetText("set by the program")
	a.composer.SetText("")
	selectContact(t, a, "alice@example.org")
	want := []string{"typing " + bob, "typing " + bob, "typing " + bob, "active " + bob}
	if !slices.Equal(b.calls, want) {
		t.Errorf("the backend was told %q, want %q", b.calls, want)
	}
	test.Type(a.composer, "x")
	selectContact(t, a, bob)
	if got := b.calls[len(b.calls)-1]; got != "left alice@example.org" {
		t.Errorf("leaving a chat typed in: %q", got)
	}
	// Sending ends the typing without a standalone "active".
	n := len(b.calls)
	test.Type(a.composer, "ok")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	selectContact(t, a, "alice@example.org")
	selectContact(t, a, bob)
	if got := b.calls[n:]; !slices.Equal(got, []string{"typing " + bob, "typing " + bob}) {
		t.Errorf("typing then sending: %q", got)
	}

	a.OnChatState(bob, "composing")
	mustShow(t, a, "Bob is typing…")
	a.OnChatState(bob, "paused")
	mustShow(t, a, "Bob stopped typing")
	a.OnChatState(bob, "composing")
	a.OnMessage(Message{Key: "m9", Peer: bob, Body: "here it is", State: Received})
	mustNotShow(t, a, "Bob is typing…")
	a.OnChatState("carol@example.net", "composing") // not the open chat: her row says it, not the header
	mustNotShowInChat(t, a, "typing…")
}

// Up in the empty composer edits our last message; Escape cancels; Enter
// sends the correction and the row shows the new text, edited. A
// contact's correction changes their row.
func TestCorrectingInTheWindow(t *testing.T) {
	b := &statesBackend{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, b)
	const bob = "bob@example.org"
	selectContact(t, a, bob) // message 1 (theirs), 2 (ours, key h2), 3 (theirs)
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if a.composer.Text != "message 2" || a.editing == nil || !a.editBar.Visible() {
		t.Fatalf("Up: composer %q, editing %v", a.composer.Text, a.editing)
	}
	if a.composer.CursorRow != 0 || a.composer.CursorColumn != len("message 2") {
		t.Errorf("the cursor is at row %d column %d, not at the end", a.composer.CursorRow, a.composer.CursorColumn)
	}
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if a.composer.Text != "" || a.editing != nil || a.editBar.Visible() {
		t.Fatalf("Escape: composer %q, editing %v", a.composer.Text, a.editing)
	}
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	a.composer.SetText("message 2, fixed")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(b.corrected, []string{"h2=message 2, fixed"}) || len(b.sent) != 0 {
		t.Fatalf("corrected %q, sent %q", b.corrected, b.sent)
	}
	mustShow(t, a, "message 2, fixed", "(edited)")
	// Up in a composer with text moves the cursor, edits nothing.
	test.Type(a.composer, "new")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if a.editing != nil {
		t.Error("Up in a composer with text started an edit")
	}
	a.OnCorrection(bob, "h3", "message 3, theirs fixed")
	mustShow(t, a, "message 3, theirs fixed")
}
