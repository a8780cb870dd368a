package node

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/transport"
)

// StatusReport is what `clove node status` tells about a node.
type StatusReport struct {
	Info *Info // node.json: domain, ports, SOCKS proxy, admins, created
	// PID is the running supervisor's (0: the node is stopped), Children
	// its children as it last recorded them.
	PID      int
	Children []ChildStatus
	// C2SAnswers and S2SAnswers: prosody accepts connections on its
	// client and server ports.
	C2SAnswers, S2SAnswers bool
	// Only while the node runs: the established server-to-server
	// connections, incoming (to the s2s port) and outgoing (into the
	// SOCKS proxy), and whether the node's tunnels are ready.
	S2SIn, S2SOut int
	Tunnels       string // "ready: …", "not ready (…)" or "unknown (…)"
}

// tunnelsLookupTimeout bounds ReadStatus's lease set lookup.
const tunnelsLookupTimeout = 10 * time.Second

// ReadStatus reports on the node in dir. While it runs, it asks the router
// that carries the node for the node's lease set (up to 10 s).
func ReadStatus(ctx context.Context, dir string) (*StatusReport, error) {
	info, err := Load(dir)
	if err != nil {
		return nil, err
	}
	st, pid, _ := supervise.ReadStatus(dir)
	r := &StatusReport{Info: info, PID: pid, Children: st.Children,
		C2SAnswers: answers(info.C2SPort), S2SAnswers: answers(info.S2SPort)}
	if pid == 0 {
		return r, nil
	}
	_, socksPort, _ := net.SplitHostPort(info.SOCKS)
	sp, _ := strconv.Atoi(socksPort)
	r.S2SIn, r.S2SOut = establishedTCP(info.S2SPort, sp)
	r.Tunnels = tunnelsState(ctx, dir, info.Domain)
	return r, nil
}

// tunnelsState asks the router that carries the node (RouterSAMFile) for
// the node's lease set.
func tunnelsState(ctx context.Context, dir, domain string) string {
	b, err := os.ReadFile(filepath.Join(dir, RouterSAMFile))
	if err != nil {
		return "unknown (no router address recorded)"
	}
	sam := strings.TrimSpace(string(b))
	lctx, cancel := context.WithTimeout(ctx, tunnelsLookupTimeout)
	defer cancel()
	if err := transport.LookupSAM(lctx, sam, domain); err != nil {
		return fmt.Sprintf("not ready (the router at %s does not find the node yet: %v); new tunnels take about a minute", sam, err)
	}
	return "ready: the router finds the node's lease set in the network"
}

// establishedTCP counts the established TCP connections to local port
// in (servers reaching the node) and to remote port out (prosody's
// streams into the SOCKS proxy), from one read of /proc/net/tcp.
func establishedTCP(in, out int) (nIn, nOut int) {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0, 0
	}
	port := func(end string) int {
		if _, p, ok := strings.Cut(end, ":"); ok {
			if v, err := strconv.ParseUint(p, 16, 16); err == nil {
				return int(v)
			}
		}
		return -1
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "01" {
			continue
		}
		if in != 0 && port(f[1]) == in {
			nIn++
		}
		if out != 0 && port(f[2]) == out {
			nOut++
		}
	}
	return nIn, nOut
}
