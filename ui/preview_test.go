package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// previewBackend gives the chats' newest messages.
type previewBackend struct {
	*fakeBackend
	lasts []Message
}

func (b *previewBackend) LastMessages(context.Context) ([]Message, error) { return b.lasts, nil }

// rowLinesOf returns what jid's row in the chat list shows.
func rowLinesOf(t *testing.T, a *Pane, jid string) []string {
	t.Helper()
	for i, c := range a.shown {
		if c.JID != jid {
			continue
		}
		var out []string
		a.roster.ScrollTo(i)
		walkShown(a.roster, func(o fyne.CanvasObject) {
			if r, ok := o.(*rosterRow); ok && strings.HasSuffix(r.name.Text, c.Label()) {
				out = renderedIn(r.content)
			}
		})
		return out
	}
	t.Fatalf("%s is not listed", jid)
	return nil
}

// The chat list shows each chat's newest message under the name, with its
// time, as Dino and Gajim do: ours as "You: …", a room's with the
// sender's nickname, a file by its name (never its URL, which may hold
// its key), an action as "* name …"; a new message replaces it (a room's
// replayed history only where newer), a correction rewords it; a chat's
// unsent text shows as "Draft: …" once another chat is open; a chat
// without messages shows its name alone.
func TestChatListPreviews(t *testing.T) {
	now := time.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 9, 5, 0, 0, time.Local)
	fb := threeContacts()
	fb.contacts = append(fb.contacts, Contact{JID: "lounge@muc.example.org", Room: true}, Contact{JID: "dave@example.org", Name: "Dave"})
	b := &previewBackend{fakeBackend: fb, lasts: []Message{
		{ID: 9, Key: "b9", Peer: "bob@example.org", Outgoing: true, Body: "see you\nat noon", Time: today},
		{ID: 8, Peer: "lounge@muc.example.org", Nick: "ann", Body: "hi all", Time: today.Add(-49 * time.Hour)},
		{ID: 7, Peer: "carol@example.net", Body: "aesgcm://up.example.net/x#key", File: &FileInfo{Name: "plan.pdf"}, Time: today.AddDate(-1, 0, 0)},
		{ID: 6, Peer: "alice@example.org", Body: "/me waves", Time: today},
	}}
	a, _ := newTestApp(t, b)
	day := today.Add(-49 * time.Hour).Format("Mon")
	for _, tc := range []struct {
		jid  string
		want []string
	}{
		{"bob@example.org", []string{"Bob", "You: see you at noon", "09:05"}},
		{"lounge@muc.example.org", []string{"# lounge@muc.example.org", "ann: hi all", day}},
		{"carol@example.net", []string{"carol@example.net", "File: plan.pdf", today.AddDate(-1, 0, 0).Format("2 Jan 2006")}},
		{"alice@example.org", []string{"alice@example.org", "* alice@example.org waves", "09:05"}},
		{"dave@example.org", []string{"Dave"}},
	} {
		got := rowLinesOf(t, a, tc.jid)
		if len(got) > len(tc.want) { // the avatar's letter, drawn last
			got = got[:len(tc.want)]
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s's row shows %q, want %q", tc.jid, got, tc.want)
		}
	}

	// A new message replaces the preview; an older one (a room's
	// replayed history) does not.
	a.OnMessage(Message{Key: "n1", Peer: "carol@example.net", Body: "back home", Time: time.Now(), State: Received})
	a.OnMessage(Message{Key: "n2", Peer: "carol@example.net", Body: "older", Time: today.AddDate(-2, 0, 0), State: Received, History: true})
	// An offline message's delay stamp has whole seconds: one stamped in
	// the second of ours is still the newer.
	a.OnMessage(Message{Key: "n3", Peer: "alice@example.org", Outgoing: true, Body: "mine", Time: today.Add(400 * time.Millisecond), State: Sent})
	a.OnMessage(Message{Key: "n4", Peer: "alice@example.org", Body: "hers, offline", Time: today, State: Received})
	if got := rowLinesOf(t, a, "alice@example.org"); !slices.Contains(got, "hers, offline") {
		t.Errorf("alice's row after her offline message: %q", got)
	}
	if got := rowLinesOf(t, a, "carol@example.net"); !slices.Contains(got, "back home") || slices.Contains(got, "older") {
		t.Errorf("carol's row after her message: %q", got)
	}

	// Bob's unsent text: a draft in his row once Carol's chat is open,
	// back in the composer (not the row) when his is.
	selectContact(t, a, "bob@example.org")
	test.Type(a.composer, "half a thought")
	selectContact(t, a, "carol@example.net")
	if got := rowLinesOf(t, a, "bob@example.org"); !slices.Contains(got, "Draft: half a thought") {
		t.Errorf("bob's row with a draft: %q", got)
	}
	selectContact(t, a, "bob@example.org")
	if got := rowLinesOf(t, a, "bob@example.org"); !slices.Contains(got, "You: see you at noon") {
		t.Errorf("bob's row with his chat open: %q", got)
	}

	// A correction of the message shown rewords it.
	a.OnCorrection("bob@example.org", "b9", "see you at one")
	if got := rowLinesOf(t, a, "bob@example.org"); !slices.Contains(got, "You: see you at one") {
		t.Errorf("bob's row after a correction: %q", got)
	}
}

func TestShortTime(t *testing.T) {
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 12, 6, 0, 1, 0, 0, time.Local), "00:01"},
		{time.Date(2026, 12, 5, 23, 59, 0, 0, time.Local), "Yesterday"},
		{time.Date(2026, 12, 1, 8, 0, 0, 0, time.Local), "Tue"},
		{time.Date(2026, 11, 29, 8, 0, 0, 0, time.Local), "29 Nov"},
		{time.Date(2025, 12, 6, 8, 0, 0, 0, time.Local), "6 Dec 2025"},
		{time.Date(2026, 12, 6, 15, 0, 0, 0, time.Local), "15:00"}, // a clock ahead: today
		{time.Time{}, ""}, // not known
	} {
		if got := shortTime(tc.t, now); got != tc.want {
			t.Errorf("shortTime(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

// With "Newest message first" the chat list puts the chat with the newest
// message at the top, chats without messages after them by name; a new
// message moves its chat up, the open chat stays open; "By
// name" puts the list back in order.
func TestChatListNewestFirst(t *testing.T) {
	now := time.Now()
	fb := threeContacts()
	fb.contacts = append(fb.contacts, Contact{JID: "dave@example.org", Name: "Dave"})
	b := &previewBackend{fakeBackend: fb, lasts: []Message{
		{ID: 2, Peer: "carol@example.net", Body: "newest", Time: now.Add(-time.Minute)},
		{ID: 1, Peer: "bob@example.org", Body: "older", Time: now.Add(-time.Hour)},
	}}
	fa := test.NewTempApp(t)
	fa.Preferences().SetString(prefChatOrder, orderRecent)
	a := newApp(fa, "me@example.org", b)
	a.async = func(f func()) { f() }
	a.reloadContacts()
	a.win.Resize(fyne.NewSize(900, 600))
	t.Cleanup(a.win.Close)
	order := func() []string {
		var out []string
		for _, c := range a.shown {
			out = append(out, c.JID)
		}
		return out
	}
	want := []string{"carol@example.net", "bob@example.org", "alice@example.org", "dave@example.org"}
	if got := order(); !slices.Equal(got, want) {
		t.Fatalf("newest first: %q, want %q", got, want)
	}
	selectContact(t, a, "bob@example.org")
	a.OnMessage(Message{Key: "d1", Peer: "dave@example.org", Body: "hi", Time: time.Now(), State: Received})
	want = []string{"dave@example.org", "carol@example.net", "bob@example.org", "alice@example.org"}
	if got := order(); !slices.Equal(got, want) {
		t.Fatalf("after dave's message: %q, want %q", got, want)
	}
	if a.chat == nil || a.chat.peer != "bob@example.org" {
		t.Fatalf("the open chat changed to %v", a.chat)
	}
	fa.Preferences().SetString(prefChatOrder, "")
	a.sortContacts()
	a.applyFilter()
	if got, want := order(), []string{"alice@example.org", "bob@example.org", "carol@example.net", "dave@example.org"}; !slices.Equal(got, want) {
		t.Errorf("by name: %q, want %q", got, want)
	}
}

// A contact composing in a chat that is not open shows "typing…" in its
// row (as Dino's list does) until they stop or their message comes; the
// open chat's row does not (its header says it).
func TestChatListTyping(t *testing.T) {
	b := &previewBackend{fakeBackend: threeContacts(), lasts: []Message{
		{ID: 1, Peer: "carol@example.net", Body: "earlier", Time: time.Now().Add(-time.Hour)},
	}}
	a, _ := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	a.OnChatState("carol@example.net", "composing")
	if got := rowLinesOf(t, a, "carol@example.net"); !slices.Contains(got, "typing…") {
		t.Errorf("carol's row while she types: %q", got)
	}
	a.OnChatState("carol@example.net", "active")
	if got := rowLinesOf(t, a, "carol@example.net"); !slices.Contains(got, "earlier") {
		t.Errorf("carol's row after she stopped: %q", got)
	}
	a.OnChatState("carol@example.net", "composing")
	a.OnMessage(Message{Key: "c2", Peer: "carol@example.net", Body: "done typing", Time: time.Now(), State: Received})
	if got := rowLinesOf(t, a, "carol@example.net"); !slices.Contains(got, "done typing") {
		t.Errorf("carol's row after her message: %q", got)
	}
	a.OnChatState("bob@example.org", "composing")
	if got := rowLinesOf(t, a, "bob@example.org"); slices.Contains(got, "typing…") {
		t.Errorf("the open chat's row says typing: %q", got)
	}
	if len(a.rowTyping) != 1 {
		t.Errorf("%d typing timers, want bob's alone", len(a.rowTyping))
	}
}

// Drafts the profile kept show in their rows when they arrive, after the
// rows were drawn (they come from the disk, off the window's goroutine).
func TestChatListShowsKeptDrafts(t *testing.T) {
	k := &keeperBackend{fakeBackend: threeContacts(), drafts: map[string]string{}}
	a, _ := newTestApp(t, k)
	if got := rowLinesOf(t, a, "carol@example.net"); slices.Contains(got, "Draft: for later") {
		t.Fatalf("a draft before there is one: %q", got)
	}
	k.drafts["carol@example.net"] = "for later"
	a.draftsLoaded = false // as at a start whose drafts come after the roster
	a.loadDrafts()
	if got := rowLinesOf(t, a, "carol@example.net"); !slices.Contains(got, "Draft: for later") {
		t.Errorf("carol's row with the draft kept in the profile: %q", got)
	}
}
