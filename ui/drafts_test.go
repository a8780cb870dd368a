package ui

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// keeperBackend is a fakeBackend that keeps drafts, as the profile does.
type keeperBackend struct {
	*fakeBackend
	mu     sync.Mutex
	drafts map[string]string
}

func (k *keeperBackend) Drafts(context.Context) (map[string]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps.Clone(k.drafts), nil
}

func (k *keeperBackend) SetDraft(_ context.Context, peer, text string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if text == "" {
		delete(k.drafts, peer)
	} else {
		k.drafts[peer] = text
	}
	return nil
}

func enter(a *Pane) { a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }

// Text typed for Bob stays Bob's when Carol's chat is opened: Enter there
// sends only what was typed for Carol, to Carol, and Bob's text is back
// when his chat is.
func TestEachChatKeepsItsOwnDraft(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	var to []string
	b.onSend = func(m Message) { to = append(to, m.Peer+": "+m.Body) }

	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "for Bob, not sent yet")
	selectContact(t, a, "carol@example.net")
	if a.composer.Text != "" {
		t.Fatalf("Carol's chat opened with %q in the composer", a.composer.Text)
	}
	enter(a) // nothing to send
	test.Type(a.composer, "hi Carol")
	enter(a)
	selectContact(t, a, "bob@example.org")
	if a.composer.Text != "for Bob, not sent yet" {
		t.Fatalf("Bob's chat opened with %q, want his draft", a.composer.Text)
	}
	test.Type(a.composer, "!") // the cursor is at the draft's end
	enter(a)
	selectContact(t, a, "carol@example.net")
	if a.composer.Text != "" {
		t.Errorf("Carol's chat holds %q after her message was sent", a.composer.Text)
	}
	want := []string{"carol@example.net: hi Carol", "bob@example.org: for Bob, not sent yet!"}
	if len(to) != 2 || to[0] != want[0] || to[1] != want[1] {
		t.Errorf("sent %q, want %q", to, want)
	}
}

// With a backend that keeps drafts, a draft is there again after a
// restart: the one left in another chat and the one in the open chat when
// the window closed.
func TestDraftsSurviveARestart(t *testing.T) {
	k := &keeperBackend{fakeBackend: threeContacts(), drafts: map[string]string{}}
	a, _ := newTestApp(t, k)
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "Bob, line one")
	selectContact(t, a, "carol@example.net")
	test.Type(a.composer, "Carol, half written")
	a.Close() // the window closes with Carol's chat open
	if got := k.drafts; len(got) != 2 || got["bob@example.org"] != "Bob, line one" || got["carol@example.net"] != "Carol, half written" {
		t.Fatalf("kept drafts %q", got)
	}

	again, _ := newTestApp(t, k)
	selectContact(t, again, "carol@example.net")
	if again.composer.Text != "Carol, half written" {
		t.Errorf("after a restart Carol's chat holds %q", again.composer.Text)
	}
	enter(again)
	if _, kept := k.drafts["carol@example.net"]; kept {
		t.Error("a sent draft is still kept")
	}
	selectContact(t, again, "bob@example.org")
	if again.composer.Text != "Bob, line one" {
		t.Errorf("after a restart Bob's chat holds %q", again.composer.Text)
	}
}

// A message that fails to be queued after its chat was left goes back to
// that chat's draft, not into the chat now open.
func TestAFailedSendGoesBackToItsOwnChat(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	var later []func()
	a.async = func(f func()) { later = append(later, f) }
	b.sendErr = errors.New("disk full")
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "for Bob")
	enter(a)
	selectContact(t, a, "carol@example.net")
	for _, f := range later {
		f()
	}
	if a.composer.Text != "" {
		t.Errorf("Carol's composer got %q", a.composer.Text)
	}
	a.async = func(f func()) { f() }
	selectContact(t, a, "bob@example.org")
	if a.composer.Text != "for Bob" {
		t.Errorf("Bob's chat holds %q, want the text that was not sent", a.composer.Text)
	}
}

// A removed account's open draft is not written back to the profile (the
// account and its drafts were deleted before its pane goes), neither when
// the pane leaves the window nor when the window quits.
func TestARemovedAccountsDraftIsNotSaved(t *testing.T) {
	k := &keeperBackend{fakeBackend: threeContacts(), drafts: map[string]string{}}
	a, _ := newTestApp(t, k)
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "half a thought")
	a.shell.Remove(a)
	a.Close() // as the window's quit does for every pane
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.drafts) != 0 {
		t.Errorf("drafts saved after the account was removed: %q", k.drafts)
	}
}
