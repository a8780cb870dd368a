package xmppclient

import (
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"testing"

	"mellium.im/xmpp/jid"
)

// roomResultXML is a MAM result as a room sends it: from, the query id,
// the archive id, and the forwarded message's sender and type.
func roomResultXML(from, queryID, id, sender, typ, body string) string {
	return fmt.Sprintf(`<message xmlns='jabber:client' from='%s' to='alice@clove.test/x'>
<result xmlns='urn:xmpp:mam:2' queryid='%s' id='%s'><forwarded xmlns='urn:xmpp:forward:0'>
<delay xmlns='urn:xmpp:delay' stamp='2026-12-01T10:00:00Z'/>
<message xmlns='jabber:client' from='%s' type='%s' id='m-%s'><body>%s</body></message>
</forwarded></result></message>`, from, queryID, id, sender, typ, id, body)
}

// A room's archive answer is taken only from the room, for the query
// running for it, forwarding a message of that room; a buggy or hostile
// answer (another query's id, a message of another room, a result sent
// by an occupant or a user) is dropped without a word, and a flood of
// results keeps the newest roomArchiveMax in memory.
func TestRoomArchiveResultsFiltered(t *testing.T) {
	c, err := New(Config{JID: jid.MustParse("alice@clove.test/x"), Dial: func(context.Context) (net.Conn, error) { return nil, fmt.Errorf("no network in this test") }})
	if err != nil {
		t.Fatal(err)
	}
	room := jid.MustParse("lounge@muc.clove.test")
	rc := c.startRoomCatchUp(room, "")
	q := rc.queryID
	cases := []struct {
		name string
		xml  string
		keep bool
	}{
		{"the room's own result", roomResultXML("lounge@muc.clove.test", q, "a1", "lounge@muc.clove.test/carol", "groupchat", "ok"), true},
		{"another query id", roomResultXML("lounge@muc.clove.test", "other", "a2", "lounge@muc.clove.test/carol", "groupchat", "other query"), false},
		{"a message of another room", roomResultXML("lounge@muc.clove.test", q, "a3", "other@muc.clove.test/carol", "groupchat", "other room"), false},
		{"a message from no occupant", roomResultXML("lounge@muc.clove.test", q, "a4", "lounge@muc.clove.test", "groupchat", "the room itself"), false},
		{"a chat message", roomResultXML("lounge@muc.clove.test", q, "a5", "lounge@muc.clove.test/carol", "chat", "not groupchat"), false},
		{"sent by an occupant", roomResultXML("lounge@muc.clove.test/carol", q, "a6", "lounge@muc.clove.test/carol", "groupchat", "by an occupant"), false},
		{"sent by a user", roomResultXML("mallory@clove.test/res", q, "a7", "lounge@muc.clove.test/carol", "groupchat", "by a user"), false},
		{"sent by another room", roomResultXML("other@muc.clove.test", q, "a8", "lounge@muc.clove.test/carol", "groupchat", "by another room"), false},
		{"no archive id", roomResultXML("lounge@muc.clove.test", q, "", "lounge@muc.clove.test/carol", "groupchat", "no id"), false},
		{"no forwarded message", `<message xmlns='jabber:client' from='lounge@muc.clove.test'><result xmlns='urn:xmpp:mam:2' queryid='` + q + `' id='a9'/></message>`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc.mu.Lock()
			rc.page = nil
			rc.mu.Unlock()
			var m inMessage
			if err := xml.Unmarshal([]byte(tc.xml), &m); err != nil {
				t.Fatal(err)
			}
			c.onMessage(&m)
			rc.mu.Lock()
			page := rc.page
			rc.mu.Unlock()
			if !tc.keep {
				if len(page) != 0 {
					t.Fatalf("taken: %+v", page)
				}
				return
			}
			g, ok := page[0].(GroupMessage)
			if len(page) != 1 || !ok || g.Body != "ok" || g.ArchiveID != "a1" || g.Nick != "carol" || !g.Delayed {
				t.Fatalf("page %+v, want carol's message a1 as history", page)
			}
		})
	}

	t.Run("flood", func(t *testing.T) {
		rc.mu.Lock()
		rc.page = nil
		rc.mu.Unlock()
		for i := range roomArchiveMax + 50 {
			var m inMessage
			x := roomResultXML("lounge@muc.clove.test", q, fmt.Sprint("f", i), "lounge@muc.clove.test/carol", "groupchat", fmt.Sprint(i))
			if err := xml.Unmarshal([]byte(x), &m); err != nil {
				t.Fatal(err)
			}
			c.onMessage(&m)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if len(rc.page) != roomArchiveMax || rc.page[len(rc.page)-1].(GroupMessage).Body != fmt.Sprint(roomArchiveMax+49) {
			t.Fatalf("%d results kept, want the newest %d", len(rc.page), roomArchiveMax)
		}
	})

	t.Run("anchor", func(t *testing.T) {
		// The page holding our last message: only what follows it is new.
		rc := c.startRoomCatchUp(room, "a-ours")
		for _, id := range []string{"a-old", "a-ours", "a-new1", "a-new2"} {
			var m inMessage
			if err := xml.Unmarshal([]byte(roomResultXML("lounge@muc.clove.test", rc.queryID, id, "lounge@muc.clove.test/carol", "groupchat", id)), &m); err != nil {
				t.Fatal(err)
			}
			c.onMessage(&m)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if !rc.found || len(rc.page) != 2 || rc.page[0].(GroupMessage).Body != "a-new1" || rc.page[1].(GroupMessage).Body != "a-new2" {
			t.Fatalf("found %v, page %+v; want the two after ours", rc.found, rc.page)
		}
	})
}
