package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
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
	a.OnNode(NodeState{}) // on the node, not read yet: no action, no green
	mustShow(t, a, "me on your node — online; checking whether other servers can reach it over I2P")
	mustNotShow(t, a, "Stop node")
	mustNotShow(t, a, "Start node")

	// The node's action runs when the test says (pending).
	var pending func()
	a.async = func(f func()) { pending = f }
	a.OnNode(NodeState{Running: true, Stage: "reachable", Reachable: true})
	test.Tap(findButtonIn(t, a.win, "Stop node"))
	// While it stops, the status bar says so, whatever the connection
	// says or the node's last reading.
	a.OnState(Offline, "XML syntax error on line 1: unexpected EOF; retrying in 1s")
	a.OfferAction("Reconnect now", func() {})
	a.OnNode(NodeState{Running: true, Stage: "reachable", Reachable: true})
	mustShow(t, a, "me on your node — stopping your node…", "Stopping the node…")
	mustNotShow(t, a, "Reconnect now", "Stop node")
	if !a.nodeAction.Disabled() {
		t.Error("the button can be tapped again before the node stopped")
	}
	pending()
	if len(b.calls) != 1 || b.calls[0] {
		t.Fatalf("calls %v; want one stop", b.calls)
	}
	mustShow(t, a, "me on your node — offline: your node is stopped", "Start node")
	mustNotShow(t, a, "Reconnect now")

	test.Tap(findButtonIn(t, a.win, "Start node"))
	mustShow(t, a, "me on your node — starting your node…", "Starting the node…")
	pending()
	if len(b.calls) != 2 || !b.calls[1] {
		t.Fatalf("calls %v; want a stop, then a start", b.calls)
	}
	mustShow(t, a, "Stop node", "Reconnect now")
	a.OnState(Online, "")
	mustShow(t, a, "me on your node — online; checking whether other servers can reach it over I2P")
	a.OnNode(NodeState{Running: true, Stage: "no peers yet"})
	mustShow(t, a, "me on your node — online; not reachable over I2P yet: no peers yet", "Stop node")
	a.async = func(f func()) { f() }

	// A failure is shown, and the action offered again.
	b.err = errors.New("port 5222 on 127.0.0.1 is already in use (another XMPP server?)")
	a.OnNode(NodeState{Running: false, Stage: "unknown"})
	test.Tap(findButtonIn(t, a.win, "Start node"))
	mustShow(t, a, "Start node")
}

// A backend that cannot control a node offers nothing, whatever the node.
func TestStatusBarNoNodeActionWithoutControl(t *testing.T) {
	a, _ := newTestApp(t, threeContacts())
	a.OnNode(NodeState{Running: true, Stage: "reachable", Reachable: true})
	mustNotShow(t, a, "Stop node")
}

// While the node is stopped, the status bar offers Start node, not
// Reconnect now (which could only fail); once the node runs, an action
// still offered comes back.
func TestStatusBarNodeStoppedHidesReconnect(t *testing.T) {
	b := &fakeNode{fakeBackend: threeContacts()}
	a, _ := newTestApp(t, b)
	a.OnNode(NodeState{Running: false, Stage: "unknown"})
	a.OnState(Offline, "connection refused; retrying in 4s")
	a.OfferAction("Reconnect now", func() {})
	mustShow(t, a, "me on your node — offline: your node is stopped", "Start node")
	mustNotShow(t, a, "Reconnect now")
	if a.statusDot.FillColor != theme.Color(theme.ColorNameDisabled) {
		t.Errorf("the dot is %v; want the offline grey", a.statusDot.FillColor)
	}
	a.OnNode(NodeState{Running: true, Stage: "no peers yet"})
	mustShow(t, a, "me on your node — offline: connection refused; retrying in 4s", "Reconnect now", "Stop node")
}
