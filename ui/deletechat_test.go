package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// fakeDeleter deletes a chat's history but the messages still queued.
type fakeDeleter struct {
	*fakeBackend
	deleted []string
}

func (d *fakeDeleter) DeleteChat(_ context.Context, peer string) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deleted = append(d.deleted, peer)
	var kept []Message
	for _, m := range d.history[peer] {
		if m.State == Queued {
			kept = append(kept, m)
		}
	}
	n := int64(len(d.history[peer]) - len(kept))
	d.history[peer] = kept
	return n, nil
}

// Delete history… in a chat's ⋮ menu asks, saying what stays elsewhere,
// then deletes: the chat shows what is left (a queued message) and a
// note of what went; Cancel deletes nothing.
func TestDeletingAChatsHistory(t *testing.T) {
	const bob = "bob@example.org"
	d := &fakeDeleter{fakeBackend: threeContacts()}
	ms := conversation(bob, 5)
	ms[4].Outgoing, ms[4].State, ms[4].Body = true, Queued, "waiting to go"
	d.history[bob] = ms
	a, _ := newTestApp(t, d)
	selectContact(t, a, bob)
	if got := chatMenu(a); !slices.Contains(got, "Delete history…") {
		t.Fatalf("the chat's menu offers %q", got)
	}
	openChatMenu(t, a)
	tapMenuItem(t, a, "Delete history…")
	if got := strings.Join(overlayTexts(a), " "); !strings.Contains(got, "Delete your history with Bob from this computer?") || !strings.Contains(got, "Bob's devices and your server's archive keep their copies") {
		t.Fatalf("the question says %q", got)
	}
	test.Tap(overlayButton(t, a, "Cancel"))
	if len(d.deleted) != 0 {
		t.Fatal("Cancel deleted the history")
	}
	openChatMenu(t, a)
	tapMenuItem(t, a, "Delete history…")
	test.Tap(overlayButton(t, a, "Delete"))
	if !slices.Equal(d.deleted, []string{bob}) {
		t.Fatalf("deleted %q", d.deleted)
	}
	mustShow(t, a, "waiting to go", "Deleted 4 messages from this computer's history.")
	notes := 0
	for _, m := range a.chat.msgs {
		if m.Notice {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("the chat lists %d notes; want the one of what went", notes)
	}
	mustNotShow(t, a, "message 1", "message 2")
	if a.chat == nil || a.chat.peer != bob {
		t.Error("the chat did not stay open")
	}
}
