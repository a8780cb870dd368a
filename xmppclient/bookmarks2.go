package xmppclient

import (
	"context"
	"encoding/xml"
	"fmt"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// PEP native bookmarks (XEP-0402): one item per room in the account's
// PEP node urn:xmpp:bookmarks:1, the item's id the room's address, the
// node private to the account (access model whitelist, set by
// publish-options). They are used when the server says it keeps them in
// step with the old private-storage list (XEP-0048), by the disco#info
// feature urn:xmpp:bookmarks:1#compat on the account: prosody 0.12's own
// mod_bookmarks does (Debian 12's prosody package ships it; prosody-modules
// has no other). Otherwise the private-storage list is used (bookmarks.go).
// Changes made on another device arrive as PEP notifications (our caps
// carry urn:xmpp:bookmarks:1+notify) and are reported as BookmarkChanged
// and BookmarkRemoved.

const (
	nsBookmarks2       = "urn:xmpp:bookmarks:1"
	nsBookmarks2Compat = nsBookmarks2 + "#compat"
)

// BookmarkChanged reports a room bookmarked (or changed) on one of the
// account's devices, this one included.
type BookmarkChanged struct{ Bookmark Bookmark }

// BookmarkRemoved reports a bookmark removed on one of the account's
// devices.
type BookmarkRemoved struct{ Room jid.JID }

func (BookmarkChanged) isEvent() {}
func (BookmarkRemoved) isEvent() {}

// bookmarkOptions are XEP-0402 §3.3's node configuration.
var bookmarkOptions = [][2]string{
	{"pubsub#persist_items", "true"},
	{"pubsub#max_items", "max"},
	{"pubsub#send_last_published_item", "never"},
	{"pubsub#access_model", "whitelist"},
}

// conference2 is XEP-0402's payload. Extensions of other clients are not
// kept when Clove rewrites an item (it rewrites only rooms the user
// joined or left here).
type conference2 struct {
	XMLName  xml.Name `xml:"urn:xmpp:bookmarks:1 conference"`
	Name     string   `xml:"name,attr,omitempty"`
	Autojoin string   `xml:"autojoin,attr,omitempty"`
	Nick     string   `xml:"nick,omitempty"`
	Password string   `xml:"password,omitempty"`
}

// parseBookmarkItem reads one item; anything that is not a bookmark of a
// room is an error (the caller skips the item).
func parseBookmarkItem(it rawItem) (Bookmark, error) {
	room, err := jid.Parse(it.ID)
	if err != nil || room.Localpart() == "" || room.Resourcepart() != "" {
		return Bookmark{}, fmt.Errorf("bookmark item %q: not a room address", it.ID)
	}
	var cf conference2
	if err := xml.NewTokenDecoder(&tokenList{toks: it.Inner}).Decode(&cf); err != nil {
		return Bookmark{}, fmt.Errorf("bookmark of %s: %w", room, err)
	}
	return Bookmark{Room: room, Name: cf.Name, Nick: cf.Nick, Password: cf.Password,
		Autojoin: cf.Autojoin == "true" || cf.Autojoin == "1"}, nil
}

// BookmarksInPEP reports whether this session keeps bookmarks in PEP
// (XEP-0402): asked once per session, of the account's disco#info.
func (c *Client) BookmarksInPEP(ctx context.Context) (bool, error) {
	sess, err := c.session()
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	if c.bmSess == sess {
		pep := c.bmPEP
		c.mu.Unlock()
		return pep, nil
	}
	c.mu.Unlock()
	var info struct {
		Features []struct {
			Var string `xml:"var,attr"`
		} `xml:"feature"`
	}
	err = sess.UnmarshalIQElement(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}),
		stanza.IQ{To: c.cfg.JID.Bare(), Type: stanza.GetIQ}, &info)
	if err != nil {
		return false, fmt.Errorf("asking the account's features: %w", err)
	}
	pep := false
	for _, f := range info.Features {
		pep = pep || f.Var == nsBookmarks2Compat
	}
	c.mu.Lock()
	c.bmSess, c.bmPEP = sess, pep
	c.mu.Unlock()
	return pep, nil
}

// usePEP is BookmarksInPEP for the bookmark operations: the session, and
// whether to use PEP (not when the question could not be asked: private
// storage is what every server has).
func (c *Client) usePEP(ctx context.Context) (*xmpp.Session, bool) {
	pep, err := c.BookmarksInPEP(ctx)
	if err != nil {
		return nil, false
	}
	sess, err := c.session()
	return sess, err == nil && pep
}

// pepBookmarks reads every room bookmark of the PEP node; items that are
// not bookmarks are skipped, and said in the log.
func (c *Client) pepBookmarks(ctx context.Context, sess *xmpp.Session) ([]Bookmark, error) {
	items, err := c.allItems(ctx, sess, nsBookmarks2)
	if isItemNotFound(err) {
		return nil, nil // none published yet
	}
	if err != nil {
		return nil, fmt.Errorf("loading the room bookmarks: %w", err)
	}
	out := make([]Bookmark, 0, len(items))
	for _, it := range items {
		b, err := parseBookmarkItem(it)
		if err != nil {
			c.log.Info("bookmark skipped", "err", err)
			continue
		}
		out = append(out, b)
	}
	return out, nil
}

func (c *Client) pepSetBookmark(ctx context.Context, sess *xmpp.Session, b Bookmark) error {
	cf := conference2{Name: b.Name, Nick: b.Nick, Password: b.Password}
	if b.Autojoin {
		cf.Autojoin = "true"
	}
	payload, err := payloadOf(cf)
	if err != nil {
		return err
	}
	if err := c.publishItem(ctx, sess, nsBookmarks2, b.Room.Bare().String(), payload, bookmarkOptions); err != nil {
		return fmt.Errorf("saving the bookmark of %s: %w", b.Room.Bare(), err)
	}
	return nil
}

func (c *Client) pepRemoveBookmark(ctx context.Context, sess *xmpp.Session, room jid.JID) error {
	err := c.retractItem(ctx, sess, nsBookmarks2, room.Bare().String())
	if err != nil && !isItemNotFound(err) {
		return fmt.Errorf("removing the bookmark of %s: %w", room.Bare(), err)
	}
	return nil
}

// onBookmarksEvent reports a change of the bookmarks node (on the read
// loop: parse only). Only the account's own node counts.
func (c *Client) onBookmarksEvent(from jid.JID, ev *pepEvent) {
	if !from.Equal(c.cfg.JID.Bare()) {
		return
	}
	for _, it := range ev.Items.Items {
		b, err := parseBookmarkItem(it)
		if err != nil {
			c.emit(ErrorEvent{Err: fmt.Errorf("a bookmark from another device was ignored: %w", err)})
			continue
		}
		c.emit(BookmarkChanged{Bookmark: b})
	}
	for _, r := range ev.Items.Retracts {
		if room, err := jid.Parse(r.ID); err == nil && room.Localpart() != "" {
			c.emit(BookmarkRemoved{Room: room.Bare()})
		}
	}
}
