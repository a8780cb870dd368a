package gui

import (
	"slices"
	"testing"

	"github.com/clove-xmpp/clove/ui"
)

// The node's ports: the user's where chosen, else the usual ones or free
// ones near them, none twice; the usual ones that were taken are told.
func TestWizardNodePorts(t *testing.T) {
	for _, c := range []struct {
		busy         []int
		c2s, s2s     int // chosen
		ports, taken []int
	}{
		{nil, 0, 0, []int{5222, 5269}, nil},
		{[]int{5222}, 0, 0, []int{15222, 5269}, []int{5222}},
		{[]int{5222, 5269, 15222}, 0, 0, []int{15223, 15269}, []int{5222, 5269}},
		{[]int{5269}, 6000, 0, []int{6000, 15269}, []int{5269}},
		{[]int{6000, 7000}, 6000, 7000, []int{6000, 7000}, nil}, // node.Init says they are taken
		{[]int{5222}, 0, 15222, []int{15223, 15222}, []int{5222}},
	} {
		w := &WizardBackend{NodePortInUse: func(p int) bool { return slices.Contains(c.busy, p) }}
		ports, taken, err := w.nodePorts(ui.NodeForm{C2SPort: c.c2s, S2SPort: c.s2s})
		if err != nil || !slices.Equal(ports, c.ports) || !slices.Equal(taken, c.taken) {
			t.Errorf("busy %v, chosen %d/%d: ports %v taken %v %v; want %v, %v", c.busy, c.c2s, c.s2s, ports, taken, err, c.ports, c.taken)
		}
	}
}
