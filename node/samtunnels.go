package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clove-xmpp/clove/internal/portmux"
	"github.com/clove-xmpp/clove/transport"
)

// RunSAMTunnels is the node's server tunnels when a router it does not run
// (a system i2pd) carries them: a SAM session with the node's own keys
// (so the same .b32.i2p), whose incoming streams go to the node's prosody.
// It returns when ctx ends or the router ends the session (the supervisor
// then starts it again).
//
// A new session has new tunnels, and peers keep trying the old ones until
// their cached lease set expires (up to 10 minutes). Outgoing s2s cannot
// carry the new ones: it leaves through the router's SOCKS proxy (its own
// destination), as i2pd 2.45.1's SAM opens streams to port 0, which other
// nodes' tunnels hand to their client port. So once the session stands it
// opens a stream (and closes it) to each peer that recently reached the
// node: the stream carries the new lease set into the peer's cache.
//
// i2pd 2.45.1's SAM hands a session's streams over without the port the
// peer asked for, so clients (5222) and servers (5269) cannot be told
// apart by port as the router's own server tunnels do: each stream goes
// to prosody's client or server port by its XMPP stream header's
// namespace (jabber:client or jabber:server), and an HTTP request (port 80:
// the upload service) to prosody's HTTP port by its method.
func RunSAMTunnels(ctx context.Context, dir, samAddr string, log *slog.Logger) error {
	info, err := Load(dir)
	if err != nil {
		return err
	}
	keys, err := os.ReadFile(filepath.Join(dir, keysFile))
	if err != nil {
		return fmt.Errorf("the node's I2P identity: %w", err)
	}
	h := info.hops()
	// Status reads the session's state from here (ReadReadiness): the
	// router answers SESSION CREATE only on its 20 s readiness timer, and
	// no stream reaches the node before that.
	writeSession(dir, "building")
	defer os.Remove(filepath.Join(dir, SessionFile))
	ln, err := transport.ListenSAM(ctx, samAddr, transport.I2PBase64(keys), transport.SAMOptions{Logger: log,
		// As options: the lengths of SAMOptions mean "default" at 0 hops.
		Options: map[string]string{"inbound.length": strconv.Itoa(h.Length), "outbound.length": strconv.Itoa(h.ServerOutbound)},
	})
	if err != nil {
		return err
	}
	if ln.Addr().String() != info.Domain {
		ln.Close()
		return fmt.Errorf("the node's keys are for %s, not its domain %s", ln.Addr(), info.Domain)
	}
	go func() {
		select {
		case <-ctx.Done():
			ln.Close()
		case <-ln.Ended():
		}
	}()
	writeSession(dir, "established")
	var wg sync.WaitGroup
	defer wg.Wait()
	peers := newPeerList(filepath.Join(dir, peersFile))
	wg.Add(1)
	go func() {
		defer wg.Done()
		announce(ctx, ln.Dialer(), peers.list(), log)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("the I2P router ended the node's tunnels: %w", err)
		}
		peers.add(c.RemoteAddr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := portmux.Route(ctx, c, dispatchPorts(info), 0); err != nil {
				log.Info("incoming I2P stream dropped", "from", c.RemoteAddr(), "err", err)
			}
		}()
	}
}

// peersFile lists the I2P destinations that recently reached the node.
const peersFile = "i2p-peers"

// maxPeers bounds the list (and the streams opened at each start).
const maxPeers = 64

// peerList is peersFile, most recent first, kept in memory and saved when
// it changes (at once: the process may be killed).
type peerList struct {
	path  string
	mu    sync.Mutex
	peers []string
}

func newPeerList(path string) *peerList {
	b, _ := os.ReadFile(path)
	return &peerList{path: path, peers: strings.Fields(string(b))}
}

func (p *peerList) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.peers)
}

// add moves peer to the front.
func (p *peerList) add(peer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.peers) > 0 && p.peers[0] == peer {
		return
	}
	out := []string{peer}
	for _, o := range p.peers {
		if o != peer && len(out) < maxPeers {
			out = append(out, o)
		}
	}
	p.peers = out
	_ = os.WriteFile(p.path, []byte(strings.Join(out, "\n")+"\n"), 0o600)
}

// announceRetry is the pause between attempts to reach a peer: a new
// session's first streams can fail at once (CANT_REACH_PEER in 12 ms, seen
// in a fresh-Debian run) while the router still looks the peer up.
const announceRetry = 10 * time.Second

// announce opens a stream to each peer and closes it: the stream's first
// packet carries the session's lease set. Each peer is tried for up to 2
// minutes.
func announce(ctx context.Context, d *transport.SAMDialer, peers []string, log *slog.Logger) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			var c net.Conn
			var err error
			for {
				c, err = d.DialContext(dctx, "tcp", net.JoinHostPort(p, "5269"))
				if err == nil || dctx.Err() != nil {
					break
				}
				log.Debug("a peer not reached yet; trying again", "peer", p, "err", err)
				select {
				case <-dctx.Done():
				case <-time.After(announceRetry):
				}
			}
			if err != nil {
				log.Info("could not tell a peer the node's new tunnels", "peer", p, "err", err)
				return
			}
			c.Close()
			mu.Lock()
			ok++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(peers) > 0 {
		log.Info("told peers the node's new tunnels", "peers", len(peers), "reached", ok)
	}
}
