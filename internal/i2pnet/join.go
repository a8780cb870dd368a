package i2pnet

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// joinConf is the network part of an i2pd config for a router that joins
// the network from outside i2pnet (a Clove node's own i2pd): the same
// network id, transport and no-reseed settings as the network's routers,
// never a floodfill, 1-hop exploratory tunnels. Everything else (SOCKS,
// SAM, console, logs) is the caller's.
const joinConf = `# network part written by clove's internal/i2pnet (Join)
netid = 99
ipv4 = true
nat = false
host = %[1]s
address4 = %[1]s
port = %[2]d
floodfill = false
bandwidth = X
reservedrange = false
[ntcp2]
enabled = true
published = true
port = %[2]d
[ssu2]
enabled = false
[reseed]
verify = false
urls = https://127.0.0.1:1/
threshold = 0
[addressbook]
enabled = true
defaulturl = http://nonexistent.i2p/hosts.txt
subscriptions = http://nonexistent.i2p/hosts.txt
[exploratory]
inbound.length = 1
outbound.length = 1
inbound.quantity = 2
outbound.quantity = 2
[nettime]
enabled = false
frompeers = false
[persist]
profiles = false
`

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
	if err := n.seed(dataDir); err != nil {
		return "", err
	}
	ip := routerIP(k)
	port, err := freePort(ip)
	if err != nil {
		return "", fmt.Errorf("i2pnet: a port on %s: %w", ip, err)
	}
	n.joined++
	return fmt.Sprintf(joinConf, ip, port), nil
}

// seed copies every network router's router.info into dataDir's netDb.
func (n *Network) seed(dataDir string) error {
	for _, r := range n.Routers {
		data, rel, err := r.routerInfoFile()
		if err != nil {
			return err
		}
		p := filepath.Join(dataDir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
