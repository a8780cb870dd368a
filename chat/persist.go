package chat

import (
	"context"
	"errors"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// persist records what an event means for the profile. It runs on the
// consumer of Client.Events, in order. fresh is false for a message the
// profile already had (a resend, carbon or archive copy).
//
// A correction (XEP-0308) the store would not apply (no such message, or
// not the sender's) is kept as a new message: *ev is then that message,
// no longer naming what it replaced.
func persist(ctx context.Context, st *store.Store, account string, ev *xmppclient.Event) (fresh bool, err error) {
	switch e := (*ev).(type) {
	case xmppclient.MessageReceived:
		m := e.Message
		// The sender is stored bare: an origin-id is unique per sender, and
		// a resend after a reconnect (or our own message seen again as a
		// carbon or archive copy) may come from another resource; keyed on
		// the bare address every copy deduplicates.
		peer := m.From.Bare()
		from := m.From.Bare().String()
		state := store.Received
		if m.Outgoing {
			peer = m.To.Bare()
			state = store.Sent
		}
		if m.Private {
			// A room's private message: the chat is with room/nick (the
			// bare address is the room), stored apart from the room's.
			if peer = m.From; m.Outgoing {
				peer = m.To
			} else {
				from = m.From.String()
			}
		}
		fromFull := ""
		if !m.Outgoing {
			fromFull = m.From.String()
		}
		sm := &store.Message{
			Account:   account,
			Peer:      peer.String(),
			Outgoing:  m.Outgoing,
			From:      from,
			To:        m.To.String(),
			Body:      m.Body,
			OriginID:  m.OriginID,
			StanzaID:  m.ID,
			ArchiveID: m.ArchiveID,
			Time:      m.Time,
			State:     state,
			Encrypted: m.Encrypted,
			File:      storeFile(m.File),
			FromFull:  fromFull,
			Replaces:  m.Replaces,
			Retract:   m.Retract,
			Reply:     storeReply(m.Reply),
		}
		fresh, err = st.AddIncoming(ctx, sm)
		if err == nil && m.Replaces != "" && (sm.Replaces == "" || (m.Retract && sm.Corrects == 0)) {
			// Not applied: a correction is then a new message; a
			// retraction is nothing (it names no message of its sender).
			e.Message.Replaces = ""
			*ev = e
		}
		return fresh, err
	case xmppclient.GroupMessage:
		if e.Body == "" && e.Retracts == "" {
			return false, nil // a subject change
		}
		if e.OwnCopy && e.ID != "" {
			// Our own encrypted message from an earlier run, which this
			// device cannot decrypt: the history has its text.
			if m, err := st.FindMessage(ctx, account, e.Room.String(), e.ID); err == nil && m.Outgoing {
				e.Body, e.OwnCopy = m.Body, false
				*ev = e
			}
		}
		sm := groupMessage(account, e)
		fresh, err = st.AddIncoming(ctx, sm)
		if err == nil && e.Retracts != "" && sm.Corrects == 0 {
			e.Retracts = "" // not the sender's message, or none we hold
			*ev = e
		}
		return fresh, err
	case xmppclient.MessageFailed:
		err = st.MarkFailed(ctx, account, e.ID, FailReason(e))
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	case xmppclient.MarkerReceived:
		err = saveMarker(ctx, st, account, ev)
	case xmppclient.ReceiptReceived:
		err = st.MarkDelivered(ctx, account, e.ID)
		if errors.Is(err, store.ErrNotFound) {
			err = nil // a receipt for a message this profile never sent
		}
	case xmppclient.MessageEncrypted:
		// One transaction for a chunk of messages (an outbox entry whose
		// message row is gone is skipped).
		err = st.MarkEncryptedBatch(ctx, account, e.IDs)
	case xmppclient.ArchiveSynced:
		if e.LastID != "" {
			err = st.SetLastArchiveID(ctx, account, e.LastID)
		}
	case xmppclient.RosterChanged:
		err = persistRoster(ctx, st, account, e)
	case xmppclient.BookmarkChanged, xmppclient.BookmarkRemoved:
		err = persistBookmark(ctx, st, account, e)
	}
	return false, err
}

// groupMessage is how a room's message is stored: peer is the room, the
// sender room/nick; its id dedupes the room's replays and our own copy.
func groupMessage(account string, g xmppclient.GroupMessage) *store.Message {
	from := g.Room.String() // the room itself: its moderation (XEP-0425)
	if occ, err := g.Room.WithResource(g.Nick); err == nil && g.Nick != "" {
		from = occ.String()
	}
	state := store.Received
	if g.Self {
		state = store.Sent
	}
	id := g.ID
	if id == "" {
		id = g.ArchiveID // the room's own id: the same in its replays
	}
	return &store.Message{
		Account:    account,
		Peer:       g.Room.String(),
		Outgoing:   g.Self,
		From:       from,
		To:         account,
		Body:       g.Body,
		OriginID:   id,
		StanzaID:   g.ArchiveID,
		OccupantID: g.OccupantID,
		Time:       g.Time,
		State:      state,
		Reply:      storeReply(g.Reply),
		File:       storeFile(g.File),
		Encrypted:  g.Encrypted,
		Replaces:   g.Retracts,
		Retract:    g.Retracts != "",
		Moderated:  g.Moderated && g.Nick == "",
	}
}

// persistRoster stores a roster result or push in one transaction
// (store.UpdateRoster: one disk sync for a roster of 1,000).
func persistRoster(ctx context.Context, st *store.Store, account string, e xmppclient.RosterChanged) error {
	u := store.RosterUpdate{Account: account, Full: e.Full, Ver: e.Ver}
	for _, it := range e.Items {
		j := it.JID.Bare().String()
		if it.Subscription == "remove" {
			u.Remove = append(u.Remove, j)
			continue
		}
		u.Put = append(u.Put, store.Contact{Account: account, JID: j, Name: it.Name, Subscription: it.Subscription, Groups: it.Groups})
	}
	return st.UpdateRoster(ctx, u)
}

// storeFile and clientFile carry what a message shares between the
// client's events and the store.
func storeFile(f *xmppclient.FileRef) *store.File {
	if f == nil {
		return nil
	}
	return &store.File{URL: f.URL, Name: f.Name, Size: f.Size, MIME: f.MIME, Encrypted: f.Encrypted}
}

func clientFile(f *store.File) *xmppclient.FileRef {
	if f == nil {
		return nil
	}
	return &xmppclient.FileRef{URL: f.URL, Name: f.Name, Size: f.Size, MIME: f.MIME, Encrypted: f.Encrypted}
}
