package chat

import (
	"testing"

	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/xmppclient"
)

// A delivery over I2P that failed while the user's own node was not
// reachable blames the node, not the other server (the SOCKS answer the
// node's prosody got reads "the destination did not answer" either way).
func TestBlameAFailureOnTheNodeWhenItIsNotReachable(t *testing.T) {
	const sent = "Could not reach b.b32.i2p over I2P: no way to the destination found (it is offline or not published yet, or this node's router has no tunnels yet)"
	for _, tc := range []struct {
		name string
		node *NodeState
		text string
		want string
	}{
		{"no peers", &NodeState{Running: true, Stage: node.StageNoPeers}, sent,
			"not sent: your router has no peers yet, so the other server was not asked (" + sent + ")"},
		{"tunnels building", &NodeState{Running: true, Stage: node.StageBuilding}, sent,
			"not sent: your node's tunnels are still being built, so the other server was not asked (" + sent + ")"},
		{"stopped", &NodeState{}, sent, "not sent: your node is stopped, so the other server was not asked (" + sent + ")"},
		{"reachable: the destination's part", &NodeState{Running: true, Stage: node.StageReachable}, sent, sent},
		{"not known yet", nil, sent, sent},
		{"not an I2P failure", &NodeState{Running: true, Stage: node.StageNoPeers}, "recipient unavailable", "recipient unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Session{}
			if tc.node != nil {
				s.nodeState.Store(tc.node)
			}
			got := s.blame(xmppclient.MessageFailed{ID: "m1", Condition: "remote-server-not-found", Text: tc.text})
			if got.Text != tc.want || got.ID != "m1" || got.Condition != "remote-server-not-found" {
				t.Errorf("got %+v\nwant text %q", got, tc.want)
			}
		})
	}
}

func TestNodeText(t *testing.T) {
	for _, tc := range []struct {
		n    NodeState
		want string
	}{
		{NodeState{}, "your node is stopped: no one can reach you over I2P"},
		{NodeState{Running: true, Stage: node.StageNoPeers}, "your node: no peers yet (its I2P router is looking for other routers)"},
		{NodeState{Running: true, Stage: node.StageBuilding}, "your node: tunnels building; other servers cannot reach it yet"},
		{NodeState{Running: true, Stage: node.StageReachable}, "your node: reachable over I2P"},
	} {
		if got := nodeText(tc.n); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.n, got, tc.want)
		}
	}
}
