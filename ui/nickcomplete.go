package ui

import (
	"slices"
	"strings"
	"unicode"
)

// Nickname completion in a room's composer, as in Gajim: Tab after the
// start of a nickname completes it — "Annabel: " at the start of the
// message, "Annabel " elsewhere — and Tab again at once goes to the next
// one that fits; those who spoke last come first, then the rest by name;
// our own nick is left out. "@ann" completes to "@Annabel " (Dino's way of
// naming someone) anywhere. Where nothing fits (or in a one-to-one chat)
// Tab leaves the composer as before.

// nickCycle is the last completion, for the next Tab to go on from.
type nickCycle struct {
	room   string
	text   string // the composer's text after it
	cursor int    // the cursor after it
	start  int    // where the completed word starts
	cands  []string
	i      int
}

// completeNick is the composer's Complete in the open chat.
func (a *Pane) completeNick(text []rune, cursor int, apply bool) ([]rune, int, bool) {
	if a.chat == nil || !a.isRoom(a.chat.peer) || cursor > len(text) {
		return nil, 0, false
	}
	room := a.chat.peer
	if cy := a.nickCycle; cy != nil && cy.room == room && cy.cursor == cursor && cy.text == string(text) {
		if len(cy.cands) < 2 {
			return nil, 0, false // the only one is in: Tab moves on
		}
		i := (cy.i + 1) % len(cy.cands)
		out, cur := completedWith(text, cy.start, cursor, cy.cands[i])
		if apply {
			cy.i, cy.text, cy.cursor = i, string(out), cur
		}
		return out, cur, true
	}
	start := cursor
	for start > 0 && !unicode.IsSpace(text[start-1]) {
		start--
	}
	prefix := string(text[start:cursor])
	at := strings.HasPrefix(prefix, "@") // "@ann" completes to "@Annabel " (as Dino writes it)
	if at {
		prefix = prefix[1:]
	}
	if prefix == "" {
		return nil, 0, false
	}
	cands := a.nickCandidates(room, prefix)
	if len(cands) == 0 {
		return nil, 0, false
	}
	if at {
		for i := range cands {
			cands[i] = "@" + cands[i]
		}
	}
	out, cur := completedWith(text, start, cursor, cands[0])
	if apply {
		a.nickCycle = &nickCycle{room: room, text: string(out), cursor: cur, start: start, cands: cands}
	}
	return out, cur, true
}

// completedWith is text with text[start:end] made nick, addressed
// ("nick: ") at the message's start, and a space after it unless one
// follows already; the cursor goes after the space.
func completedWith(text []rune, start, end int, nick string) ([]rune, int) {
	word := nick
	if start == 0 && !strings.HasPrefix(nick, "@") {
		word += ":"
	}
	if end == len(text) || !unicode.IsSpace(text[end]) {
		word += " "
	}
	out := slices.Concat(text[:start], []rune(word), text[end:])
	cur := start + len([]rune(word))
	if !strings.HasSuffix(word, " ") {
		cur++ // past the space that was there
	}
	return out, cur
}

// nickCandidates are room's occupants (not us) whose nick starts with
// prefix, whatever the case: the last to speak in the open chat first,
// then the others by name.
func (a *Pane) nickCandidates(room, prefix string) []string {
	r := a.room(room)
	p := strings.ToLower(prefix)
	fits := func(n string) bool { return n != r.nick && strings.HasPrefix(strings.ToLower(n), p) }
	var out []string
	if a.chat != nil && a.chat.peer == room {
		for i := len(a.chat.msgs) - 1; i >= 0 && len(out) < 50; i-- {
			n := a.chat.msgs[i].Nick
			if n != "" && fits(n) && slices.Contains(r.occupants, n) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	spoke := len(out)
	for _, n := range r.occupants {
		if fits(n) && !slices.Contains(out[:spoke], n) {
			out = append(out, n)
		}
	}
	slices.SortStableFunc(out[spoke:], func(x, y string) int { return strings.Compare(strings.ToLower(x), strings.ToLower(y)) })
	return out
}
