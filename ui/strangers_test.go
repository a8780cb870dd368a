package ui

import (
	"testing"
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
	mustNotShow(t, a, "Rename", "Remove")

	a.reloadContacts() // a roster push: dave is not in the roster
	mustShow(t, a, dave)
	if it := a.byJID[dave]; it == nil || !it.Stranger {
		t.Fatalf("after a roster reload dave is %+v", it)
	}

	b.mu.Lock()
	b.contacts = append(b.contacts, Contact{JID: dave, Name: "Dave"})
	b.mu.Unlock()
	a.reloadContacts()
	mustShow(t, a, "Dave", "Rename", "Remove")
	mustNotShow(t, a, "Add to contacts")
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
