// Package i2pnet starts a private I2P network of real i2pd routers (Debian
// 12's i2pd 2.45.1) for tests: network id 99 (never the main network's 2),
// no reseed, router infos exchanged between the routers' netDbs before the
// network starts, 1-hop tunnels, a SOCKS5 proxy and a SAM bridge per router
// on free loopback ports, server tunnels with keys made before the tunnel so
// the .b32.i2p name is known in advance, and a readiness probe that goes
// through I2P for real (WaitReachable).
//
// i2pd 2.45.1 refuses 127.0.0.0/8 router addresses, so router K listens on
// 198.18.0.K. Those addresses exist only inside a network namespace the test
// binary creates for itself: Main, called from TestMain, re-executes the test
// binary under `unshare -rnm` (no root needed; -m: a mount namespace of its own,
// where tests may mount a small tmpfs), brings up lo and adds
// 198.18.0.1–198.18.0.16 to it there, and runs the tests inside. Nothing is
// ever added to the host's interfaces, and every packet of the network, of
// prosody and of Clove stays on that namespace's loopback:
//
//	func TestMain(m *testing.M) { os.Exit(i2pnet.Main(m)) }
//
//	func TestX(t *testing.T) {
//		net := i2pnet.Shared(t)                 // started once per package
//		dest := net.NewDestination(t)           // keys, so the b32 is known
//		srv := prosodytest.Start(t, prosodytest.Domain(dest.B32))
//		net.ServerTunnel(t, "xmpp", srv.C2SAddr, i2pnet.Keys(dest))
//		_, err := i2pnet.WaitReachable(ctx, net.Client(0).SOCKSAddr, dest.B32, 5222)
//		…
//	}
//
// Bootstrapping follows docs/i2pd.md ("The private test network"): start
// each router until it has written router.info, SIGKILL it, copy every
// router.info into every other router's netDb, then start them all (5
// routers by default).
// Routers 1 and 2 are the floodfills (with only one, a single missed publish
// confirmation stops i2pd 2.45.1 publishing a lease set for minutes),
// server tunnels live on the last router, and clients (Client(i)) use the
// others, because i2pd 2.45.1 stalls a first connection for minutes when
// the client's router is a floodfill that already holds the server's lease
// set (fixed upstream in 2.48.0; with a floodfill client, lookups also stayed
// "pending" for minutes here).
//
// A router run by someone else (a Clove node's own i2pd, under the node's
// supervisor) joins the network with Join: it gets the next free 198.18.0.K,
// its netDb is seeded with the network's router infos, and Join returns the
// network part of its i2pd config.
//
// When unshare is impossible, tests that need the network skip, or fail when
// the CI environment variable is set.
package i2pnet
