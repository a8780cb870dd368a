package xmppclient

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

// Bookmark items as a server may hand them over, garbage included: each
// is a bookmark or one error, never a panic.
func TestParseBookmarkItem(t *testing.T) {
	for _, c := range []struct {
		name, item string
		want       Bookmark
		err        string
	}{
		{"full", `<item id='lounge@muc.x'><conference xmlns='urn:xmpp:bookmarks:1' name='Lounge' autojoin='true'><nick>al</nick><password>pw</password><extensions><x xmlns='y'/></extensions></conference></item>`,
			Bookmark{Name: "Lounge", Nick: "al", Password: "pw", Autojoin: true}, ""},
		{"autojoin 1", `<item id='a@b'><conference xmlns='urn:xmpp:bookmarks:1' autojoin='1'/></item>`, Bookmark{Autojoin: true}, ""},
		{"no autojoin", `<item id='a@b'><conference xmlns='urn:xmpp:bookmarks:1'/></item>`, Bookmark{}, ""},
		{"service, not a room", `<item id='muc.x'><conference xmlns='urn:xmpp:bookmarks:1'/></item>`, Bookmark{}, "not a room address"},
		{"occupant address", `<item id='a@b/nick'><conference xmlns='urn:xmpp:bookmarks:1'/></item>`, Bookmark{}, "not a room address"},
		{"bad JID", `<item id='@@'><conference xmlns='urn:xmpp:bookmarks:1'/></item>`, Bookmark{}, "not a room address"},
		{"no id", `<item><conference xmlns='urn:xmpp:bookmarks:1'/></item>`, Bookmark{}, "not a room address"},
		{"wrong namespace", `<item id='a@b'><conference xmlns='storage:bookmarks'/></item>`, Bookmark{}, "expected element"},
		{"empty item", `<item id='a@b'/>`, Bookmark{}, "EOF"},
		{"text only", `<item id='a@b'>garbage</item>`, Bookmark{}, "EOF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := xml.NewDecoder(bytes.NewReader([]byte(c.item)))
			var it rawItem
			if err := d.Decode(&it); err != nil {
				t.Fatal(err)
			}
			b, err := parseBookmarkItem(it)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %+v, %v; want an error with %q", b, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Room.String() != strings.SplitN(strings.SplitN(c.item, "'", 3)[1], "'", 2)[0] ||
				b.Name != c.want.Name || b.Nick != c.want.Nick || b.Password != c.want.Password || b.Autojoin != c.want.Autojoin {
				t.Fatalf("got %+v, want %+v", b, c.want)
			}
		})
	}
}
