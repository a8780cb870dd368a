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
	if !ok || a.node == nil {
		a.nodeAction.Hide()
		return
	}
	run := !a.node.Running
	label := "Stop node"
	if run {
		label = "Start node"
	}
	a.nodeAction.SetText(label)
	a.nodeAction.Enable()
	a.nodeAction.OnTapped = func() {
		a.nodeAction.Disable() // until the node's new state comes back
		if run {
			a.nodeAction.SetText("Starting the node…")
		} else {
			a.nodeAction.SetText("Stopping the node…")
		}
		a.async(func() {
			err := nc.SetNodeRunning(a.ctx, run)
			if err == nil {
				return // the button comes back with the node's new state (OnNode)
			}
			a.do(func() {
				what := "stopping"
				if run {
					what = "starting"
				}
				showError(a.win, fmt.Errorf("%s the node: %w", what, err), nil)
				a.showNodeAction()
			})
		})
	}
	a.nodeAction.Show()
}
