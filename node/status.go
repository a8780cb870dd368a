package node

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/internal/supervise"
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
	// Readiness: how far the node is from being reachable over I2P.
	Readiness Readiness
}

// tunnelsLookupTimeout bounds ReadStatus's lease set lookup.
const tunnelsLookupTimeout = 10 * time.Second

// ReadStatus reports on the node in dir. While it runs, it reads how far
// it is from being reachable (ReadReadiness: up to 10 s).
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
	r.Readiness = ReadReadiness(ctx, dir, info)
	return r, nil
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
