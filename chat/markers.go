package chat

import (
	"context"
	"errors"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Chat markers (XEP-0333, "displayed" only; xmppclient/markers.go) and
// displayed synchronisation between our own devices (XEP-0490,
// xmppclient/mds.go: what Displayed publishes, whatever the preference;
// ChatDisplayedElsewhere is told on only when it covers the chat). A
// contact's marker for our message is kept as how far they read
// (store.MarkDisplayed); ours goes when the window says the user saw the
// contact's newest message (Displayed), and only
//   - when the user wants it (the Preferences' "Send read markers",
//     SetReadMarkers),
//   - to a contact whose message asked for it (<markable/>, XEP-0333 §4:
//     seen this session; the newest such message is the one named, which
//     also says every one before it was seen),
//   - who shares presence with us (subscription "from" or "both"), as
//     chat states go (typing.go): who may not see that we are online may
//     not see when we read,
//   - once per message.

// maxMarkable bounds the chats whose newest markable message is kept (a
// flood of strangers' messages cannot grow it).
const maxMarkable = 4096

type markers struct {
	mu  sync.Mutex
	off bool
	// markable: each chat's newest markable message from the contact,
	// and the last one a marker went for.
	markable, told map[string]string
	// archived: each chat's last few messages from the contact by the
	// stanza-id our server gave them, newest last, for XEP-0490
	// (displayed synchronisation, below); synced: the last one our other
	// devices were told of.
	archived map[string][]string
	synced   map[string]string
}

// keepArchived is how many of a chat's newest stanza-ids are kept: enough
// to tell a message read elsewhere that is not the newest (stanza-ids do
// not sort) from one this device has not seen yet.
const keepArchived = 32

func newMarkers() *markers {
	return &markers{markable: map[string]string{}, told: map[string]string{}, archived: map[string][]string{}, synced: map[string]string{}}
}

// seen notes a contact's message (the session's event loop): the newest
// markable one, and its stanza-id.
func (mk *markers) seen(ev xmppclient.Event) {
	e, ok := ev.(xmppclient.MessageReceived)
	if !ok || e.Message.Outgoing || e.Message.Retract || e.Message.Replaces != "" || e.Message.Private {
		return // a room's private chat: no markers there (nor in rooms)
	}
	m := e.Message
	k := m.From.Bare().String()
	mk.mu.Lock()
	defer mk.mu.Unlock()
	_, known := mk.archived[k]
	if !known && len(mk.archived) >= maxMarkable {
		return
	}
	if m.ArchiveID != "" {
		ids := append(mk.archived[k], m.ArchiveID)
		if len(ids) > keepArchived {
			ids = ids[len(ids)-keepArchived:]
		}
		mk.archived[k] = ids
	} else if !known {
		mk.archived[k] = nil
	}
	if m.Markable && m.ID != "" { // XEP-0333 names it by its id attribute
		mk.markable[k] = m.ID
	}
}

// readElsewhere reports whether another device's display of the chat
// with d.Peer up to d.StanzaID covers every message of the contact this
// device holds: the newest, or one it has not seen (a message newer than
// ours; the ids do not sort).
func (mk *markers) readElsewhere(d xmppclient.ChatDisplayedElsewhere) bool {
	k := d.Peer.String()
	mk.mu.Lock()
	defer mk.mu.Unlock()
	ids := mk.archived[k]
	if len(ids) == 0 {
		return true
	}
	mk.synced[k] = d.StanzaID // no need to tell the others again
	for i, id := range ids {
		if id == d.StanzaID {
			return i == len(ids)-1
		}
	}
	return true
}

// SetReadMarkers turns sending displayed markers on or off (the
// Preferences' "Send read markers").
func (s *Session) SetReadMarkers(on bool) {
	s.markers.mu.Lock()
	s.markers.off = !on
	s.markers.mu.Unlock()
}

// Displayed says that the user saw the newest message of the contact in
// the chat with peer: a displayed marker goes for the newest markable one
// of theirs, if it may (see the top of the file). It never blocks the
// caller for long: the send is bounded.
func (s *Session) Displayed(ctx context.Context, peer jid.JID) error {
	k := peer.Bare().String()
	mk := s.markers
	mk.mu.Lock()
	id, off := mk.markable[k], mk.off
	var newest string
	if ids := mk.archived[k]; len(ids) > 0 && mk.synced[k] != ids[len(ids)-1] {
		newest = ids[len(ids)-1]
		mk.synced[k] = newest
	}
	mk.mu.Unlock()
	if newest != "" {
		// Our other devices, whatever the preference (it is about the
		// contact): XEP-0490.
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := s.client.PublishDisplayed(pctx, peer.Bare(), newest)
		cancel()
		if err != nil {
			s.p.log.Debug("displayed not synchronised", "peer", k, "err", err)
		}
	}
	mk.mu.Lock()
	if off || id == "" || mk.told[k] == id {
		mk.mu.Unlock()
		return nil
	}
	mk.mu.Unlock()
	shares, _, err := s.p.st.ChatStatesTo(ctx, s.account.JID, peer.Bare().String())
	if err != nil || !shares {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.client.SendDisplayed(sctx, peer.Bare(), id); err != nil {
		return err
	}
	mk.mu.Lock()
	mk.told[k] = id
	mk.mu.Unlock()
	return nil
}

// saveMarker records a contact's displayed marker; *ev loses its ID when
// it names no message of ours in that chat (nothing to show).
func saveMarker(ctx context.Context, st *store.Store, account string, ev *xmppclient.Event) error {
	e := (*ev).(xmppclient.MarkerReceived)
	if e.Outgoing {
		return nil // ours from another device: the chat was read there
	}
	peer := e.From.Bare().String()
	if _, err := st.MarkDisplayed(ctx, account, peer, e.ID); err != nil {
		e.ID = ""
		*ev = e
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}
