// Package msgstate is the one rule for where a message is in its life,
// used by the store (which records it) and the window (which shows it).
package msgstate

// State is where a message is in its life. The zero value is "not known
// yet" (an ack the window saw before the message it is about).
type State string

// Outgoing messages go Queued → Sent → Delivered (→ Read), or to Failed;
// incoming ones are Received and stay so.
const (
	Queued    State = "queued"    // written, not yet acknowledged by the server
	Sent      State = "sent"      // acknowledged by the server (XEP-0198 ack or the room's copy)
	Delivered State = "delivered" // receipt from the recipient (XEP-0184)
	Failed    State = "failed"    // the server returned an error
	Received  State = "received"  // incoming
	// Read: the recipient's client says they saw it (a displayed marker,
	// XEP-0333, naming it or a later message). The window's only: the
	// store keeps how far a contact has read apart (read_marks), not as a
	// message's state, so Valid does not count it.
	Read State = "read"
)

// Valid reports whether st is one of the states a message is stored in
// (not the zero value, not Read).
func (st State) Valid() bool {
	switch st {
	case Queued, Sent, Delivered, Failed, Received:
		return true
	}
	return false
}

// From lists the states a message may move to `to` from. Sent only after
// Queued (an ack never undoes a receipt or an error); Delivered after
// anything outgoing, Failed included (the receipt proves it arrived);
// Failed unless Delivered. Nothing moves to Queued or Received: a message
// is written in those.
func From(to State) []State {
	switch to {
	case Read:
		return []State{Queued, Sent, Delivered, Failed}
	case Sent:
		return []State{Queued}
	case Delivered:
		return []State{Queued, Sent, Failed}
	case Failed:
		return []State{Queued, Sent}
	}
	return nil
}

// Next is the state of a message in state cur once told next: next if the
// rule allows the move, else cur. A state not known yet (the zero value)
// takes next.
func Next(cur, next State) State {
	if cur == "" {
		return next
	}
	for _, f := range From(next) {
		if f == cur {
			return next
		}
	}
	return cur
}
