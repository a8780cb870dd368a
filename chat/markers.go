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

// Chat markers (XEP-0333, "displayed" only; xmppclient/markers.go). A
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
}

func newMarkers() *markers {
	return &markers{markable: map[string]string{}, told: map[string]string{}}
}

// seen notes a contact's markable message (the session's event loop).
func (mk *markers) seen(ev xmppclient.Event) {
	e, ok := ev.(xmppclient.MessageReceived)
	if !ok || !e.Message.Markable || e.Message.Outgoing || e.Message.Retract || e.Message.Replaces != "" || e.Message.Private {
		return // a room's private chat: no markers there (nor in rooms)
	}
	m := e.Message
	id := m.ID
	if id == "" {
		return // XEP-0333 names the message by its id attribute
	}
	k := m.From.Bare().String()
	mk.mu.Lock()
	defer mk.mu.Unlock()
	if _, known := mk.markable[k]; known || len(mk.markable) < maxMarkable {
		mk.markable[k] = id
	}
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
