package gui

import (
	"context"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/ui"
)

var _ ui.Marker = (*Backend)(nil)

// readSink is a Sink that also shows which of our messages a contact has
// read (XEP-0333).
type readSink interface {
	OnRead(peer, key string)
	// OnReadElsewhere: another device of ours showed the chat with peer
	// up to its newest message (XEP-0490).
	OnReadElsewhere(peer string)
}

// Displayed tells peer, if it may (chat.Session.Displayed), that the user
// saw their newest message (ui.Marker). m is the message the window
// showed; the marker names the newest of theirs that asked for one.
func (b *Backend) Displayed(ctx context.Context, peer string, m ui.Message) {
	s := b.sess.Load()
	if s == nil || m.Outgoing {
		return
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil || to.Resourcepart() != "" {
		return // a room's private chat: no markers there
	}
	// A marker that could not go is not worth a word: the next one
	// says as much (it names a later message).
	_ = s.Displayed(ctx, to)
}

// SetReadMarkers turns sending read markers on or off, for this session
// and those after it (ui.Marker).
func (b *Backend) SetReadMarkers(on bool) {
	b.markersOff.Store(!on)
	if s := b.sess.Load(); s != nil {
		s.SetReadMarkers(on)
	}
}
