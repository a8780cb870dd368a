package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The console pages as i2pd 2.45.1 writes them (HTTPServer.cpp,
// ShowTunnels and ShowLeaseSetDestination), cut to the lines read.
const (
	consoleTunnels = `<style>.tunnel.established { color: #56B734; }</style>
<div class="listitem">&#8658; a1b2 &#8658; 123:me <span class="tunnel established"> established (exploratory)</span>,  0&nbsp;KiB
<div class="listitem">456:me &#8658; c3d4 &#8658; <span class="tunnel established"> established (exploratory)</span>,  0&nbsp;KiB
`
	consoleTunnelsBuilding = `<div class="listitem">&#8658; a1b2 &#8658; 123:me <span class="tunnel building"> building (exploratory)</span>,  0&nbsp;KiB
<div class="listitem">456:me &#8658; <span class="tunnel established"> established (exploratory)</span>,  0&nbsp;KiB
`
	consoleDestination = `<b>Inbound tunnels:</b><br>
<div class="list">
<div class="listitem">&#8658; a1b2 &#8658; 77:me <span class="tunnel established"> established</span>,  0&nbsp;KiB
<div class="listitem">&#8658; c3d4 &#8658; 78:me <span class="tunnel building"> building</span>,  0&nbsp;KiB
<b>Outbound tunnels:</b><br>
<div class="listitem">79:me &#8658; <span class="tunnel established"> established</span>,  0&nbsp;KiB
`
)

func TestConsoleCounts(t *testing.T) {
	for _, tc := range []struct {
		name              string
		page              string
		in, out, est, all int
	}{
		{"exploratory both ways", consoleTunnels, 1, 1, 1, 1},
		// A zero-hop outbound tunnel is no peer; a building one no tunnel.
		{"exploratory building", consoleTunnelsBuilding, 0, 0, 0, 1},
		{"destination", consoleDestination, 0, 0, 1, 2},
		{"empty", "", 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, out := countExploratory(tc.page)
			est, all := countInbound(tc.page)
			if in != tc.in || out != tc.out || est != tc.est || all != tc.all {
				t.Errorf("exploratory %d/%d, inbound %d of %d; want %d/%d, %d of %d", in, out, est, all, tc.in, tc.out, tc.est, tc.all)
			}
		})
	}
	if n := knownRouters(`<b>Routers:</b> 7 <b>Floodfills:</b> 2`); n != 7 {
		t.Errorf("routers: %d", n)
	}
}

// Without a router to ask, the SAM tunnels' state file alone decides:
// no state (or a dead process's) and "building" are not reachable.
func TestReadinessFromTheSessionFile(t *testing.T) {
	info := &Info{Domain: strings.Repeat("a", 52) + ".b32.i2p"}
	for _, tc := range []struct {
		name, file string
		want       string
	}{
		{"no tunnels yet", "", "tunnels building: the node's SAM tunnels are starting"},
		{"a dead process's", "established 999999999\n", "tunnels building: the node's SAM tunnels are starting"},
		{"session being created", "building " + itoa(os.Getpid()) + "\n", "tunnels building: the router is creating the node's SAM session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				os.WriteFile(filepath.Join(dir, SessionFile), []byte(tc.file), 0o600)
			}
			if got := ReadReadiness(context.Background(), dir, info).String(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want %q…", got, tc.want)
			}
		})
	}
}
