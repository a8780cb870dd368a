package node

import (
	"fmt"
	"net"
	"slices"
)

// ownPorts are the loopback ports node.json fixes for the node: prosody's
// client, server and HTTP ports, the dispatcher's, and its router's SOCKS
// port when that is on this machine. The ports picked at each start (the
// router's SAM bridge and web console) must be none of them: a web console
// on the HTTP port would answer every upload "403 host mismatch" while
// prosody logged that it could not listen there (seen once in the
// federation test, whose ports came from the same kernel pool).
func (i *Info) ownPorts() []int {
	ps := []int{i.C2SPort, i.S2SPort, i.HTTPPort, i.DispatchPort, i.DirectTLSPort}
	if h, p, err := splitHostPort(i.SOCKS); err == nil && isLoopbackHost(h) {
		ps = append(ps, p)
	}
	return slices.DeleteFunc(ps, func(p int) bool { return p == 0 })
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// checkDistinct fails when two of the node's ports are the same (0s are
// not chosen yet and do not count).
func checkDistinct(names []string, ports []int) error {
	for i, p := range ports {
		if p == 0 {
			continue
		}
		if j := slices.Index(ports[:i], p); j >= 0 {
			return fmt.Errorf("the %s and the %s would both be port %d: choose different ports", names[j], names[i], p)
		}
	}
	return nil
}

// pickLoopbackPorts returns n different ports on 127.0.0.1 that the kernel
// gave as free, none of them in taken. Each listener is held until all are
// picked (so two picks cannot be the same port), then closed for the
// caller's program to take. A pick in taken is held too and another asked
// for, so the kernel cannot hand it out again in this call.
func pickLoopbackPorts(n int, taken []int) ([]int, error) {
	var held []net.Listener
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	var out []int
	// Bounded: the kernel's ephemeral range has thousands of ports and
	// taken a handful, so a pick in taken is rare; each held listener
	// removes one from what it can hand out.
	for tries := 0; len(out) < n; tries++ {
		if tries >= n+min(len(taken), 64)+16 {
			return nil, fmt.Errorf("no free port on 127.0.0.1 besides %v", taken)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("a free port on 127.0.0.1: %w", err)
		}
		held = append(held, ln)
		if p := ln.Addr().(*net.TCPAddr).Port; !slices.Contains(taken, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// dispatchI2PPorts are the I2P ports the node's other tunnels name: the
// dispatcher's tunnel has no inport, so its local port is its I2P port
// and must be none of these (5223: direct TLS, XEP-0368).
func dispatchI2PPorts() []int { return []int{80, 5222, 5223, 5269} }

// initPorts checks the ports Init was given (free, all different, the
// dispatcher's not an I2P port of another tunnel) and picks the HTTP and
// dispatcher ports not given, each different from all the others.
func initPorts(opts *InitOptions) error {
	_, socks, _ := splitHostPort(opts.SOCKS) // checked by Init
	given := []int{opts.C2SPort, opts.S2SPort, opts.HTTPPort, opts.DispatchPort, socks}
	if err := checkDistinct([]string{"client port", "server port", "HTTP port", "dispatcher port", "SOCKS port"}, given); err != nil {
		return err
	}
	if slices.Contains(dispatchI2PPorts(), opts.DispatchPort) {
		return fmt.Errorf("the dispatcher port cannot be %d: its I2P port is its own, and %v are the node's other I2P ports", opts.DispatchPort, dispatchI2PPorts())
	}
	for _, p := range given[:4] {
		if p == 0 {
			continue
		}
		if err := portFree(p); err != nil {
			return err
		}
	}
	var err error
	if opts.HTTPPort == 0 {
		if opts.HTTPPort, err = chooseHTTPPort(opts.C2SPort, opts.S2SPort, opts.DispatchPort, socks); err != nil {
			return err
		}
	}
	if opts.DispatchPort == 0 {
		if opts.DispatchPort, err = chooseDispatchPort(opts.C2SPort, opts.S2SPort, opts.HTTPPort, socks); err != nil {
			return err
		}
	}
	return nil
}

// otherPorts are ownPorts but self: what a port being chosen again must
// not be.
func (i *Info) otherPorts(self int) []int {
	ps := i.ownPorts()
	if k := slices.Index(ps, self); k >= 0 {
		ps = slices.Delete(ps, k, k+1)
	}
	return ps
}

// mustMove reports whether the node's port p (its HTTP or dispatcher
// port) has to be chosen again at a start: not set yet, taken by another
// program, or the same as another of the node's ports (a node.json edited
// by hand, or written by a Clove that did not check).
func (i *Info) mustMove(p int) bool {
	return p == 0 || PortInUse(p) || slices.Contains(i.otherPorts(p), p)
}
