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

// reactBackend is fakeBackend that also answers and reacts (Reactor).
type reactBackend struct {
	fakeBackend
	replies []string // "text -> ref"
	reacts  [][]string
}

func (b *reactBackend) SendReply(ctx context.Context, peer, text string, m Message) (Message, error) {
	b.replies = append(b.replies, text+" -> "+m.Ref)
	out, err := b.Send(ctx, peer, text)
	out.Reply = &ReplyInfo{ID: m.Ref, To: m.From, Quote: m.Body}
	return out, err
}

func (b *reactBackend) React(_ context.Context, peer string, m Message, emojis []string) ([]ReactionCount, error) {
	b.reacts = append(b.reacts, slices.Clone(emojis))
	var out []ReactionCount
	for _, e := range emojis {
		out = append(out, ReactionCount{Emoji: e, Who: []string{"You"}, Mine: true})
	}
	return out, nil
}

func replyPane(t *testing.T) (*Pane, *reactBackend) {
	t.Helper()
	const bob = "bob@example.org"
	ms := conversation(bob, 3)
	for i := range ms {
		ms[i].Ref = ms[i].Key
	}
	b := &reactBackend{fakeBackend: fakeBackend{contacts: []Contact{{JID: bob, Name: "Bob"}}, history: map[string][]Message{bob: ms}}}
	a, _ := newTestApp(t, b)
	a.openChat(bob)
	return a, b
}

// Reply: the bar says what is answered, Escape cancels it (the text
// stays), and a message sent while it shows is a reply to that message,
// whose row then shows the original's words.
func TestReplyBar(t *testing.T) {
	a, b := replyPane(t)
	orig := a.chat.msgs[0]
	a.startReply(orig)
	if !a.reply.box.Visible() || !strings.Contains(a.reply.label.Text, "Replying to Bob: message 1") {
		t.Fatalf("the bar: %v %q", a.reply.box.Visible(), a.reply.label.Text)
	}
	test.Type(a.composer, "draft")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if a.reply.box.Visible() || a.composer.Text != "draft" {
		t.Fatalf("after Escape: bar %v, text %q", a.reply.box.Visible(), a.composer.Text)
	}
	a.composer.SetText("")
	a.startReply(orig)
	test.Type(a.composer, "yes")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(b.replies) != 1 || b.replies[0] != "yes -> h1" || len(b.sent) != 1 {
		t.Fatalf("sent %q, replies %q", b.sent, b.replies)
	}
	if a.reply.box.Visible() {
		t.Error("the bar stays after the reply went")
	}
	last := a.chat.msgs[len(a.chat.msgs)-1]
	if q := a.quoteOf(a.chat.peer, last); q != "Bob: message 1" {
		t.Errorf("the reply's quote: %q", q)
	}
	// Bob corrects the original: the reply's quote, on screen, says the
	// new words (the list redraws one row at a time: the reply is told).
	a.showCorrection(a.chat.peer, orig.Key, "message one")
	mustShow(t, a, "Bob: message one")
	// A click on the quote goes to the original, and marks it; another
	// jump moves the mark (the row marked before is redrawn without it).
	a.jumpToOriginal(len(a.chat.msgs) - 1)
	if a.chat.marked != orig.ID {
		t.Errorf("after a click on the quote the marked message is %d, want %d", a.chat.marked, orig.ID)
	}
	if !shownRow(t, a, "message one").mark.Visible() {
		t.Error("the original shows no mark")
	}
	a.markMessage(1)
	if shownRow(t, a, "message one").mark.Visible() || !shownRow(t, a, "message 2").mark.Visible() {
		t.Error("the mark did not move to the message jumped to")
	}
	// The next message is no reply.
	test.Type(a.composer, "and more")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(b.replies) != 1 || len(b.sent) != 2 {
		t.Errorf("a plain message after the reply: sent %q, replies %q", b.sent, b.replies)
	}
	// A reply whose original is not loaded shows the sender's quote.
	m := Message{Reply: &ReplyInfo{ID: "gone", Quote: "an old\nthing"}}
	if q := a.quoteOf(a.chat.peer, m); q != "an old thing" {
		t.Errorf("quote of a reply to a message not loaded: %q", q)
	}
}

// Reactions: shown on their message, ours toggled by a click, never an
// unread count, and a heavier row for them.
func TestReactionsShown(t *testing.T) {
	a, b := replyPane(t)
	h0 := a.rowHeightAt(1)
	a.OnReactions("bob@example.org", a.chat.msgs[1].ID, "", []ReactionCount{{Emoji: "👍", Who: []string{"bob@example.org"}}})
	if got := a.chat.msgs[1].Reactions; len(got) != 1 || got[0].Emoji != "👍" {
		t.Fatalf("reactions on the message: %+v", got)
	}
	if h := a.rowHeightAt(1); h <= h0 {
		t.Errorf("the row with reactions is %v high, without %v", h, h0)
	}
	a.toggleReaction(1, "👍")
	a.toggleReaction(1, "🎉")
	if len(b.reacts) != 2 || strings.Join(b.reacts[0], "") != "👍" {
		t.Fatalf("sets sent: %q", b.reacts)
	}
	a.toggleReaction(1, "👍") // ours: taken back, 🎉 stays
	if got := b.reacts[2]; strings.Join(got, "") != "🎉" {
		t.Errorf("taking our 👍 back sent %q, want 🎉 alone", got)
	}
	a.toggleReaction(1, "🎉")
	if got := b.reacts[3]; len(got) != 0 {
		t.Errorf("taking our last one back sent %q, want the empty set", got)
	}
	if got := a.chat.msgs[1].Reactions; len(got) != 0 || a.rowHeightAt(1) != h0 {
		t.Errorf("no reactions left: %+v, row %v high (was %v)", got, a.rowHeightAt(1), h0)
	}
	// Reactions in a chat not open: no unread count, nothing shown.
	a.OnReactions("carol@example.org", 5, "x", []ReactionCount{{Emoji: "👍"}})
	for _, it := range a.contacts {
		if it.unread != 0 {
			t.Errorf("%s has %d unread after a reaction", it.JID, it.unread)
		}
	}
}

// The picker: search narrows it, Enter takes the first match, and the
// emoji goes in at the composer's cursor.
func TestEmojiPicker(t *testing.T) {
	a, _ := replyPane(t)
	test.Type(a.composer, "ab")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	start := time.Now()
	a.showEmojiPicker("Insert emoji", a.insertEmoji)
	t.Logf("the picker's first open (built then): %v", time.Since(start))
	test.Type(a.picker.search, "thumbs up")
	if es := a.picker.matches("thumbs up"); len(es) != 1 || es[0].emoji != "👍" {
		t.Fatalf("matches: %+v", es)
	}
	a.picker.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if a.composer.Text != "a👍b" {
		t.Errorf("composer %q, want the emoji at the cursor", a.composer.Text)
	}
	start = time.Now()
	a.showEmojiPicker("Insert emoji", a.insertEmoji)
	t.Logf("its second open: %v", time.Since(start))
	if es := a.picker.matches("nothing like this"); len(es) != 0 {
		t.Errorf("a search for nothing: %+v", es)
	}
}
