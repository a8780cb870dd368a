package chat

import (
	"strings"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Event is what a Session tells its front end, in order, each once what
// it means is saved: one of Saved, RoomsLoaded, RouterStatus.
type Event interface{ chatEvent() }

// Saved is a client event (one of package xmppclient's event types) once
// the profile recorded it. Fresh is false for a message the profile
// already had: a resend after a reconnect, a carbon or archive copy of
// one it holds (and for an event that is not a message).
type Saved struct {
	xmppclient.Event
	Fresh bool
}

// RoomsLoaded says the account's room bookmarks were read from the server
// into the profile: the contact list has new rooms to show.
type RoomsLoaded struct{}

// RoomNotEntered says a room of the account's could not be entered at
// login (banned, closed for good, gone…): Err says why, for the room's
// view (before, it went to the log only).
type RoomNotEntered struct {
	Room jid.JID
	Err  error
}

// RouterStatus is, for an I2P account, whether its router answers and
// what to do next, worded for the user; for an account on the profile's
// own node, the node's state.
type RouterStatus struct {
	Text string
	// Node is set for an account on the profile's own node.
	Node *NodeState
}

// NodeState is the profile's own node as its account sees it: whether it
// runs and how far it is from being reachable over I2P.
type NodeState struct {
	Running bool
	Stage   node.Stage
}

// Reachable: other routers can reach the node.
func (n NodeState) Reachable() bool { return n.Running && n.Stage == node.StageReachable }

func (Saved) chatEvent()          {}
func (RoomsLoaded) chatEvent()    {}
func (RouterStatus) chatEvent()   {}
func (RoomNotEntered) chatEvent() {}

// clientEvent is the client event inside ev, or nil.
func clientEvent(ev Event) xmppclient.Event {
	if s, ok := ev.(Saved); ok {
		return s.Event
	}
	return nil
}

// FailReason is why a message was not delivered, as the window shows it:
// the server's own words when it gave some ("Server-to-server connection
// failed: NXDomain"), else its error condition in plain words.
func FailReason(e xmppclient.MessageFailed) string {
	if t := strings.TrimSpace(e.Text); t != "" {
		return OneLine(t)
	}
	switch e.Condition {
	case "":
		return "the server gave no reason"
	case "remote-server-not-found":
		return "their server could not be found"
	case "remote-server-timeout":
		return "their server did not answer in time"
	case "service-unavailable", "recipient-unavailable":
		return "the recipient cannot receive messages now"
	case "item-not-found":
		return "no such address"
	case "not-acceptable", "not-allowed", "forbidden":
		return "the server refused it (" + e.Condition + ")"
	}
	return strings.ReplaceAll(e.Condition, "-", " ")
}
