package ui

import (
	"slices"
	"strings"
)

// What a room shows of us, said in the room as Gajim says it: at a join,
// that everyone there can see our address (a non-anonymous room: in I2P
// terms, which server we are on and who we are) and that the room keeps a
// log, when it says so; and a change of its settings while we are in it.
// A join is said once per room while the window runs (a reconnection
// enters the room again without a word), unless what it says changed.

// roomPrivacy is what the room said of itself at our last join.
type roomPrivacy struct {
	known, shown, logged bool
}

// OnRoomPrivacy tells, at our join of room, whether everyone there sees
// our address and whether it keeps a log. Safe from any goroutine.
func (a *Pane) OnRoomPrivacy(room string, shown, logged bool) {
	a.do(func() {
		r := a.room(room)
		now := roomPrivacy{known: true, shown: shown, logged: logged}
		if r.privacy == now {
			return
		}
		r.privacy = now
		var says []string
		if shown {
			says = append(says, "Everyone in this room can see your address ("+a.account+").")
		}
		if logged {
			says = append(says, "The room keeps a log of what is said here.")
		}
		if len(says) > 0 {
			a.addNote(room, strings.Join(says, " "))
		}
	})
}

// OnRoomConfigChanged says in room that its settings were changed, by the
// status codes the room sent (XEP-0045 §10.2.1): what changed for us
// (prosody repeats what did not: 170 with every change to a logged room,
// and the room we just made sends its own configuration back), or, for
// another setting (104), that they were changed — unless we own the room
// (we most likely changed them). Safe from any goroutine.
func (a *Pane) OnRoomConfigChanged(room string, codes []int) {
	a.do(func() {
		r := a.room(room)
		was := r.privacy
		var says []string
		for _, c := range codes {
			// What the code makes true, what it was before this message,
			// and its words (said only where it changes what we knew).
			var now *bool
			var before, to bool
			var text string
			switch c {
			case 172:
				now, before, to, text = &r.privacy.shown, was.shown, true, "everyone here can see your address ("+a.account+")"
			case 173:
				now, before, to, text = &r.privacy.shown, was.shown, false, "only the room's moderators can see your address"
			case 174:
				now, before, to, text = &r.privacy.shown, was.shown, false, "no one here can see your address"
			case 170:
				now, before, to, text = &r.privacy.logged, was.logged, true, "the room keeps a log of what is said here"
			case 171:
				now, before, to, text = &r.privacy.logged, was.logged, false, "the room keeps no log of what is said here"
			default:
				continue
			}
			if !was.known || before != to {
				says = append(says, text)
			}
			*now = to
		}
		r.privacy.known = was.known // a join says it all
		switch {
		case len(says) > 0:
			a.addNote(room, "The room's settings were changed: "+strings.Join(says, "; ")+".")
		case slices.Contains(codes, 104) && r.self.affiliation != "owner":
			a.addNote(room, "The room's settings were changed.")
		}
	})
}
