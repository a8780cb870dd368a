package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// RoomBackend is what a Backend that can use chat rooms (XEP-0045) offers
// the window. Rooms come with the roster (Contact.Room). Its methods are
// called off the UI goroutine and may block.
type RoomBackend interface {
	// JoinRoom enters room as nick ("": the account's name) and keeps it
	// (bookmarked, entered again at each login). create: make the room if
	// it does not exist; otherwise a missing room is an error.
	JoinRoom(ctx context.Context, room, nick string, create bool) error
	// LeaveRoom exits room and forgets it; its history is kept.
	LeaveRoom(ctx context.Context, room string) error
	// SendGroup says text in room and returns the message as shown; the
	// room's copy comes back through OnMessage with the same Key.
	SendGroup(ctx context.Context, room, text string) (Message, error)
}

// roomState is what the window knows of a room it is in.
type roomState struct {
	joined    bool
	nick      string
	occupants []string // sorted
	// away: what an occupant last said of their availability
	// ("away: brb"; none when plainly available), XEP-0045 §7.7.
	away    map[string]string
	subject string
	// self and ranks: our and others' roles (visitor, participant,
	// moderator) and affiliations (roomadmin.go); removed: the room
	// removed us (kicked, banned…) and we are not back.
	self    rank
	ranks   map[string]rank
	removed bool
	// privacy: what the room said of itself at our last join
	// (roomprivacy.go).
	privacy roomPrivacy
	// subjectOpen: everyone may change the subject (roomsubject.go).
	subjectOpen bool
}

func (a *Pane) roomBackend() RoomBackend {
	r, _ := a.backend.(RoomBackend)
	return r
}

func (a *Pane) room(jid string) *roomState {
	r := a.rooms[jid]
	if r == nil {
		r = &roomState{}
		a.rooms[jid] = r
	}
	return r
}

// isRoom reports whether peer is one of the account's rooms.
func (a *Pane) isRoom(peer string) bool {
	it := a.byJID[peer]
	return it != nil && it.Room
}

// OnRoomJoined shows that we are in room as nick. Safe from any goroutine.
func (a *Pane) OnRoomJoined(room, nick string) {
	a.do(func() {
		r := a.room(room)
		r.joined, r.nick, r.removed = true, nick, false
		a.setRoomPresence(room, Available)
		a.refreshRoomHeader(room)
		a.updateRemovalTools()
	})
}

// OnOccupant adds nick to room's occupants, or removes them (left). Safe
// from any goroutine.
func (a *Pane) OnOccupant(room, nick string, left bool) {
	a.do(func() {
		r := a.room(room)
		i, found := slices.BinarySearch(r.occupants, nick)
		switch {
		case left && found:
			r.occupants = slices.Delete(r.occupants, i, i+1)
			delete(r.away, nick)
			delete(r.ranks, nick)
		case !left && !found:
			r.occupants = slices.Insert(r.occupants, i, nick)
		default:
			return
		}
		a.refreshRoomHeader(room)
		if ch := a.chat; ch != nil && ch.peer == room && a.lockAgain == nil {
			// One refresh for a burst (a join lists everyone).
			a.lockAgain = time.AfterFunc(lockAgainAfter, func() {
				a.do(func() {
					a.lockAgain = nil
					if ch := a.chat; ch != nil && ch.peer == room {
						a.refreshLock()
					}
				})
			})
		}
	})
}

// lockAgainAfter: how long after someone comes to or leaves the open room
// its lock is asked again.
const lockAgainAfter = 500 * time.Millisecond

// OnOccupantPresence shows what nick in room said of their availability
// (XEP-0045 §7.7): show ("", away, xa, dnd, chat) and a status text,
// beside their nick in the People list. Safe from any goroutine.
func (a *Pane) OnOccupantPresence(room, nick, show, status string) {
	a.do(func() {
		r := a.room(room)
		words := awayWords(show, status)
		if r.away[nick] == words {
			return
		}
		if r.away == nil {
			r.away = map[string]string{}
		}
		if words == "" {
			delete(r.away, nick)
		} else {
			r.away[nick] = words
		}
		a.refreshRoomHeader(room)
	})
}

// maxAwayRunes bounds the status shown beside a nick: the list is narrow.
const maxAwayRunes = 24

// awayWords is an occupant's availability in a few words: "away: brb",
// "busy", or "" for plainly available without a text.
func awayWords(show, status string) string {
	word := map[string]string{"away": "away", "xa": "not available", "dnd": "busy", "chat": "free to chat"}[show]
	status = strings.Join(strings.Fields(status), " ")
	if r := []rune(status); len(r) > maxAwayRunes {
		status = string(r[:maxAwayRunes-1]) + "…"
	}
	switch {
	case word == "":
		return status
	case status == "":
		return word
	}
	return word + ": " + status
}

// OnRoomSubject shows room's subject. Safe from any goroutine.
func (a *Pane) OnRoomSubject(room, subject string) {
	a.do(func() {
		a.room(room).subject = subject
		a.refreshRoomHeader(room)
	})
}

// roomsOffline marks every room as left: the connection is gone (the core
// enters them again when it is back).
func (a *Pane) roomsOffline() {
	for jid, r := range a.rooms {
		if r.joined || len(r.occupants) > 0 {
			r.joined, r.occupants, r.ranks = false, nil, nil
			a.setRoomPresence(jid, Unavailable)
			a.refreshRoomHeader(jid)
		}
	}
}

func (a *Pane) setRoomPresence(room string, p Presence) {
	if it := a.byJID[room]; it != nil && it.presence != p {
		it.presence = p
		a.refreshContact(room)
	}
}

// refreshRoomHeader redraws the open chat's header and people list if room
// is open.
func (a *Pane) refreshRoomHeader(room string) {
	if a.chat == nil || a.chat.peer != room {
		return
	}
	a.title.SetText(a.chatTitle(room))
	a.showSubject(room)
	a.people.Refresh()
	a.updateVoice()
}

// showSubject shows the open room's subject under the title (nothing for
// a contact or a room without one).
func (a *Pane) showSubject(peer string) {
	text := ""
	if a.isRoom(peer) {
		text = strings.Join(strings.Fields(a.room(peer).subject), " ")
	}
	a.subject.SetText(text)
	setShown(a.subject, text != "")
}

// chatTitle is the open chat's header text.
func (a *Pane) chatTitle(peer string) string {
	label := peer
	it := a.byJID[peer]
	switch {
	case it != nil && it.Name != "" && a.compact:
		label = it.Name // a narrow chat: the name alone
	case it != nil && it.Name != "":
		label = it.Name + " <" + peer + ">"
	}
	if l, ok := privateLabel(peer); ok && (it == nil || it.Name == "") {
		return l + " — private, not encrypted"
	}
	if it == nil || !it.Room {
		return label
	}
	r := a.room(peer)
	switch {
	case !r.joined:
		label += " — not joined"
	case len(r.occupants) == 1:
		label += " — 1 person here"
	default:
		label += fmt.Sprintf(" — %d people here", len(r.occupants))
	}
	return label
}

// buildRoomParts makes the people list shown beside a room's messages.
func (a *Pane) buildRoomParts() {
	a.people = widget.NewList(
		func() int {
			if a.chat == nil {
				return 0
			}
			return len(a.room(a.chat.peer).occupants)
		},
		newOccupantRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if a.chat == nil {
				return
			}
			r := a.room(a.chat.peer)
			if id < len(r.occupants) {
				row, nick := o.(*occupantRow), r.occupants[id]
				row.set(nick, r.caption(nick))
				row.menu = func(at fyne.Position) { a.showOccupantMenu(nick, at) }
				row.tap = func() { a.people.Select(id) }
			}
		})
	a.people.OnSelected = a.occupantPicked
	heading := widget.NewLabel("People")
	heading.TextStyle = fyne.TextStyle{Bold: true}
	a.peoplePane = container.NewBorder(heading, nil, nil, nil, a.people)
	a.roomSplit = container.NewHSplit(widget.NewLabel(""), a.peoplePane)
	a.roomSplit.Offset = 0.78
}

// showPeople shows or hides a room's people list beside its messages.
// In a narrow chat it takes more of the width (its names were "a-ve…"
// at 22 %).
func (a *Pane) showPeople(shown bool) {
	setShown(a.peoplePane, shown)
	switch {
	case !shown:
		a.roomSplit.Offset = 1
	case a.compact:
		a.roomSplit.Offset = 0.55
	default:
		a.roomSplit.Offset = 0.78
	}
	a.roomSplit.Refresh()
}

// showChatBody puts the message list alone (a contact) or beside the
// people list (a room) in the chat pane.
func (a *Pane) showChatBody(room bool) {
	if room {
		a.roomSplit.Leading = a.msgView
		a.chatBody.Objects = []fyne.CanvasObject{a.roomSplit}
		a.roomSplit.Refresh()
	} else {
		a.chatBody.Objects = []fyne.CanvasObject{a.msgView}
	}
	a.chatBody.Refresh()
	stranger := false
	if a.chat != nil {
		if it := a.byJID[a.chat.peer]; it != nil {
			stranger = it.Stranger && !isPrivatePeer(a.chat.peer)
		}
	}
	for _, o := range a.strangerTools {
		setShown(o, !room && stranger)
	}
	for _, o := range a.roomTools {
		setShown(o, room)
	}
	if a.attach != nil {
		setShown(a.attach, true) // rooms take files too, in plaintext
	}
	setShown(a.moreButton, len(a.chatMenuItems()) > 0)
	a.updateBlockTools()
	a.updateVoice()
	a.updateRemovalTools()
	a.header.Refresh() // lays the tools out again
}

// showJoinRoom asks for a room address and a nickname (filled with what
// the user typed before, after an error) and joins.
func (a *Pane) showJoinRoom(room, nick string, create bool) {
	addr := newDialogEntry()
	addr.SetPlaceHolder("room@conference.server")
	addr.SetText(room)
	name := newDialogEntry()
	name.SetPlaceHolder("default: your registered nick there, else your account's name")
	name.SetText(nick)
	mk := newDialogCheck("Create it if it does not exist", nil)
	mk.SetChecked(create)
	d := dialog.NewForm("Join a room", "Join", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Room", a.withBrowse(addr)), widget.NewFormItem("Nickname", name), widget.NewFormItem("", mk)},
		func(ok bool) {
			if ok {
				a.joinRoom(strings.TrimSpace(addr.Text), strings.TrimSpace(name.Text), mk.Checked)
			}
		}, a.win)
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	showForm(a.win, d, addr, name)
}

// joinRoom joins and opens the room; on an error the dialog comes back
// with what was typed, after the error is shown.
func (a *Pane) joinRoom(room, nick string, create bool) {
	rb := a.roomBackend()
	wait := dialog.NewCustomWithoutButtons("Joining "+room+"…", widget.NewProgressBarInfinite(), a.win)
	wait.Show()
	a.async(func() {
		err := rb.JoinRoom(a.ctx, room, nick, create)
		a.do(func() {
			wait.Hide()
			if err != nil {
				a.showErrorThen(err, func() { a.showJoinRoom(room, nick, create) })
				return
			}
			a.openNext = room // opened once the roster has it
			a.reloadContacts()
		})
	})
}

// confirmLeave asks before leaving the open room.
func (a *Pane) confirmLeave() {
	if a.chat == nil {
		return
	}
	room := a.chat.peer
	showConfirm(a.win, "Leave room", fmt.Sprintf("Leave %s? It is taken off your rooms and not joined again at login. The history is kept.", room), "Leave",
		func(ok bool) {
			if ok {
				a.leaveRoom(room)
			}
		})
}

func (a *Pane) leaveRoom(room string) {
	rb := a.roomBackend()
	a.async(func() {
		err := rb.LeaveRoom(a.ctx, room)
		a.do(func() {
			if err != nil {
				showError(a.win, fmt.Errorf("leaving %s: %w", room, err), nil)
				return
			}
			delete(a.rooms, room)
			a.closeChat(room)
			a.reloadContacts()
		})
	})
}

func setShown(o fyne.CanvasObject, shown bool) {
	if shown {
		o.Show()
	} else {
		o.Hide()
	}
}
