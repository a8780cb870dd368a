package ui

import (
	"context"
	"time"

	"github.com/clove-xmpp/clove/msgstate"
)

// ConnState is the account's connection state as the status bar shows it.
type ConnState int

// Connection states.
const (
	Offline ConnState = iota
	Connecting
	Online
	Error // stopped for good, or a problem worth showing; see the error text
)

func (s ConnState) String() string {
	switch s {
	case Offline:
		return "offline"
	case Connecting:
		return "connecting…"
	case Online:
		return "online"
	case Error:
		return "error"
	}
	return "unknown"
}

// Presence is a contact's availability, shown as a coloured dot.
type Presence int

// Presences.
const (
	Unavailable Presence = iota
	Available
	Away // away or extended away
	Busy // do not disturb
)

// MsgState is where a message is in its life; package msgstate has the
// rule for how it moves, the same the store records by. The zero value is
// "not known yet".
type MsgState = msgstate.State

// Message states: outgoing messages go Queued → Sent → Delivered → Read,
// or to Failed; incoming ones are Received. Read is the window's only: a
// contact's displayed marker (XEP-0333, markers.go) for it or a later one.
const (
	Received  = msgstate.Received
	Queued    = msgstate.Queued
	Sent      = msgstate.Sent
	Delivered = msgstate.Delivered
	Read      = msgstate.Read
	Failed    = msgstate.Failed
)

// stateText is what a message row says of its state ("queued", "sent",
// "delivered", "read", "failed"): nothing for an incoming one.
func stateText(s MsgState) string {
	if s == Received {
		return ""
	}
	return string(s)
}

// Contact is one roster entry.
type Contact struct {
	JID  string // bare address
	Name string // "" when the user gave none
	Room bool   // a chat room (XEP-0045), not a person
	// Stranger: someone who wrote to the account without being in its
	// roster; listed so the chat can be read again, with "Add to contacts".
	Stranger bool
}

// Label is what the roster shows for c.
func (c Contact) Label() string {
	if c.Name != "" {
		return c.Name
	}
	if l, ok := privateLabel(c.JID); ok {
		return l
	}
	return c.JID
}

// Message is one chat message.
type Message struct {
	ID       int64  // the store's id (orders history; 0 when not known yet)
	Key      string // our origin id for outgoing messages: acks and receipts name it
	Peer     string // bare address of the other side
	Outgoing bool
	Body     string
	Time     time.Time
	State    MsgState
	Reason   string // why it failed (Failed only): the server's words
	// In rooms: the sender's nickname, and whether the message is the
	// room's history replayed on joining (shown, not counted as unread).
	Nick    string
	History bool
	// Encrypted: it travelled end-to-end encrypted (OMEMO).
	Encrypted bool
	// Edited: a correction (XEP-0308) changed its text; Body is the new one.
	Edited bool
	// Notice: a line from Clove itself in the chat (a contact's new OMEMO
	// device), not a message: not stored, not counted unread.
	Notice bool
	// File: the message shares a file (its Body is the file's URL, which
	// for an encrypted file holds the key: never shown, never copied).
	File *FileInfo
	// Ref is the id a reply or a reaction names the message by (a chat
	// message's id, a room's stanza-id); "" when it cannot be answered.
	Ref string
	// From is the sender's address (ours: the account), for a reply's to.
	From string
	// Reply: what the message answers (XEP-0461); Body is the text alone.
	Reply *ReplyInfo
	// Reactions: everyone's reactions, one entry per emoji.
	Reactions []ReactionCount
	// Retracted: the sender deleted it for everyone (XEP-0424); Body,
	// File, Reply and Reactions are then empty. Moderated: a room's
	// moderator removed it (XEP-0425); Body is then the reason given.
	Retracted, Moderated bool
}

// ReplyInfo is what a message answers: the original's id and author, and
// the quote its sender gave (shown when the original is not loaded).
type ReplyInfo struct {
	ID, To, Quote string
}

// ReactionCount is one emoji under a message: how many reacted with it,
// who, and whether we are among them.
type ReactionCount struct {
	Emoji string
	Who   []string // senders, as shown
	Mine  bool
}

// FileInfo is the file a message shares (XEP-0363/0066, XEP-0454).
type FileInfo struct {
	URL       string // http(s):// or aesgcm:// (the key in its fragment)
	Name      string // as the sender named it: shown, never trusted as a path
	Size      int64  // bytes; 0: not known
	MIME      string // as the sender said; checked again before anything is shown
	Encrypted bool   // the upload is encrypted (URL is aesgcm://)
}

// Backend is what the window asks of the rest of the program. Its methods
// are called off the UI goroutine and may block.
type Backend interface {
	// Contacts returns the roster.
	Contacts(ctx context.Context) ([]Contact, error)
	// History returns up to limit messages with peer older than beforeID
	// (0: the newest), oldest first.
	History(ctx context.Context, peer string, beforeID int64, limit int) ([]Message, error)
	// Send queues text for peer (durably) and returns the queued message;
	// its Key is named again in OnMessageState.
	Send(ctx context.Context, peer, text string) (Message, error)
}
