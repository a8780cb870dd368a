package chat

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/xmppclient"
)

// NodeDir is the profile's own node's directory (clove node's default
// --dir).
func (p *Profile) NodeDir() string { return filepath.Join(p.dir, "node") }

// NodeAccount reports whether the account is on the profile's own node:
// its domain is the node's .b32.i2p or one the node also serves.
func (p *Profile) NodeAccount(domain string) bool {
	info, err := node.Load(p.NodeDir())
	return err == nil && (info.Domain == domain || slices.Contains(info.Hosts, domain))
}

// readNode reads the node's state as `clove node status` does.
func readNode(ctx context.Context, dir string) NodeState {
	r, err := node.ReadStatus(ctx, dir)
	if err != nil || r.PID == 0 {
		return NodeState{}
	}
	return NodeState{Running: true, Stage: r.Readiness.Stage}
}

// nodeText words the node's state for the status bar.
func nodeText(n NodeState) string {
	switch {
	case !n.Running:
		return "your node is stopped: no one can reach you over I2P"
	case n.Stage == node.StageNoPeers:
		return "your node: no peers yet (its I2P router is looking for other routers)"
	case n.Stage == node.StageBuilding:
		return "your node: tunnels building; other servers cannot reach it yet"
	case n.Stage == node.StageReachable:
		return "your node: reachable over I2P"
	}
	return "your node: I2P state unknown"
}

// watchNode tells, for an account on the profile's own node, how far the
// node is from being reachable over I2P: the session is online as soon as
// the node's prosody answers on loopback, which says nothing of I2P. It
// reads the node as often as the status bar needs (5 s until reachable,
// 30 s after) and keeps the last state for wording failures (blame).
func (s *Session) watchNode(ctx context.Context) {
	dir := s.p.NodeDir()
	for {
		n := readNode(ctx, dir)
		s.nodeState.Store(&n)
		s.tell(RouterStatus{Text: nodeText(n), Node: &n})
		if !s.pollWait(ctx, n.Reachable(), s.nodeCheck) {
			return
		}
	}
}

// CheckNode has the node's state read again at once (after the window
// started or stopped it).
func (s *Session) CheckNode() {
	select {
	case s.nodeCheck <- struct{}{}:
	default:
	}
}

// blame words a delivery failure over I2P for what is known of the node
// at that moment: a message that could not leave because the user's own
// node has no peers (or no tunnels) yet is not the other server's fault;
// the node's prosody, told SOCKS 0x04, cannot tell which it was.
func (s *Session) blame(ev xmppclient.MessageFailed) xmppclient.MessageFailed {
	n := s.nodeState.Load()
	if n == nil || n.Reachable() || !strings.Contains(ev.Text, "over I2P") {
		return ev
	}
	why := "your node is stopped"
	switch n.Stage {
	case node.StageNoPeers:
		if n.Running {
			why = "your router has no peers yet"
		}
	case node.StageBuilding:
		if n.Running {
			why = "your node's tunnels are still being built"
		}
	}
	ev.Text = fmt.Sprintf("not sent: %s, so the other server was not asked (%s)", why, ev.Text)
	return ev
}
