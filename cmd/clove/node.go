package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/clove-xmpp/clove/node"
)

func cmdNode(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("node needs init or status")
	}
	fs := flag.NewFlagSet("node "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", filepath.Join(e.profile, "node"), "the node's directory")
	switch args[0] {
	case "init":
		c2s := fs.Int("c2s-port", 5222, "loopback port for clients")
		s2s := fs.Int("s2s-port", 5269, "loopback port for other servers")
		socks := fs.String("socks", "127.0.0.1:4447", "I2P SOCKS proxy for outgoing server-to-server traffic")
		pos, err := parseFlags(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 0 {
			return usagef("node init takes no arguments")
		}
		info, err := node.Init(ctx, node.InitOptions{Dir: *dir, C2SPort: *c2s, S2SPort: *s2s, SOCKS: *socks})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "node created in %s\ndomain: %s\n", *dir, info.Domain)
		fmt.Fprintf(e.stderr, "clove: starting and supervising the node (prosody + i2pd) is not written yet; run prosody --config %s -F yourself meanwhile\n", node.ProsodyConfig(*dir))
		return nil
	case "status":
		pos, err := parseFlags(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 0 {
			return usagef("node status takes no arguments")
		}
		info, err := node.Load(*dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "domain: %s\nclients: 127.0.0.1:%d\nservers: 127.0.0.1:%d\noutgoing s2s via SOCKS %s\ncreated: %s\n",
			info.Domain, info.C2SPort, info.S2SPort, info.SOCKS, info.Created.Format("2006-01-02 15:04"))
		return nil
	}
	return usagef("unknown node command %q (init, status)", args[0])
}
