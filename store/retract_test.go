package store

import (
	"testing"
)

// Retractions (XEP-0424) erase only the sender's own message: a contact's
// by a retraction from the same bare address, ours from any of our
// devices, an occupant's by the same room/nick. The message keeps its
// place, marked Retracted, with its text gone from the history, the
// search index and the first text a correction kept; a retraction that
// may not apply is never shown, and a correction after it brings no text
// back.
func TestRetractions(t *testing.T) {
	ctx := t.Context()
	const (
		carol = "carol@example.org"
		room  = "den@rooms.example.org"
	)
	s := newStoreWith(t, me)
	add := func(m *Message) *Message {
		t.Helper()
		if _, err := s.AddIncoming(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	theirs := func(peer, res, id, body string) *Message {
		return &Message{Account: me, From: peer, FromFull: peer + "/" + res, To: me, Body: body, OriginID: id}
	}
	retraction := func(peer, res, id, of string) *Message {
		m := theirs(peer, res, id, "/me retracted a previous message, but it's unsupported by your client.")
		m.Replaces, m.Retract = of, true
		return m
	}
	occupant := func(nick, id, stanzaID, body string) *Message {
		return &Message{Account: me, Peer: room, From: room + "/" + nick, To: me, Body: body, OriginID: id, StanzaID: stanzaID}
	}
	b1 := add(theirs(you, "phone", "b1", "the secret word is swordfish"))
	if m := add(&Message{Account: me, From: you, FromFull: you + "/phone", To: me, Body: "the secret word is marlin", OriginID: "b1c2", Replaces: "b1"}); m.Corrects != b1.ID {
		t.Fatalf("correction not applied: %+v", m)
	}
	c1 := add(theirs(carol, "phone", "c1", "carol's words"))
	o1 := &Message{Account: me, From: me, To: you, Body: "my own words", OriginID: "o1"}
	if err := s.AddOutgoing(ctx, o1); err != nil {
		t.Fatal(err)
	}
	r1 := add(occupant("rita", "r1", "room-1", "rita's words"))
	add(occupant("sam", "s1", "room-2", "sam's words"))

	get := func(id int64) Message {
		t.Helper()
		h, err := s.History(ctx, me, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h {
			if m.ID == id {
				return m
			}
		}
		t.Fatalf("message %d not in the history", id)
		return Message{}
	}
	for _, tc := range []struct {
		name    string
		m       *Message
		target  int64
		applied bool
	}{
		{"somebody else's message", retraction(carol, "phone", "c2", "b1"), b1.ID, false},
		{"a contact erasing ours", retraction(you, "phone", "b2", "o1"), o1.ID, false},
		{"an unknown id", retraction(you, "phone", "b3", "nope"), 0, false},
		{"their own, from another resource", retraction(you, "laptop", "b4", "b1"), b1.ID, true},
		{"ours from another device (a carbon)", &Message{Account: me, Outgoing: true, From: me, To: you, OriginID: "o2", Replaces: "o1", Retract: true}, o1.ID, true},
		{"another occupant's, by the room's id", &Message{Account: me, Peer: room, From: room + "/sam", To: me, OriginID: "s2", Replaces: "room-1", Retract: true}, r1.ID, false},
		{"the occupant's own, by the room's id", &Message{Account: me, Peer: room, From: room + "/rita", To: me, OriginID: "r2", Replaces: "room-1", Retract: true}, r1.ID, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := add(tc.m)
			if m.Corrects != 0 != tc.applied || (tc.applied && m.Corrects != tc.target) {
				t.Errorf("applied to %d, want %v (%d)", m.Corrects, tc.applied, tc.target)
			}
			if m.Replaces == "" {
				t.Errorf("the retraction lost what it names: it would show as a message")
			}
			if tc.target != 0 {
				if got := get(tc.target); got.Retracted != tc.applied || (got.Body == "") != tc.applied {
					t.Errorf("the message is %q, retracted %v; want retracted %v", got.Body, got.Retracted, tc.applied)
				}
			}
		})
	}
	// A room's moderation (XEP-0425): from the room itself, any
	// occupant's message by the room's id, the reason kept; "from" an
	// occupant it is nothing.
	s2 := add(occupant("sam", "s3", "room-3", "sam's spam"))
	if m := add(&Message{Account: me, Peer: room, From: room + "/rita", To: me, OriginID: "m0", Body: "forged", Replaces: "room-3", Retract: true, Moderated: true}); m.Corrects != 0 {
		t.Errorf("an occupant's moderation applied")
	}
	if m := add(&Message{Account: me, Peer: room, From: room, To: me, OriginID: "m1", Body: "spam", Replaces: "room-3", Retract: true, Moderated: true}); m.Corrects != s2.ID {
		t.Errorf("the room's moderation applied to %d, want %d", m.Corrects, s2.ID)
	}
	if got := get(s2.ID); !got.Retracted || !got.ModeratedAway || got.Body != "spam" {
		t.Errorf("the moderated message: %+v", got)
	}
	h, err := s.History(ctx, me, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 6 {
		t.Errorf("history has %d messages, want the 6 (no retraction shown): %q", len(h), bodies(h))
	}
	if got := get(c1.ID); got.Retracted || got.Body != "carol's words" {
		t.Errorf("carol's message changed: %+v", got)
	}
	if first, err := s.OriginalBody(ctx, b1.ID); err != nil || first != "" {
		t.Errorf("the first text a correction kept is still there: %q, %v", first, err)
	}
	for _, word := range []string{"swordfish", "marlin", "rita's", "own"} {
		if found, err := s.Search(ctx, me, "", word, 10); err != nil || len(found) != 0 {
			t.Errorf("search for %q finds %q (%v): the erased text is still indexed", word, bodies(found), err)
		}
	}
	if found, _ := s.Search(ctx, me, "", "carol's", 10); len(found) != 1 {
		t.Errorf("search for carol's words finds %d", len(found))
	}
	// A correction of the retracted message, arriving after it (the
	// archive's order), brings no text back.
	add(&Message{Account: me, From: you, FromFull: you + "/phone", To: me, Body: "back again", OriginID: "b5", Replaces: "b1"})
	if got := get(b1.ID); !got.Retracted || got.Body != "" {
		t.Errorf("a later correction gave the retracted message %q", got.Body)
	}
	// Our own retraction, written to the outbox: the message is erased at
	// once; one of a message we never sent is refused.
	o3 := &Message{Account: me, From: me, To: you, Body: "oops", OriginID: "o3"}
	if err := s.AddOutgoing(ctx, o3); err != nil {
		t.Fatal(err)
	}
	r := &Message{Account: me, From: me, To: you, OriginID: "o4", Replaces: "o3", Retract: true}
	if err := s.AddOutgoing(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := get(o3.ID); !got.Retracted || got.Body != "" {
		t.Errorf("our retracted message reads %q", got.Body)
	}
	pending, err := s.Pending(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pending); n == 0 || !pending[n-1].Retract || pending[n-1].Replaces != "o3" {
		t.Errorf("the retraction is not in the outbox as one: %+v", pending)
	}
	if err := s.AddOutgoing(ctx, &Message{Account: me, From: me, To: you, OriginID: "o5", Replaces: "b1c2", Retract: true}); err == nil {
		t.Errorf("a retraction of a message that is not ours was accepted")
	}
	checkIntegrity(t, s)
}

// In a room that vouches for its senders (XEP-0421 occupant-id), a
// correction or retraction must carry the original's occupant-id: a
// newcomer who took the nick "rita" over (another id) changes and deletes
// nothing of hers; rita herself (her id, even under a new nick) does. Messages without one keep the nick rule.
func TestOccupantIDGuardsCorrectionsAndRetractions(t *testing.T) {
	ctx := t.Context()
	const room = "den@rooms.example.org"
	s := newStoreWith(t, me)
	add := func(m *Message) *Message {
		t.Helper()
		if _, err := s.AddIncoming(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	said := func(nick, occ, id, stanzaID, body, replaces string, retract bool) *Message {
		return add(&Message{Account: me, Peer: room, From: room + "/" + nick, To: me, Body: body, OriginID: id, StanzaID: stanzaID,
			OccupantID: occ, Replaces: replaces, Retract: retract})
	}
	r1 := said("rita", "occ-rita", "r1", "room-1", "rita's words", "", false)
	for _, tc := range []struct {
		name     string
		m        *Message
		applies  bool
		original int64
	}{
		{"a correction by the nick's new owner", said("rita", "occ-mallory", "x1", "room-2", "mallory's words", "r1", false), false, r1.ID},
		{"a retraction by the nick's new owner", said("rita", "occ-mallory", "x2", "room-3", "", "room-1", true), false, r1.ID},
		{"a retraction without an occupant-id", said("rita", "", "x3", "room-4", "", "room-1", true), false, r1.ID},
		{"rita's own correction", said("rita", "occ-rita", "r2", "room-5", "rita's better words", "r1", false), true, r1.ID},
		{"rita's own retraction under a new nick", said("rita2", "occ-rita", "r3", "room-8", "", "room-1", true), true, r1.ID},
	} {
		if got := tc.m.Corrects == tc.original; got != tc.applies {
			t.Errorf("%s: applied %v (Corrects %d), want %v", tc.name, got, tc.m.Corrects, tc.applies)
		}
	}
	// Without an occupant-id on the original, the nick decides.
	o1 := said("otto", "", "o1", "room-6", "otto's words", "", false)
	if m := said("otto", "occ-any", "o2", "room-7", "", "room-6", true); m.Corrects != o1.ID {
		t.Errorf("otto's retraction of a message without an occupant-id: Corrects %d, want %d", m.Corrects, o1.ID)
	}
}
