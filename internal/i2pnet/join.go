package i2pnet

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/clove-xmpp/clove/internal/i2pdconf"
)

// Join prepares an extra router, run by the caller, to join the network:
// it takes the next free router address (198.18.0.K, after the network's
// routers and earlier joiners), seeds the netDb in the router's data
// directory dataDir with every network router's router.info (as phase 2 of
// Start does between the network's own routers, so no reseed is needed),
// and returns the network part of its i2pd config: netid, host and port,
// NTCP2, no reseed, not a floodfill, 1-hop exploratory tunnels. The joiner
// publishes its own router info to the floodfills once it runs.
func (n *Network) Join(tb testing.TB, dataDir string) string {
	tb.Helper()
	conf, err := n.join(dataDir)
	if err != nil {
		tb.Fatal(err)
	}
	return conf
}

func (n *Network) join(dataDir string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return "", errStopped
	}
	k := len(n.Routers) + n.joined + 1
	if k > MaxRouters {
		return "", fmt.Errorf("i2pnet: no router address left for another router (%d in use, at most %d)", k-1, MaxRouters)
	}
	infos, err := n.routerInfos()
	if err != nil {
		return "", err
	}
	if err := writeRouterInfos(dataDir, infos, nil); err != nil {
		return "", err
	}
	ip := routerIP(k)
	port, err := freePort(ip)
	if err != nil {
		return "", fmt.Errorf("i2pnet: a port on %s: %w", ip, err)
	}
	n.joined++
	network := i2pdconf.PrivateRouter(ip, port, false)
	network.Comment = "network part written by clove's internal/i2pnet (Join)"
	return network.Text(), nil
}

// routerInfo is a router's router.info and its path in a netDb.
type routerInfo struct {
	from *Router
	data []byte
	rel  string
}

// routerInfos reads every network router's router.info.
func (n *Network) routerInfos() ([]routerInfo, error) {
	infos := make([]routerInfo, 0, len(n.Routers))
	for _, r := range n.Routers {
		data, rel, err := r.routerInfoFile()
		if err != nil {
			return nil, err
		}
		infos = append(infos, routerInfo{from: r, data: data, rel: rel})
	}
	return infos, nil
}

// writeRouterInfos puts the router infos, but that of except (nil: none),
// into the netDb under dataDir.
func writeRouterInfos(dataDir string, infos []routerInfo, except *Router) error {
	for _, ri := range infos {
		if ri.from == except {
			continue
		}
		p := filepath.Join(dataDir, ri.rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, ri.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
