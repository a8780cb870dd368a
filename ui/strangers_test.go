package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// A conversation with someone not in the roster stays listed once read,
// across roster reloads, with "Add to contacts" (not Rename/Remove) in its
// header; once they are a contact the header is a contact's.
func TestAStrangersChatStaysListed(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, &fakeEditor{fakeBackend: b})
	const dave = "dave@elsewhere.example"
	m := Message{ID: 9, Key: "s1", Peer: dave, Body: "hi, we met at the meetup", State: Received}
	b.history[dave] = []Message{m} // saved before it is shown
	a.OnMessage(m)
	selectContact(t, a, dave) // read it
	mustShow(t, a, "hi, we met at the meetup", "Add to contacts")
	if got := chatMenu(a); slices.Contains(got, "Rename…") || !slices.Contains(got, "Add to contacts…") {
		t.Errorf("a stranger's chat menu offers %q", got)
	}

	a.reloadContacts() // a roster push: dave is not in the roster
	mustShow(t, a, dave)
	if it := a.byJID[dave]; it == nil || !it.Stranger {
		t.Fatalf("after a roster reload dave is %+v", it)
	}

	b.mu.Lock()
	b.contacts = append(b.contacts, Contact{JID: dave, Name: "Dave"})
	b.mu.Unlock()
	a.reloadContacts()
	mustShow(t, a, "Dave")
	mustNotShow(t, a, "Add to contacts")
	if got := chatMenu(a); !slices.Contains(got, "Rename…") || !slices.Contains(got, "Remove…") {
		t.Errorf("a contact's chat menu offers %q", got)
	}
}

// A stranger the backend knows from the history (after a restart) is
// listed with the roster.
func TestStrangersFromTheHistoryAreListed(t *testing.T) {
	b := threeContacts()
	b.contacts = append(b.contacts, Contact{JID: "erin@elsewhere.example", Stranger: true})
	a, _ := newTestApp(t, &fakeEditor{fakeBackend: b})
	mustShow(t, a, "erin@elsewhere.example")
	selectContact(t, a, "erin@elsewhere.example")
	mustShow(t, a, "Add to contacts")
}

// An empty roster says how to add the first contact; with contacts the
// empty side asks to pick one.
func TestAnEmptyRosterInvitesTheFirstContact(t *testing.T) {
	b := &fakeBackend{history: map[string][]Message{}}
	a, _ := newTestApp(t, &fakeEditor{fakeBackend: b})
	mustShow(t, a, "No contacts yet. Add your first one with +")
	mustNotShow(t, a, "Pick a contact")
	b.mu.Lock()
	b.contacts = []Contact{{JID: "bob@example.org", Name: "Bob"}}
	b.mu.Unlock()
	a.reloadContacts()
	mustShow(t, a, "Pick a contact on the left to chat.")
	mustNotShow(t, a, "No contacts yet")

	plain, _ := newTestApp(t, &fakeBackend{history: map[string][]Message{}}) // cannot add contacts
	mustShow(t, plain, "No contacts yet.")
	mustNotShow(t, plain, "Add your first one")
}

// fakeBlocker keeps a blocklist.
type fakeBlocker struct {
	*fakeEditor
	list map[string]bool
}

func (b *fakeBlocker) Block(_ context.Context, jid string) error   { b.list[jid] = true; return nil }
func (b *fakeBlocker) Unblock(_ context.Context, jid string) error { delete(b.list, jid); return nil }
func (b *fakeBlocker) Blocked(context.Context) ([]string, error) {
	var out []string
	for j := range b.list {
		out = append(out, j)
	}
	return out, nil
}

// A stranger's chat offers Block beside Add to contacts; blocking (after
// the question) shows Unblock and "(blocked)" in the roster; a contact's
// right-click menu offers the same.
func TestAStrangerCanBeBlocked(t *testing.T) {
	b := threeContacts()
	const dave = "dave@elsewhere.example"
	b.contacts = append(b.contacts, Contact{JID: dave, Stranger: true})
	fb := &fakeBlocker{fakeEditor: &fakeEditor{fakeBackend: b}, list: map[string]bool{}}
	a, _ := newTestApp(t, fb)
	selectContact(t, a, dave)
	mustShow(t, a, "Add to contacts", "Block")
	a.blockButton.OnTapped()
	if got := strings.Join(overlayTexts(a), "\n"); !strings.Contains(got, "Block "+dave+"? Your server drops their messages") {
		t.Fatalf("blocking asks nothing: %q", got)
	}
	test.Tap(overlayButton(t, a, "Block"))
	if !fb.list[dave] {
		t.Fatal("dave is not blocked after the question was answered Block")
	}
	mustShow(t, a, "Unblock", dave+" (…") // "(blocked)" truncated in a narrow roster, beside the avatar
	a.blockButton.OnTapped()              // unblocking asks nothing
	if fb.list[dave] {
		t.Fatal("dave is still blocked")
	}
	mustShow(t, a, "Block")
	mustNotShow(t, a, "(blocked)")

	a.showContactMenu("bob@example.org", fyne.NewPos(10, 10))
	var labels []string
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if x, ok := o.(*canvas.Text); ok && x.Text != "" {
				labels = append(labels, x.Text)
			}
		})
	}
	if got := strings.Join(labels, "|"); !strings.Contains(got, "Open chat|Rename…|Remove…|Block…|Copy address") {
		t.Errorf("a contact's menu: %q", got)
	}
}
