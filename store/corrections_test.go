package store

import (
	"errors"
	"testing"
)

// Corrections (XEP-0308) change only the sender's own message: a contact's
// from the same full address, ours from any of our devices; anything else
// is kept as a new message and changes no text. History shows each
// message once, with its latest text; Search finds that text.
func TestCorrections(t *testing.T) {
	ctx := t.Context()
	const carol = "carol@example.org"
	s := newStoreWith(t, me)
	add := func(m *Message) *Message {
		t.Helper()
		if _, err := s.AddIncoming(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	theirs := func(peer, res, id, body, replaces string) *Message {
		return &Message{Account: me, From: peer, FromFull: peer + "/" + res, To: me, Body: body, OriginID: id, Replaces: replaces}
	}
	b1 := add(theirs(you, "phone", "b1", "helo", ""))
	c1 := add(theirs(carol, "phone", "c1", "carol's", ""))
	o1 := &Message{Account: me, From: me, To: you, Body: "se you", OriginID: "o1"}
	if err := s.AddOutgoing(ctx, o1); err != nil {
		t.Fatal(err)
	}
	body := func(id int64) string {
		t.Helper()
		h, err := s.History(ctx, me, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h {
			if m.ID == id {
				return m.Body
			}
		}
		t.Fatalf("message %d not in the history", id)
		return ""
	}
	for _, tc := range []struct {
		name    string
		m       *Message
		applied bool
		target  int64
		want    string
	}{
		{"their own, same full address", theirs(you, "phone", "b2", "hello", "b1"), true, b1.ID, "hello"},
		{"their own, another resource", theirs(you, "laptop", "b3", "hijack", "b1"), false, b1.ID, "hello"},
		{"somebody else's message", theirs(carol, "phone", "c2", "carol was here", "b1"), false, b1.ID, "hello"},
		{"a contact rewriting ours", theirs(you, "phone", "b4", "you said yes", "o1"), false, o1.ID, "se you"},
		{"an unknown id", theirs(you, "phone", "b5", "what?", "nope"), false, b1.ID, "hello"},
		{"ours from another device (a carbon)", &Message{Account: me, Outgoing: true, From: me, To: you, Body: "see you", OriginID: "o2", Replaces: "o1"}, true, o1.ID, "see you"},
		{"carol's own", theirs(carol, "phone", "c3", "carol's, fixed", "c1"), true, c1.ID, "carol's, fixed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := add(tc.m)
			if applied := m.Replaces != ""; applied != tc.applied || (applied && m.Corrects != tc.target) {
				t.Errorf("applied %v (corrects %d), want %v (%d)", applied, m.Corrects, tc.applied, tc.target)
			}
			if got := body(tc.target); got != tc.want {
				t.Errorf("the message reads %q, want %q", got, tc.want)
			}
			if !tc.applied && body(m.ID) != m.Body {
				t.Errorf("not kept as a new message")
			}
		})
	}
	// The archive's copy of an old correction after a newer one: stored
	// once, the newer text stays.
	add(theirs(you, "phone", "b6", "hello!", "b1"))
	if m := add(theirs(you, "phone", "b2", "hello", "b1")); body(b1.ID) != "hello!" || m.ID == 0 {
		t.Errorf("a replayed correction put back %q", body(b1.ID))
	}
	h, _ := s.History(ctx, me, you, 0, 100)
	for _, m := range h {
		if m.Replaces != "" {
			t.Errorf("a correction row in the history: %+v", m)
		}
		if m.ID == b1.ID && (!m.Edited || m.Body != "hello!") {
			t.Errorf("b1 in the history: %+v", m)
		}
	}
	if orig, err := s.OriginalBody(ctx, b1.ID); err != nil || orig != "helo" {
		t.Errorf("original text %q, %v", orig, err)
	}
	if r, err := s.Search(ctx, me, you, "hello", 10); err != nil || len(r) != 1 || r[0].ID != b1.ID {
		t.Errorf("search for the corrected text: %+v, %v", r, err)
	}
	// Ours: only a message of ours to that peer.
	for _, id := range []string{"b1", "nope"} {
		err := s.AddOutgoing(ctx, &Message{Account: me, From: me, To: you, Body: "x", Replaces: id})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("correcting %s as ours: %v, want ErrNotFound", id, err)
		}
	}
	fix := &Message{Account: me, From: me, To: you, Body: "see you at 6", Replaces: "o1"}
	if err := s.AddOutgoing(ctx, fix); err != nil || fix.Corrects != o1.ID || body(o1.ID) != "see you at 6" {
		t.Errorf("our correction: %v, corrects %d, text %q", err, fix.Corrects, body(o1.ID))
	}
	if p, _ := s.Pending(ctx, me); len(p) != 2 || p[1].Replaces != "o1" {
		t.Errorf("the outbox holds %+v; want o1 and its correction (naming o1)", p)
	}
}

// Chat states go only to a contact who may see our presence and whose
// client sent chat states; both are kept in the roster, and a roster push
// does not forget the second.
func TestChatStatesTo(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me)
	for _, c := range []Contact{{Account: me, JID: you, Subscription: "both"}, {Account: me, JID: "to@example.org", Subscription: "to"}} {
		if err := s.PutContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check := func(jid string, shares, known bool) {
		t.Helper()
		sh, kn, err := s.ChatStatesTo(ctx, me, jid)
		if err != nil || sh != shares || kn != known {
			t.Errorf("%s: shares %v known %v (%v), want %v %v", jid, sh, kn, err, shares, known)
		}
	}
	check(you, true, false)
	for _, j := range []string{you, "to@example.org", "stranger@example.org"} {
		if err := s.SetChatStates(ctx, me, j); err != nil {
			t.Fatal(err)
		}
	}
	check(you, true, true)
	check("to@example.org", false, true)
	check("stranger@example.org", false, false)
	if err := s.PutContact(ctx, Contact{Account: me, JID: you, Name: "You", Subscription: "from"}); err != nil {
		t.Fatal(err)
	}
	check(you, true, true)
}
