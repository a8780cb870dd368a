package node

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/clove-xmpp/clove/transport"
)

// Stage is how far a running node is from being reachable over I2P: the
// order in which a node comes up (its router finds peers, builds the
// node's tunnels, publishes the node's lease set).
type Stage int

const (
	StageUnknown Stage = iota
	// StageNoPeers: the router has no tunnels through other routers yet
	// (a router just started, or one cut off from the network).
	StageNoPeers
	// StageBuilding: the router has peers; the node's own tunnels (or its
	// SAM session) are being built, or its lease set is not found in the
	// network yet.
	StageBuilding
	// StageReachable: the node's tunnels stand and the router finds its
	// lease set in the network: other routers can reach it.
	StageReachable
)

func (s Stage) String() string {
	switch s {
	case StageNoPeers:
		return "no peers yet"
	case StageBuilding:
		return "tunnels building"
	case StageReachable:
		return "reachable"
	}
	return "unknown"
}

// Readiness is a Stage and what it rests on, worded for the user.
type Readiness struct {
	Stage  Stage
	Detail string
}

func (r Readiness) String() string {
	if r.Detail == "" {
		return r.Stage.String()
	}
	return r.Stage.String() + ": " + r.Detail
}

// Files a running node keeps its routers' state in, for ReadReadiness.
const (
	// RouterConsoleFile holds the web console of the node's own i2pd
	// (absent when another router carries the node).
	RouterConsoleFile = "i2p-router-console"
	// SessionFile holds the SAM tunnels' state: "building PID" while
	// the session is being created, "established PID" once it accepts
	// streams (absent when the node runs its own i2pd).
	SessionFile = "i2p-session"
)

// ReadReadiness tells how far the running node in dir is from being
// reachable. It reads the node's own router's console (its peers, the
// node's server tunnels) or the SAM tunnels' state, then asks the router
// for the node's lease set (up to 10 s).
//
// Why not the lease set lookup alone (what status did before): the
// router that carries a SAM session has the session's tunnels built and
// its lease set published seconds after SESSION CREATE, but i2pd 2.45.1
// answers the session (and only then are streams accepted) on its 20 s
// readiness timer, so the lookup said "ready" 2.6–13 s after start while
// others reached the node at 20–58 s.
func ReadReadiness(ctx context.Context, dir string, info *Info) Readiness {
	b, err := os.ReadFile(filepath.Join(dir, RouterConsoleFile))
	ownRouter := err == nil
	if ownRouter {
		if r, ok := ownRouterStage(ctx, strings.TrimSpace(string(b)), info.Domain); !ok {
			return r
		}
	} else if r, ok := sessionStage(dir); !ok {
		return r
	}
	b, err = os.ReadFile(filepath.Join(dir, RouterSAMFile))
	if err != nil {
		return Readiness{StageUnknown, "no router address recorded"}
	}
	sam := strings.TrimSpace(string(b))
	lctx, cancel := context.WithTimeout(ctx, tunnelsLookupTimeout)
	defer cancel()
	if err := findLeaseSet(lctx, sam, ownRouter, info); err != nil {
		return Readiness{StageBuilding, fmt.Sprintf("the node's tunnels stand, but the router at %s does not find its lease set in the network yet (%v); publishing takes up to a minute", sam, err)}
	}
	return Readiness{StageReachable, "the node's tunnels stand and its lease set is published: other routers can reach it"}
}

// findLeaseSet asks the network for the node's lease set: through SAM's
// NAMING LOOKUP and, when the node runs its own router, at the same time
// through the node's SOCKS proxy (a stream to its own s2s port, closed as
// soon as the proxy opens it). Either finding it is enough.
//
// Why both: i2pd 2.45.1 answers NAMING LOOKUP from its shared local
// destination, which always builds 3-hop tunnels (no setting changes
// that). On the private test network (7 routers) that destination once
// had no inbound tunnel for 4 minutes ("Can't send LeaseSet request, no
// inbound tunnels found") while the other node reached this one in 7 s,
// so status said "tunnels building" throughout (CI of f30f973). The SOCKS
// proxy runs on the node's own keys and tunnels, the ones others reach
// it by; its lookup goes to the floodfills the same way, and the proxy
// answers success only once it found the lease set.
func findLeaseSet(ctx context.Context, sam string, ownRouter bool, info *Info) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- transport.LookupSAM(ctx, sam, info.Domain) }()
	ways := 1
	if ownRouter && info.SOCKS != "" {
		ways++
		go func() { errs <- openOwnStream(ctx, info.SOCKS, info.Domain) }()
	}
	var first error
	for range ways {
		err := <-errs
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// openOwnStream opens a stream to the node's own s2s port through its
// SOCKS proxy (the name sent as ATYP 3; nothing resolved here) and closes
// it at once.
func openOwnStream(ctx context.Context, socks, domain string) error {
	d, err := transport.NewSOCKS5(socks)
	if err != nil {
		return err
	}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(domain, "5269"))
	if err != nil {
		return err
	}
	return c.Close()
}

// sessionStage reads the SAM tunnels' state; ok means the session
// accepts streams.
func sessionStage(dir string) (Readiness, bool) {
	b, err := os.ReadFile(filepath.Join(dir, SessionFile))
	state, pidText, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	pid, _ := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		return Readiness{StageBuilding, "the node's SAM tunnels are starting"}, false
	}
	if state != "established" {
		return Readiness{StageBuilding, "the router is creating the node's SAM session (about 20 s; minutes on a router that just started)"}, false
	}
	return Readiness{}, true
}

// writeSession records the SAM tunnels' state (see SessionFile), written
// beside and renamed: a status read during a plain write could see an empty file
// ("the node's SAM tunnels are starting" while they were established).
func writeSession(dir, state string) {
	path := filepath.Join(dir, SessionFile)
	if err := os.WriteFile(path+".tmp", []byte(fmt.Sprintf("%s %d\n", state, os.Getpid())), 0o600); err == nil {
		_ = os.Rename(path+".tmp", path)
	}
}

// ownRouterStage reads the node's own i2pd's console: ok means the
// router has peers and the node's inbound server tunnels are established.
func ownRouterStage(ctx context.Context, console, domain string) (Readiness, bool) {
	page, err := consolePage(ctx, console, "/?page=tunnels")
	if err != nil {
		return Readiness{StageNoPeers, "the node's I2P router is starting (its console does not answer yet)"}, false
	}
	if in, out := countExploratory(page); in == 0 || out == 0 {
		main, _ := consolePage(ctx, console, "/")
		return Readiness{StageNoPeers, fmt.Sprintf("the node's I2P router knows %d other routers and has no tunnels through them yet", knownRouters(main))}, false
	}
	page, err = consolePage(ctx, console, "/?page=local_destination&b32="+strings.TrimSuffix(domain, ".b32.i2p"))
	if err != nil {
		return Readiness{StageBuilding, fmt.Sprintf("the node's I2P router does not show the node's tunnels (%v)", err)}, false
	}
	if established, _ := countInbound(page); established == 0 {
		return Readiness{StageBuilding, "the router has peers; the node's server tunnels are being built"}, false
	}
	return Readiness{}, true
}

// consoleTimeout bounds each read of the router's console.
const consoleTimeout = 5 * time.Second

// consolePage GETs a page of i2pd's web console on loopback. No proxy
// from the environment: the console is on this machine.
func consolePage(ctx context.Context, console, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, consoleTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+console+path, nil)
	if err != nil {
		return "", err
	}
	// i2pd's strictheaders (on for the node's router) wants its hostname.
	req.Host = "localhost"
	c := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the router's console answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return string(b), err
}

var (
	consoleItem    = regexp.MustCompile(`<div class="listitem">([^\n]*)`)
	consoleRouters = regexp.MustCompile(`<b>Routers:</b> (\d+)`)
)

// countExploratory counts established exploratory tunnels with at least
// one hop on i2pd 2.45.1's tunnels page: inbound items read "⇒ HOP ⇒
// id:me", outbound ones "id:me ⇒ HOP ⇒". (The word "established" alone is
// no signal: the page's CSS has it.)
func countExploratory(page string) (in, out int) {
	for _, m := range consoleItem.FindAllStringSubmatch(page, -1) {
		item := m[1]
		if !strings.Contains(item, "tunnel established") || !strings.Contains(item, "exploratory") || strings.Count(item, "&#8658;") < 2 {
			continue
		}
		if strings.HasPrefix(item, "&#8658;") {
			in++
		} else {
			out++
		}
	}
	return in, out
}

// countInbound counts a local destination's inbound tunnels on its
// console page, established and all.
func countInbound(page string) (established, all int) {
	for _, m := range consoleItem.FindAllStringSubmatch(page, -1) {
		item := m[1]
		if !strings.HasPrefix(item, "&#8658;") || !strings.Contains(item, ":me") {
			continue
		}
		all++
		if strings.Contains(item, "tunnel established") {
			established++
		}
	}
	return established, all
}

// knownRouters reads "Routers: N" from the console's main page (-1: not
// there).
func knownRouters(page string) int {
	m := consoleRouters.FindStringSubmatch(page)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
