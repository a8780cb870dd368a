package xmppclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/history"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// A room's history from the room's own archive (XEP-0313 §5 with
// XEP-0045). A room that lists urn:xmpp:mam:2 in its disco#info is joined
// with <history maxstanzas='0'/>, then its archive is asked (an iq to the
// room's bare address) for what was said after the last message we have:
// newest page first (RSM <before/>), each page chronological, until the
// page holding that message (AfterID, the room's stanza-id of it), the
// archive's beginning, or the bounds below. Then the messages are told in
// order, oldest first, marked Delayed (history: not notified), and only
// then what the room said live meanwhile, held until now, so the profile
// stores everything in the order it was said.

// nsMAM is the archive's namespace (XEP-0313 v0.6+), as rooms list it.
const nsMAM = "urn:xmpp:mam:2"

// Bounds of one join's catch-up: at most roomArchivePages pages and
// Config.RoomArchiveMax messages (default roomArchiveMax); the newest are
// kept, and RoomArchiveSynced.Capped says older ones were left. Prosody's
// muc_mam gives at most 50 a page (max_archive_query_results) whatever is
// asked; other servers may give more. roomLiveMax bounds the live
// messages held meanwhile.
const (
	roomArchivePage  = 100
	roomArchivePages = 40
	roomArchiveMax   = 1000
	roomLiveMax      = 2000
	// roomDefaultHistory: how many of the newest messages are fetched from
	// a room we have nothing of (JoinOptions.History 0).
	roomDefaultHistory = 20
)

// RoomArchiveSynced reports the end of a room's catch-up from its
// archive: Messages told (before the store's deduplication), pages
// fetched, Capped when older messages were left in the archive, Err when
// the archive could not be read (then only what came live is there).
type RoomArchiveSynced struct {
	Room     jid.JID
	Messages int
	Pages    int
	Capped   bool
	// Held: live messages that came while the archive was read, told
	// after its messages.
	Held int
	Took time.Duration
	Err  error
}

func (RoomArchiveSynced) isEvent() {}

// roomCatchUp is one room's catch-up in progress.
type roomCatchUp struct {
	room    jid.JID
	queryID string
	anchor  string // the room's stanza-id of our last message ("": none)

	mu      sync.Mutex
	page    []Event // the current page's messages, as they come
	found   bool    // the anchor was in the current page
	n       int     // messages kept over all pages
	holding bool    // live messages are held
	live    []Event // held live messages
}

// hasFeature reports whether a disco#info answer's features list ns.
func hasFeature(features []string, ns string) bool { return slices.Contains(features, ns) }

// startRoomCatchUp registers the catch-up of room before the join's
// presence goes out: from then on its live messages are held.
func (c *Client) startRoomCatchUp(room jid.JID, anchor string) *roomCatchUp {
	rc := &roomCatchUp{room: room, queryID: "room-" + randomID(), anchor: anchor, holding: true}
	c.mu.Lock()
	if c.roomQueries == nil {
		c.roomQueries = map[string]*roomCatchUp{}
	}
	if old := c.roomQueries[room.String()]; old != nil {
		c.mu.Unlock()
		c.releaseRoom(old) // a rejoin while the last catch-up ran
		c.mu.Lock()
	}
	c.roomQueries[room.String()] = rc
	c.mu.Unlock()
	return rc
}

// holdLive keeps a live message of room while its archive is read; it
// reports whether it did.
func (c *Client) holdLive(room string, ev Event) bool {
	c.mu.Lock()
	rc := c.roomQueries[room]
	c.mu.Unlock()
	if rc == nil {
		return false
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.holding || len(rc.live) >= roomLiveMax {
		return false // too many to hold: told now, out of order
	}
	rc.live = append(rc.live, ev)
	return true
}

// releaseRoom ends rc: the held live messages are told (it returns how
// many) and live ones are told at once from now on.
func (c *Client) releaseRoom(rc *roomCatchUp) int {
	c.mu.Lock()
	if c.roomQueries[rc.room.String()] == rc {
		delete(c.roomQueries, rc.room.String())
	}
	c.mu.Unlock()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, ev := range rc.live {
		c.tellRoom(ev)
	}
	n := len(rc.live)
	rc.live, rc.holding = nil, false
	return n
}

// tellRoom emits a room's event, and notes the room's stanza-id of its
// message as the last we have (the next rejoin's catch-up starts after).
func (c *Client) tellRoom(ev Event) {
	if g, ok := ev.(GroupMessage); ok && g.ArchiveID != "" {
		c.mu.Lock()
		if c.roomLast == nil {
			c.roomLast = map[string]string{}
		}
		c.roomLast[g.Room.String()] = g.ArchiveID
		c.mu.Unlock()
	}
	c.emit(ev)
}

// onRoomResult takes a MAM result from a room (from: its sender, m the
// <message/> carrying it). Only a result of the room's own running query
// that forwards a message of that room counts; anything else (another
// query's id, a message of another room or of no room, a result sent by
// someone else) is dropped without a word, as XEP-0313 §4.1.2 lets a
// client do with results it did not ask for.
func (c *Client) onRoomResult(from jid.JID, m *inMessage) {
	res := m.Result
	if res == nil || res.Forwarded.Message == nil || res.ID == "" || from.Resourcepart() != "" {
		return
	}
	c.mu.Lock()
	rc := c.roomQueries[from.String()]
	c.mu.Unlock()
	if rc == nil || res.QueryID != rc.queryID {
		return
	}
	fm := res.Forwarded.Message
	sender, err := jid.Parse(fm.From)
	if err != nil || !sender.Bare().Equal(rc.room) || sender.Resourcepart() == "" || fm.Type != "groupchat" {
		return
	}
	ev, ok := c.groupEvent(fm, sender, res.Forwarded.Delay, res.ID)
	if !ok {
		return
	}
	switch e := ev.(type) {
	case GroupMessage:
		e.Delayed = true // history, whatever the stamp says
		ev = e
	case ReactionsReceived:
		e.Archived = true
		ev = e
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.anchor != "" && res.ID == rc.anchor {
		// Ours already, and so is everything before it in this page;
		// what follows it in the page is new.
		rc.found, rc.page = true, rc.page[:0]
		return
	}
	if len(rc.page) >= roomArchiveMax {
		// More than any page should hold: keep the newest (memory stays
		// bounded whatever a server sends).
		rc.page = append(rc.page[:0], rc.page[1:]...)
	}
	rc.page = append(rc.page, ev)
}

// catchUpRoom reads room's archive (see the top of this file) and tells
// what it holds after rc.anchor (or since, or the newest n), then what
// came live. since: the time of our last message of the room, less a
// margin for the clocks (zero: none).
func (c *Client) catchUpRoom(ctx context.Context, sess *xmpp.Session, rc *roomCatchUp, since time.Time, n int) {
	began := time.Now()
	done := RoomArchiveSynced{Room: rc.room}
	var pages [][]Event // newest page first
	defer func() {
		for i := len(pages) - 1; i >= 0; i-- {
			for _, ev := range pages[i] {
				c.tellRoom(ev)
			}
		}
		done.Held = c.releaseRoom(rc)
		done.Took = time.Since(began)
		c.log.Debug("room history read from its archive", "room", rc.room, "messages", done.Messages, "pages", done.Pages, "capped", done.Capped, "held", done.Held, "took", done.Took.Round(time.Millisecond), "err", done.Err)
		c.emit(done)
	}()
	limit, most := roomArchivePage, c.cfg.RoomArchiveMax
	first := rc.anchor == "" && since.IsZero()
	if first {
		// Nothing of the room yet: only its newest messages, as a
		// first join's history; older ones are not missed.
		most, limit = n, min(limit, n)
	}
	q := history.Query{ID: rc.queryID, Limit: uint64(limit), Last: true}
	if rc.anchor == "" {
		// Without our last message's id, the time bounds the search.
		// With it, no time: a clock of ours ahead of the server's by
		// more than the margin would hide messages said after it.
		q.Start = since
	}
	for done.Pages < roomArchivePages {
		res, err := history.Fetch(ctx, q, rc.room, sess)
		done.Pages++
		rc.mu.Lock()
		page, found := rc.page, rc.found
		rc.page = nil
		rc.mu.Unlock()
		if err != nil {
			done.Err = roomArchiveError(rc.room, err)
			return
		}
		if keep := most - done.Messages; len(page) > keep {
			page, done.Capped = page[len(page)-keep:], !first // the newest
		}
		pages = append(pages, page)
		done.Messages += len(page)
		if found || res.Complete || res.Set.First.ID == "" {
			return
		}
		if done.Messages >= most {
			done.Capped = !first
			return
		}
		q.PageID = res.Set.First.ID
	}
	done.Capped = true
}

// roomArchiveError explains a failed archive query.
func roomArchiveError(room jid.JID, err error) error {
	var se stanza.Error
	if errors.As(err, &se) && se.Condition == stanza.Forbidden {
		return fmt.Errorf("the room %s does not let us read its archive: %w", room, err)
	}
	return fmt.Errorf("reading the archive of %s: %w", room, err)
}
