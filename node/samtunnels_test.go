package node

import (
	"slices"
	"strings"
	"testing"
)

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
