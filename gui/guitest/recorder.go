// Package guitest has what tests of the window's wiring share: a
// Recorder that stands in for an account's pane.
package guitest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/clove-xmpp/clove/ui"
)

// Recorder is a gui.Sink that writes down, one line each, what the
// window was told; it is safe for the session's goroutine and the test.
// The actions offered ("Reconnect now", "Log in…") are kept to be tapped.
type Recorder struct {
	mu   sync.Mutex
	got  []string
	acts map[string]func()
}

func (r *Recorder) OnState(s ui.ConnState, e string) { r.add("state %s %s", s, e) }
func (r *Recorder) OnMessage(m ui.Message) {
	r.add("msg %s %s out=%v %q %s nick=%s history=%v", m.Key, m.Peer, m.Outgoing, m.Body, m.State, m.Nick, m.History)
}
func (r *Recorder) OnMessageState(k string, s ui.MsgState) { r.add("mstate %s %s", k, s) }
func (r *Recorder) OnMessageFailed(k, why string)          { r.add("failed %s %s", k, why) }
func (r *Recorder) OnPresence(j string, p ui.Presence)     { r.add("presence %s %d", j, p) }
func (r *Recorder) OnRoster()                              { r.add("roster") }
func (r *Recorder) OnSubscriptionRequest(j string)         { r.add("subscription request %s", j) }
func (r *Recorder) OnRoomJoined(room, nick string)         { r.add("joined %s as %s", room, nick) }
func (r *Recorder) OnOccupant(room, nick string, left bool) {
	r.add("occupant %s %s left=%v", room, nick, left)
}
func (r *Recorder) OnRoomSubject(room, subject string) { r.add("subject %s %q", room, subject) }
func (r *Recorder) OnOccupantPresence(room, nick, show, status string) {
	if show != "" || status != "" { // a plain join says nothing more
		r.add("occupant presence %s %s %s %q", room, nick, show, status)
	}
}
func (r *Recorder) OnSessionStarted()    { r.add("session started") }
func (r *Recorder) OnRouter(text string) { r.add("router %s", text) }
func (r *Recorder) OnInvitation(inv ui.Invitation) {
	r.add("invitation %s from %s %q password=%q mediated=%v", inv.Room, inv.From, inv.Reason, inv.Password, inv.Mediated)
}
func (r *Recorder) OnRoomNotice(room, text string) { r.add("notice %s %s", room, text) }
func (r *Recorder) OnOccupantRank(room, nick, role, aff string, self bool) {
	r.add("rank %s %s %s %s self=%v", room, nick, role, aff, self)
}
func (r *Recorder) OnVoiceRequest(room, nick string) { r.add("voice request %s %s", room, nick) }
func (r *Recorder) OnRoomPrivacy(room string, shown, logged bool) {
	r.add("privacy %s shown=%v logged=%v", room, shown, logged)
}
func (r *Recorder) OnRoomConfigChanged(room string, codes []int) {
	r.add("config changed %s %v", room, codes)
}
func (r *Recorder) OnSubjectOpen(room string, open bool) {
	r.add("subject open %s %v", room, open)
}
func (r *Recorder) OnSubjectChanged(room, nick, subject string, self bool) {
	r.add("subject changed %s by %s self=%v %q", room, nick, self, subject)
}
func (r *Recorder) OnRoomRemoval(room, nick string, self, gone bool, text string) {
	r.add("removed %s %s self=%v gone=%v %s", room, nick, self, gone, text)
}
func (r *Recorder) OnNode(n ui.NodeState) {
	r.add("node running=%t stage=%s reachable=%t", n.Running, n.Stage, n.Reachable)
}

func (r *Recorder) OfferAction(label string, act func()) {
	r.add("offer %s", label)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.acts == nil {
		r.acts = map[string]func(){}
	}
	r.acts[label] = act
}

func (r *Recorder) add(f string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, strings.TrimSpace(fmt.Sprintf(f, a...)))
}

// Got is what the window was told so far, a line each.
func (r *Recorder) Got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// Saw reports whether a line told so far starts with s.
func (r *Recorder) Saw(s string) bool {
	for _, g := range r.Got() {
		if strings.HasPrefix(g, s) {
			return true
		}
	}
	return false
}

// LastState is the last connection state told ("state …"), or "".
func (r *Recorder) LastState() string {
	got := r.Got()
	for i := len(got) - 1; i >= 0; i-- {
		if strings.HasPrefix(got[i], "state ") {
			return got[i]
		}
	}
	return ""
}

// Tap does the action offered as label.
func (r *Recorder) Tap(t testing.TB, label string) {
	t.Helper()
	r.mu.Lock()
	act := r.acts[label]
	r.mu.Unlock()
	if act == nil {
		t.Fatalf("%q was never offered", label)
	}
	act()
}
