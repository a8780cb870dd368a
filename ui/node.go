package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2/widget"
)

// NodeControl is what a Backend whose account is on the profile's own node
// can also do: stop the node, or start it again (the status bar's "Stop
// node" / "Start node"). Both return once done; the node's new state
// comes back through OnNode.
type NodeControl interface {
	SetNodeRunning(ctx context.Context, run bool) error
}

// newNodeButton is the status bar's node action, hidden until the pane
// knows the account's node.
func (a *Pane) newNodeButton() *widget.Button {
	b := widget.NewButton("", nil)
	b.Hide()
	return b
}

// showNodeAction offers to stop a running node or start a stopped one,
// where the backend can.
func (a *Pane) showNodeAction() {
	nc, ok := a.backend.(NodeControl)
	if !ok || a.node == nil || (!a.node.Running && a.node.Stage == "") { // not read yet
		a.nodeAction.Hide()
		return
	}
	a.nodeAction.Show()
	if a.nodeBusy != "" {
		return // it waits, disabled, for SetNodeRunning
	}
	run := !a.node.Running
	label := "Stop node"
	if run {
		label = "Start node"
	}
	a.nodeAction.SetText(label)
	a.nodeAction.Enable()
	a.nodeAction.OnTapped = func() { a.setNodeRunning(nc, run) }
}

// setNodeRunning stops or starts the node. Until that is done the status
// bar says so, whatever the connection says meanwhile (the node's prosody
// cutting the stream short, retries), and the button waits disabled.
func (a *Pane) setNodeRunning(nc NodeControl, run bool) {
	a.nodeBusy, a.nodeAction.Text = "stopping your node…", "Stopping the node…"
	if run {
		a.nodeBusy, a.nodeAction.Text = "starting your node…", "Starting the node…"
	}
	a.nodeAction.Disable() // refreshes the text too
	a.OnStateSync(a.connState, a.connErr)
	a.async(func() {
		err := nc.SetNodeRunning(a.ctx, run)
		a.do(func() {
			a.nodeBusy = ""
			if err == nil {
				// What it returned is so (Stop waited for the node to end,
				// a start for its prosody to answer); the session reads
				// the node's I2P stage next.
				a.node = &NodeState{Running: run, Stage: "unknown"}
				if run {
					a.node.Stage = ""
				}
			} else {
				what := "stopping"
				if run {
					what = "starting"
				}
				showError(a.win, fmt.Errorf("%s the node: %w", what, err), nil)
			}
			a.OnStateSync(a.connState, a.connErr)
			a.showNodeAction()
		})
	})
}
