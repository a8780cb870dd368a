package xmppclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Room bookmarks: in PEP (XEP-0402, bookmarks2.go) where the server keeps
// that in step with the older list, otherwise (XEP-0048) in private XML
// storage (XEP-0049), which every server has and only the account reads.
// mellium's bookmarks package speaks XEP-0402, but it publishes without
// publish-options, so on Prosody the node would take the default access
// model ("presence") and show the user's rooms to their contacts: Clove
// publishes with its own publish-options (pubsub.go).

// Bookmark is a room the account keeps.
type Bookmark struct {
	Room     jid.JID // bare room address
	Name     string
	Nick     string
	Autojoin bool
	Password string
}

const (
	nsPrivate   = "jabber:iq:private"
	nsBookmarks = "storage:bookmarks"
)

type privateQuery struct {
	XMLName xml.Name        `xml:"jabber:iq:private query"`
	Storage bookmarkStorage `xml:"storage:bookmarks storage"`
}

type bookmarkStorage struct {
	Conferences []conference `xml:"conference"`
	// Other children (URL bookmarks of other clients) are kept as they
	// were when the list is written back.
	Other []rawElement `xml:",any"`
}

type conference struct {
	JID      string `xml:"jid,attr"`
	Name     string `xml:"name,attr,omitempty"`
	Autojoin bool   `xml:"autojoin,attr,omitempty"`
	Nick     string `xml:"nick,omitempty"`
	Password string `xml:"password,omitempty"`
}

type rawElement struct {
	XMLName xml.Name
	Attr    []xml.Attr `xml:",any,attr"`
	Inner   []byte     `xml:",innerxml"`
}

func payloadOf(v any) (xml.TokenReader, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return xml.NewDecoder(bytes.NewReader(b)), nil
}

func (c *Client) fetchBookmarks(ctx context.Context) (bookmarkStorage, error) {
	sess, err := c.session()
	if err != nil {
		return bookmarkStorage{}, err
	}
	get, err := payloadOf(privateQuery{})
	if err != nil {
		return bookmarkStorage{}, err
	}
	var q privateQuery
	if err := sess.UnmarshalIQElement(ctx, get, stanza.IQ{Type: stanza.GetIQ}, &q); err != nil {
		var se stanza.Error
		if errors.As(err, &se) {
			return bookmarkStorage{}, fmt.Errorf("the server keeps no bookmarks (%s)", se.Condition)
		}
		return bookmarkStorage{}, fmt.Errorf("loading the room bookmarks: %w", err)
	}
	return q.Storage, nil
}

// Bookmarks returns the account's room bookmarks, in the server's order.
// Entries whose address is not a room are skipped.
func (c *Client) Bookmarks(ctx context.Context) ([]Bookmark, error) {
	if sess, pep := c.usePEP(ctx); pep {
		return c.pepBookmarks(ctx, sess)
	}
	st, err := c.fetchBookmarks(ctx)
	if err != nil {
		return nil, err
	}
	var out []Bookmark
	for _, cf := range st.Conferences {
		j, err := jid.Parse(cf.JID)
		if err != nil || j.Localpart() == "" {
			continue
		}
		out = append(out, Bookmark{Room: j.Bare(), Name: cf.Name, Nick: cf.Nick, Autojoin: cf.Autojoin, Password: cf.Password})
	}
	return out, nil
}

// SetBookmark adds b to the bookmarks, or replaces the one for its room.
func (c *Client) SetBookmark(ctx context.Context, b Bookmark) error {
	if b.Room.Localpart() == "" {
		return fmt.Errorf("%s is not a room address (expected room@service)", b.Room)
	}
	if sess, pep := c.usePEP(ctx); pep {
		return c.pepSetBookmark(ctx, sess, b)
	}
	return c.editBookmarks(ctx, b.Room, &b)
}

// RemoveBookmark removes the bookmark of room (none: nothing to do).
func (c *Client) RemoveBookmark(ctx context.Context, room jid.JID) error {
	if sess, pep := c.usePEP(ctx); pep {
		return c.pepRemoveBookmark(ctx, sess, room)
	}
	return c.editBookmarks(ctx, room, nil)
}

// editBookmarks reads the list, replaces or drops room's entry, writes the
// list back. XEP-0048 has no finer operation; another client writing at
// the same moment can lose its change (the XEP's known race).
func (c *Client) editBookmarks(ctx context.Context, room jid.JID, b *Bookmark) error {
	room = room.Bare()
	if room.Localpart() == "" {
		return fmt.Errorf("%s is not a room address (expected room@service)", room)
	}
	st, err := c.fetchBookmarks(ctx)
	if err != nil {
		return err
	}
	kept := st.Conferences[:0]
	found := false
	for _, cf := range st.Conferences {
		if j, err := jid.Parse(cf.JID); err == nil && j.Bare().Equal(room) {
			if b == nil || found {
				continue
			}
			found = true
			cf = conference{JID: room.String(), Name: b.Name, Autojoin: b.Autojoin, Nick: b.Nick, Password: b.Password}
		}
		kept = append(kept, cf)
	}
	if b != nil && !found {
		kept = append(kept, conference{JID: room.String(), Name: b.Name, Autojoin: b.Autojoin, Nick: b.Nick, Password: b.Password})
	}
	st.Conferences = kept
	sess, err := c.session()
	if err != nil {
		return err
	}
	set, err := payloadOf(privateQuery{Storage: st})
	if err != nil {
		return err
	}
	if err := sess.UnmarshalIQElement(ctx, set, stanza.IQ{Type: stanza.SetIQ}, nil); err != nil {
		return fmt.Errorf("saving the room bookmarks: %w", err)
	}
	return nil
}
