package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
)

// fakeNode is a backend whose account is on the profile's own node.
type fakeNode struct {
	*fakeBackend
	calls []bool
	err   error
}

func (f *fakeNode) SetNodeRunning(_ context.Context, run bool) error {
	f.calls = append(f.calls, run)
	return f.err
}

// The status bar of an account on the node offers to stop it while it
// runs and to start it once stopped; each tap asks the backend once, and
// the button waits for the node's new state.
func TestStatusBarStopsAndStartsTheNode(t *testing.T) {
	b := &fakeNode{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, b)
	a.OnState(Online, "")
	mustNotShow(t, a, "Stop node")
	mustNotShow(t, a, "Start node")

	a.OnNode(NodeState{Running: true, Stage: "reachable", Reachable: true})
	test.Tap(findButtonIn(t, a.win, "Stop node"))
	if len(b.calls) != 1 || b.calls[0] {
		t.Fatalf("calls %v; want one stop", b.calls)
	}
	mustShow(t, a, "Stopping the node…")
	if !a.nodeAction.Disabled() {
		t.Error("the button can be tapped again before the node's state came back")
	}

	a.OnNode(NodeState{Running: false, Stage: "unknown"})
	mustShow(t, a, "me@example.org — your node is stopped")
	test.Tap(findButtonIn(t, a.win, "Start node"))
	if len(b.calls) != 2 || !b.calls[1] {
		t.Fatalf("calls %v; want a stop, then a start", b.calls)
	}
	a.OnNode(NodeState{Running: true, Stage: "no peers yet"})
	mustShow(t, a, "Stop node")

	// A failure is shown, and the action offered again.
	b.err = errors.New("port 5222 on 127.0.0.1 is already in use (another XMPP server?)")
	a.OnNode(NodeState{Running: false})
	test.Tap(findButtonIn(t, a.win, "Start node"))
	mustShow(t, a, "Start node")
}

// A backend that cannot control a node offers nothing, whatever the node.
func TestStatusBarNoNodeActionWithoutControl(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	a.OnNode(NodeState{Running: true, Stage: "reachable", Reachable: true})
	mustNotShow(t, a, "Stop node")
}
