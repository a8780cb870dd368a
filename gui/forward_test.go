package gui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/gui/guitest"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/xmppclient"
)

func TestForwardMapsClientEventsToTheWindow(t *testing.T) {
	me, bob := jid.MustParse("me@x.test"), jid.MustParse("bob@x.test/phone")
	lounge := jid.MustParse("lounge@muc.x.test")
	r := &guitest.Recorder{}
	for _, c := range []struct {
		ev    xmppclient.Event
		fresh bool
	}{
		{xmppclient.StateChanged{State: xmppclient.Connecting}, false},
		{xmppclient.StateChanged{State: xmppclient.Online}, false},
		{xmppclient.StateChanged{State: xmppclient.Online, Resumed: true}, false},
		{xmppclient.StateChanged{State: xmppclient.Offline, Err: errors.New("connection\nreset"), Retry: 2 * time.Second}, false},
		{xmppclient.StateChanged{State: xmppclient.Failed, Err: errors.New("not-authorized")}, false},
		{xmppclient.MessageReceived{Message: xmppclient.Message{ID: "s1", OriginID: "o1", From: bob, To: me, Body: "hi"}}, true},
		{xmppclient.MessageReceived{Message: xmppclient.Message{ID: "s2", From: bob, To: me, Body: "old copy"}}, false},
		{xmppclient.MessageReceived{Message: xmppclient.Message{ID: "s3", From: me, To: bob, Body: "from my phone", Outgoing: true, Carbon: true}}, true},
		{xmppclient.MessageAcked{ID: "o9"}, false},
		{xmppclient.ReceiptReceived{From: bob, ID: "o9"}, false},
		{xmppclient.MessageFailed{ID: "o8", Condition: "remote-server-not-found"}, false},
		{xmppclient.MessageFailed{ID: "o7", Condition: "remote-server-not-found", Text: "Server-to-server connection failed:\nNXDomain"}, false},
		{xmppclient.PresenceChanged{From: bob, Show: "dnd"}, false},
		{xmppclient.PresenceChanged{From: bob, Type: "unavailable"}, false},
		{xmppclient.PresenceChanged{From: jid.MustParse("me@x.test/laptop")}, false},
		{xmppclient.RosterChanged{Full: true}, false},
		{xmppclient.SubscriptionRequest{From: jid.MustParse("dave@x.test")}, false},
		{xmppclient.RoomJoined{Room: lounge, Nick: "me"}, false},
		{xmppclient.Occupant{Room: lounge, Nick: "ann", Role: "participant", Affiliation: "member"}, false},
		{xmppclient.Occupant{Room: lounge, Nick: "ann", Left: true, Removed: xmppclient.Kicked, Actor: "me", Reason: "spam"}, false},
		{xmppclient.Occupant{Room: lounge, Nick: "bob", Left: true, NewNick: "Robert"}, false},
		{xmppclient.Occupant{Room: lounge, Nick: "me", Left: true, Self: true, NewNick: "Me2"}, false},
		{xmppclient.GroupMessage{Room: lounge, Subject: "I2P", SubjectSet: true}, false},
		{xmppclient.RoomConfigChanged{Room: lounge, Codes: []int{104, 172}}, false},
		{xmppclient.RoomSubjectPolicy{Room: lounge, Open: true}, false},
		{xmppclient.GroupMessage{Room: lounge, Nick: "ann", SubjectSet: true, SubjectChange: true}, false},
		{xmppclient.GroupMessage{Room: lounge, Nick: "ann", ID: "g1", Body: "before", Delayed: true}, true},
		{xmppclient.GroupMessage{Room: lounge, Nick: "ann", ID: "g1", Body: "before", Delayed: true}, false},
		{xmppclient.GroupMessage{Room: lounge, Nick: "me", ID: "g2", Body: "mine", Self: true}, false},
		{xmppclient.Invitation{Room: lounge, From: jid.MustParse("bob@x.test"), Reason: "tea", Password: "pw"}, false},
		{xmppclient.Invitation{Room: lounge, From: jid.MustParse("lounge@muc.x.test/ann"), Mediated: true}, false},
		{xmppclient.RoomRejoined{Room: lounge, Nick: "me", Condition: "not-acceptable"}, false},
		{xmppclient.RoomArchiveSynced{Room: lounge, Messages: 3, Pages: 1}, false},
		{xmppclient.RoomArchiveSynced{Room: lounge, Messages: 1000, Pages: 20, Capped: true}, false},
		{xmppclient.RoomArchiveSynced{Room: lounge, Err: errors.New("reading the archive of lounge@muc.x.test: forbidden")}, false},
		{xmppclient.InvitationDeclined{Room: lounge, From: jid.MustParse("bob@x.test"), Reason: "busy\nnow"}, false},
		{xmppclient.BookmarkChanged{Bookmark: xmppclient.Bookmark{Room: lounge, Autojoin: true}}, false},
		{xmppclient.BookmarkRemoved{Room: lounge}, false},
	} {
		Forward(r, me.String(), chat.Saved{Event: c.ev, Fresh: c.fresh})
	}
	want := []string{
		"state connecting…",
		"session started",
		"state online",
		"state online",
		"state offline connection reset; retrying in 2s",
		"state error not-authorized",
		`msg o1 bob@x.test out=false "hi" received nick= history=false`,
		`msg s3 bob@x.test out=true "from my phone" sent nick= history=false`,
		"mstate o9 sent",
		"mstate o9 delivered",
		"failed o8 their server could not be found",
		"failed o7 Server-to-server connection failed: NXDomain",
		"presence bob@x.test 3",
		"presence bob@x.test 0",
		"roster",
		"subscription request dave@x.test",
		"joined lounge@muc.x.test as me",
		"privacy lounge@muc.x.test shown=false logged=false",
		"subject open lounge@muc.x.test false",
		"occupant lounge@muc.x.test ann left=false",
		"rank lounge@muc.x.test ann participant member self=false",
		"occupant lounge@muc.x.test ann left=true",
		"removed lounge@muc.x.test ann self=false gone=false ann was removed from the room by me: spam.",
		"occupant lounge@muc.x.test bob left=true",
		"notice lounge@muc.x.test bob is now known as Robert.",
		"occupant lounge@muc.x.test me left=true",
		"joined lounge@muc.x.test as Me2",
		"notice lounge@muc.x.test You are now known as Me2 (were me).",
		`subject lounge@muc.x.test "I2P"`,
		"config changed lounge@muc.x.test [104 172]",
		"subject open lounge@muc.x.test true",
		`subject lounge@muc.x.test ""`,
		`subject changed lounge@muc.x.test by ann self=false ""`,
		`msg g1 lounge@muc.x.test out=false "before" received nick=ann history=true`,
		"mstate g2 sent",
		`invitation lounge@muc.x.test from bob@x.test "tea" password="pw" mediated=false`,
		`invitation lounge@muc.x.test from lounge@muc.x.test/ann "" password="" mediated=true`,
		"notice lounge@muc.x.test Rejoined the room after being disconnected (the room had lost you: not-acceptable).",
		"notice lounge@muc.x.test Only the newest 1000 messages said while you were away were fetched; older ones are still in the room's archive.",
		"notice lounge@muc.x.test What was said while you were away could not be fetched: reading the archive of lounge@muc.x.test: forbidden.",
		"notice lounge@muc.x.test bob@x.test declined your invitation: busy now.",
		"roster",
		"roster",
	}
	if strings.Join(r.Got(), "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(r.Got(), "\n"), strings.Join(want, "\n"))
	}
}

// The router line goes to the status bar; for an account on the
// profile's own node, the node's state instead (which turns the green
// online into the node's I2P stage; the router line would say it twice).
func TestForwardShowsTheNodesState(t *testing.T) {
	for _, tc := range []struct {
		ev   chat.RouterStatus
		want []string
	}{
		{chat.RouterStatus{Text: "I2P router: ready"}, []string{"router I2P router: ready"}},
		{chat.RouterStatus{Text: "your node: tunnels building; other servers cannot reach it yet", Node: &chat.NodeState{Running: true, Stage: node.StageBuilding}},
			[]string{"node running=true stage=tunnels building reachable=false"}},
		{chat.RouterStatus{Text: "your node: reachable over I2P", Node: &chat.NodeState{Running: true, Stage: node.StageReachable}},
			[]string{"node running=true stage=reachable reachable=true"}},
		{chat.RouterStatus{Text: "your node is stopped: no one can reach you over I2P", Node: &chat.NodeState{}},
			[]string{"node running=false stage=unknown reachable=false"}},
	} {
		r := &guitest.Recorder{}
		Forward(r, "me@x.test", tc.ev)
		if got := r.Got(); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%+v: got %q, want %q", tc.ev, got, tc.want)
		}
	}
}

// A room that could not be entered at login says why in its view (it went
// to the log only).
func TestForwardSaysARoomWasNotEntered(t *testing.T) {
	r := &guitest.Recorder{}
	room := jid.MustParse("den@muc.x.test")
	Forward(r, "me@x.test", chat.RoomNotEntered{Room: room, Err: &xmppclient.RoomError{Room: room, Condition: stanza.Forbidden}})
	want := "notice den@muc.x.test Could not enter the room: you are banned from den@muc.x.test."
	if got := r.Got(); len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
