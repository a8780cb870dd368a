package xmppclient

import (
	"context"
	"encoding/xml"

	"mellium.im/xmpp/jid"
)

// PEPItemOf asks for the newest item of owner's PEP node (tests: what
// another account may read of it).
func (c *Client) PEPItemOf(ctx context.Context, owner jid.JID, node string) (bool, error) {
	sess, err := c.session()
	if err != nil {
		return false, err
	}
	toks, err := c.items(ctx, sess, owner, node)
	return toks != nil, err
}

// PrivateBookmarkRooms lists the rooms of the XEP-0048 private-storage
// list, whatever the session uses (tests: what an old client sees).
func (c *Client) PrivateBookmarkRooms(ctx context.Context) ([]string, error) {
	st, err := c.fetchBookmarks(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, cf := range st.Conferences {
		out = append(out, cf.JID)
	}
	return out, nil
}

// MediatedInviteXML is the stanza Invite sends through a room.
func MediatedInviteXML(room, who jid.JID, opts InviteOptions) ([]byte, error) {
	return xml.Marshal(mediatedInvite("x", room, who, opts))
}
