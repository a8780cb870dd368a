package xmppclient

import (
	"time"

	"mellium.im/xmpp/jid"
)

// Event is something that happened on a Client. Events arrive in order on
// Client.Events; the channel is closed when Run returns.
type Event interface{ isEvent() }

// ConnState is the connection state of a Client.
type ConnState int

const (
	Offline ConnState = iota
	Connecting
	// Online: logged in and bound, the roster request and presence sent;
	// messages can go. The server's answers (stream management enabled,
	// the roster as a RosterChanged) follow; a drop before they came ends
	// in a new session rather than a resumed one (the outbox resends what
	// was not acked).
	Online
	Failed // stopped for good: wrong password, certificate mismatch, …
)

func (s ConnState) String() string {
	switch s {
	case Offline:
		return "offline"
	case Connecting:
		return "connecting"
	case Online:
		return "online"
	case Failed:
		return "error"
	}
	return "unknown"
}

// StateChanged reports a new connection state. Err says why a connection
// ended or failed; Resumed is set when a stream-management session resumed.
type StateChanged struct {
	State   ConnState
	Err     error
	Resumed bool
	// Retry is when the next connection attempt starts (State Offline).
	Retry time.Duration
}

// CertPinned reports that a certificate was trusted on first use and its
// fingerprint stored (or, with Known, that a stored pin matched).
type CertPinned struct {
	Host        string
	Fingerprint string
	Known       bool
}

// Message is a chat message, incoming or one of ours seen on another
// resource (carbon) or in the archive.
type Message struct {
	ID        string // stanza id
	OriginID  string // XEP-0359 origin-id (falls back to ID)
	ArchiveID string // the server's archive id (stanza-id by our account)
	From, To  jid.JID
	Type      string
	Body      string
	Time      time.Time
	Outgoing  bool // sent by this account (carbon or archive)
	Carbon    bool
	Archived  bool // from a MAM query
	Delayed   bool // delivered late (offline storage)
	// Encrypted: it came OMEMO-encrypted; Body is the decrypted text, or
	// "could not decrypt: …" and why (never the fallback body).
	Encrypted bool
	// File: the message shares a file (Body is its URL); nil for text.
	File *FileRef
	// Reply: the message answers another (XEP-0461); Body is then the
	// text without the quote the sender put before it for other clients.
	Reply *Reply
	// Replaces: the message corrects the one with this id (XEP-0308),
	// Body being its new text.
	Replaces string
	// Retract: the message retracts the one Replaces names (XEP-0424);
	// Body is empty.
	Retract bool
	// Markable: the sender's client asks to be told when it is seen
	// (XEP-0333).
	Markable bool
	// Private: a room's private message (XEP-0045 §7.5), from (or, ours,
	// to) the occupant room/nick: its chat is that full address, never the
	// room's bare one.
	Private bool
	// enc is the <encrypted> element until the pump decrypts it.
	enc *encryptedEl
	// rep is an encrypted message's reply until the pump decrypts its body.
	rep *pendingReply
	// react is the message's <reactions/>: it is told as ReactionsReceived.
	react *reactionsEl
	// marker is the id a displayed marker (XEP-0333) in it names: told as
	// MarkerReceived.
	marker string
}

// pendingReply is an encrypted reply's element and fallbacks, applied to
// the body once decrypted.
type pendingReply struct {
	el  replyEl
	fbs []fallbackEl
}

// MessageReceived carries a message with a body.
type MessageReceived struct{ Message }

// MessageAcked reports that the server acknowledged (XEP-0198) one of our
// messages; the outbox entry has been removed — unless Unrecorded: the disk
// holding the outbox is full, and the entry stays until there is room.
type MessageAcked struct {
	ID         string
	Unrecorded bool
}

// MessageFailed reports that one of our messages came back as an error
// (for example the recipient's server could not be reached).
type MessageFailed struct {
	ID        string
	Condition string // e.g. remote-server-not-found
	Text      string // the server's explanation, if any
}

func (e MessageFailed) Error() string {
	if e.Text != "" {
		return e.Text
	}
	return e.Condition
}

// ReceiptReceived reports a delivery receipt (XEP-0184) for message ID.
type ReceiptReceived struct {
	From jid.JID
	ID   string
}

// PresenceChanged reports a contact's presence.
type PresenceChanged struct {
	From     jid.JID
	Type     string // "" (available), "unavailable", "error", …
	Show     string
	Status   string
	Priority int
}

// SubscriptionRequest reports that From asks to see our presence.
type SubscriptionRequest struct{ From jid.JID }

// RosterItem is one roster entry.
type RosterItem struct {
	JID          jid.JID
	Name         string
	Subscription string // none, to, from, both, remove
	Groups       []string
}

// BlocklistChanged: the account's blocklist changed (XEP-0191 push):
// JIDs were blocked, or unblocked (no JIDs: all were unblocked).
type BlocklistChanged struct {
	JIDs    []string
	Blocked bool
}

// RosterChanged reports a roster push or, with Full, the whole roster after
// login.
type RosterChanged struct {
	Items   []RosterItem
	Ver     string
	Full    bool
	Removed bool
}

// ArchiveSynced reports the end of a MAM catch-up; LastID is the newest
// archive id seen, to be passed back as Config.Archive's cursor.
type ArchiveSynced struct {
	LastID string
	Pages  int // result pages fetched
}

// ErrorEvent reports a problem that did not end the connection.
type ErrorEvent struct{ Err error }

func (StateChanged) isEvent()        {}
func (CertPinned) isEvent()          {}
func (MessageReceived) isEvent()     {}
func (MessageAcked) isEvent()        {}
func (MessageFailed) isEvent()       {}
func (ReceiptReceived) isEvent()     {}
func (PresenceChanged) isEvent()     {}
func (SubscriptionRequest) isEvent() {}
func (RosterChanged) isEvent()       {}
func (ArchiveSynced) isEvent()       {}
func (ErrorEvent) isEvent()          {}
func (BlocklistChanged) isEvent()    {}
