package node

import (
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSniffStream(t *testing.T) {
	const c2s, s2s, http = 5222, 5269, 5280
	for _, tc := range []struct {
		name, in string
		port     int
		err      string
	}{
		{"client", `<?xml version='1.0'?><stream:stream to='x.b32.i2p' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`, c2s, ""},
		{"client, double quotes", `<stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams">`, c2s, ""},
		{"server with dialback", `<?xml version='1.0'?><stream:stream xmlns:db='jabber:server:dialback' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='b.b32.i2p' from='a.b32.i2p' version='1.0'>`, s2s, ""},
		{"only dialback", `<stream:stream xmlns:db='jabber:server:dialback'>`, 0, "neither"},
		{"component", `<stream:stream xmlns='jabber:component:accept'>`, 0, "neither"},
		{"upload", "PUT /file_share/abc/f.bin HTTP/1.1\r\nHost: x.b32.i2p\r\n\r\n", http, ""},
		{"download", "GET /file_share/abc/f.bin HTTP/1.1\r\nHost: x.b32.i2p\r\n\r\n", http, ""},
		{"head", "HEAD / HTTP/1.1\r\n\r\n", http, ""},
		{"another method", "DELETE / HTTP/1.1\r\n\r\n", 0, "no XMPP stream header"},
		{"a method's prefix only", "PU", 0, "no XMPP stream header"},
		{"endless", strings.Repeat("a", 5000), 0, "first 4 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time: the header may come in pieces.
			head, port, err := sniffStream(iotest.OneByteReader(strings.NewReader(tc.in)), streamPorts{c2s, s2s, http})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			// Read no further than needed: the method, or the header's '>'.
			end := ">"
			if port == http {
				end = " "
			}
			if err != nil || port != tc.port || !strings.HasPrefix(tc.in, string(head)) || !strings.HasSuffix(string(head), end) {
				t.Fatalf("port %d, head %q, err %v", port, head, err)
			}
		})
	}
}

func TestPeerListKeepsTheMostRecentFirst(t *testing.T) {
	p := newPeerList(t.TempDir() + "/peers")
	if got := p.list(); len(got) != 0 {
		t.Fatalf("new list: %v", got)
	}
	for i := 0; i < maxPeers+10; i++ {
		p.add(strings.Repeat("a", i%7) + "x.b32.i2p")
	}
	p.add("new.b32.i2p")
	p.add("new.b32.i2p")
	got := p.list()
	if len(got) != 8 || got[0] != "new.b32.i2p" {
		t.Fatalf("list %v", got)
	}
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Fatalf("%s twice in %v", g, got)
		}
		seen[g] = true
	}
	// Saved: the next run of the tunnels reads the same list.
	if again := newPeerList(p.path).list(); !slices.Equal(again, got) {
		t.Errorf("read back %v, want %v", again, got)
	}
}
