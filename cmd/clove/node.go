package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/clove-xmpp/clove/internal/portmux"
	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/transport"
)

// The node commands: init creates a node, run supervises it in the
// foreground, start runs clove-node (the same supervisor, as a small
// process of its own) in the background, stop ends it. Package node does
// the work; here are the flags and what the commands print.

// nodeCmd is one node subcommand: its flag set, with the flags every node
// command has, and its arguments.
type nodeCmd struct {
	e       *env
	name    string
	args    []string
	fs      *flag.FlagSet
	dir     *string
	network *string
	pos     []string // the positional arguments, once parsed
}

var nodeCommands = map[string]func(context.Context, *nodeCmd) error{
	"init": nodeInit, "status": nodeStatus, "run": nodeRun, "start": nodeStartCmd, "stop": nodeStop,
	"supervise": nodeSupervise, "tunnels": nodeTunnels, "dispatch": nodeDispatch, "adduser": nodeAddUser, "map": nodeMap, "serve": nodeServe,
}

func cmdNode(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("node needs init, start, stop, run, status, adduser, map or serve")
	}
	run, ok := nodeCommands[args[0]]
	if !ok {
		return usagef("unknown node command %q", args[0])
	}
	fs := flag.NewFlagSet("node "+args[0], flag.ContinueOnError)
	return run(ctx, &nodeCmd{e: e, name: args[0], args: args[1:], fs: fs,
		dir:     fs.String("dir", filepath.Join(e.profile, "node"), "the node's directory"),
		network: fs.String("i2pd-network", "", "file with the network part of the node's i2pd config (a private test network); default: the real I2P network"),
	})
}

// parse parses the flags and wants n positional arguments (what says so
// otherwise).
func (c *nodeCmd) parse(n int, what string) error {
	pos, err := parseFlags(c.fs, c.args)
	if err != nil {
		return err
	}
	if len(pos) != n {
		return usagef("node %s %s", c.name, what)
	}
	c.pos = pos
	return nil
}

func (c *nodeCmd) noArgs() error { return c.parse(0, "takes no arguments") }

// routerChoice is --sam and --own-router.
type routerChoice = node.Router

func (c *nodeCmd) routerFlags() *routerChoice {
	var r routerChoice
	c.fs.StringVar(&r.SAM, "sam", "", "use the I2P router with this SAM bridge (e.g. a system i2pd) instead of running one; default: "+transport.DefaultSAMAddr+" if it answers")
	c.fs.BoolVar(&r.Own, "own-router", false, "always run the node's own i2pd")
	return &r
}

func nodeInit(ctx context.Context, c *nodeCmd) error {
	c2s := c.fs.Int("c2s-port", 5222, "loopback port for clients")
	s2s := c.fs.Int("s2s-port", 5269, "loopback port for other servers")
	httpPort := c.fs.Int("http-port", 0, "loopback port for file uploads (default 5280, or a free one near it)")
	socks := c.fs.String("socks", "127.0.0.1:4447", "I2P SOCKS proxy for outgoing server-to-server traffic")
	hopsFlag := c.fs.String("hops", "", "tunnel length N, or N/M for N hops and M on the server tunnels' outbound side (default 3; a private test network wants 1/0)")
	if err := c.noArgs(); err != nil {
		return err
	}
	hops, err := node.ParseHops(*hopsFlag)
	if err != nil {
		return usageError{err.Error()}
	}
	info, err := node.Init(ctx, node.InitOptions{Dir: *c.dir, C2SPort: *c2s, S2SPort: *s2s, HTTPPort: *httpPort, SOCKS: *socks, Hops: hops})
	var inUse *node.PortInUseError
	if errors.As(err, &inUse) {
		return fmt.Errorf("%w: choose others with --c2s-port/--s2s-port/--http-port", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.e.stdout, "node created in %s\ndomain: %s\nuploads: %sfile_share/… (%s, files up to %d MiB, kept %d days)\nnext: clove node adduser NAME, then clove node start\n",
		*c.dir, info.Domain, node.UploadURLBase(info.Domain), node.UploadDomain(info.Domain), node.UploadSizeLimit>>20, int(node.UploadExpiry.Hours()/24))
	return nil
}

func nodeStatus(ctx context.Context, c *nodeCmd) error {
	if err := c.noArgs(); err != nil {
		return err
	}
	r, err := node.ReadStatus(ctx, *c.dir)
	if err != nil {
		return err
	}
	printNodeStatus(c.e.stdout, r)
	return nil
}

func printNodeStatus(w io.Writer, r *node.StatusReport) {
	info := r.Info
	state := "stopped"
	if r.PID != 0 {
		state = fmt.Sprintf("running (supervisor pid %d)", r.PID)
	}
	fmt.Fprintf(w, "domain: %s\nstate: %s\n", info.Domain, state)
	for _, c := range r.Children {
		fmt.Fprintf(w, "%s: %s\n", c.Name, childState(c))
	}
	answering := map[bool]string{true: "answering", false: "not answering"}
	admins := "none yet (clove node adduser NAME)"
	if len(info.Admins) > 0 {
		admins = strings.Join(info.Admins, ", ")
	}
	fmt.Fprintf(w, "clients: 127.0.0.1:%d (%s)\nservers: 127.0.0.1:%d (%s)\nI2P SOCKS: %s\nadmin: %s\ncreated: %s\n",
		info.C2SPort, answering[r.C2SAnswers], info.S2SPort, answering[r.S2SAnswers], info.SOCKS, admins, info.Created.Format("2006-01-02 15:04"))
	if r.PID != 0 {
		fmt.Fprintf(w, "server-to-server: %d incoming, %d outgoing connection(s)\nI2P: %s\n", r.S2SIn, r.S2SOut, r.Readiness)
	}
}

func childState(c node.ChildStatus) string {
	s := "not running"
	if c.Running {
		s = fmt.Sprintf("running (pid %d)", c.PID)
	}
	if c.Restarts > 0 {
		s += fmt.Sprintf(", restarted %d times", c.Restarts)
	}
	if c.LastExit != "" {
		s += ", last exit: " + c.LastExit
	}
	return s
}

// nodeStartOptions are start's and run's options: clove itself, on this
// profile, runs the node's child commands.
func nodeStartOptions(e *env, dir, network string, router routerChoice) (node.StartOptions, error) {
	self, err := os.Executable()
	if err != nil {
		return node.StartOptions{}, err
	}
	return node.StartOptions{Dir: dir, Network: network, Router: router, Logger: e.log,
		Command: []string{self, "--profile", e.profile, "--verbose"}}, nil
}

// nodeError makes a usage error of --sam's conflicts.
func nodeError(err error) error {
	if errors.Is(err, node.ErrRouterConflict) {
		return usageError{err.Error()}
	}
	return err
}

func nodeRun(ctx context.Context, c *nodeCmd) error {
	router := c.routerFlags()
	if err := c.noArgs(); err != nil {
		return err
	}
	opts, err := nodeStartOptions(c.e, *c.dir, *c.network, *router)
	if err != nil {
		return err
	}
	return nodeError(node.Run(ctx, opts, func(info *node.Info) {
		fmt.Fprintf(c.e.stdout, "node %s running: clients on 127.0.0.1:%d; stop with Ctrl-C or 'clove node stop'\n", info.Domain, info.C2SPort)
	}))
}

func nodeStartCmd(ctx context.Context, c *nodeCmd) error {
	router := c.routerFlags()
	if err := c.noArgs(); err != nil {
		return err
	}
	return nodeStart(ctx, c.e, *c.dir, *c.network, *router)
}

// nodeStart starts the node in dir in the background (node start, and the
// wizard).
func nodeStart(ctx context.Context, e *env, dir, network string, router routerChoice) error {
	opts, err := nodeStartOptions(e, dir, network, router)
	if err != nil {
		return err
	}
	st, err := node.StartBackground(ctx, opts)
	if err != nil {
		return nodeError(err)
	}
	fmt.Fprintf(e.stdout, "node %s started (pid %d); logs in %s\n", st.Domain, st.PID, st.LogDir)
	return nil
}

func nodeStop(_ context.Context, c *nodeCmd) error {
	if err := c.noArgs(); err != nil {
		return err
	}
	if err := node.Stop(*c.dir); err != nil {
		return err
	}
	fmt.Fprintln(c.e.stdout, "node stopped")
	return nil
}

// nodeSupervise is what clove-node does, for when it is missing: run the
// plan that node start wrote.
func nodeSupervise(ctx context.Context, c *nodeCmd) error {
	if err := c.noArgs(); err != nil {
		return err
	}
	return supervise.RunDir(ctx, *c.dir, func(msg string) { c.e.log.Info(msg) })
}

// nodeTunnels runs the node's server tunnels through another router's SAM
// bridge: a child of the node's supervisor (see node.RunOptions.SAM).
func nodeTunnels(ctx context.Context, c *nodeCmd) error {
	sam := c.fs.String("sam", transport.DefaultSAMAddr, "the SAM bridge")
	if err := c.noArgs(); err != nil {
		return err
	}
	return node.RunSAMTunnels(ctx, *c.dir, *sam, c.e.log)
}

// nodeDispatch is clove-node --dispatch, for when clove-node is missing:
// the dispatcher of a node with its own i2pd (see node.RunOptions.Dispatch).
func nodeDispatch(ctx context.Context, c *nodeCmd) error {
	pos, err := parseFlags(c.fs, c.args)
	if err != nil {
		return err
	}
	if len(pos) != 4 && len(pos) != 5 {
		return usagef("node %s takes ADDR C2S_PORT S2S_PORT HTTP_PORT [DIRECT_TLS_PORT]", c.name)
	}
	ln, ports, err := portmux.ListenArgs(pos)
	if err != nil {
		return err
	}
	return portmux.Serve(ctx, ln, ports, 0, func(msg string) { c.e.log.Info(msg) })
}

func nodeAddUser(ctx context.Context, c *nodeCmd) error {
	if err := c.parse(1, "takes one user name"); err != nil {
		return err
	}
	info, err := node.Load(*c.dir)
	if err != nil {
		return err
	}
	addr := c.pos[0]
	if !strings.Contains(addr, "@") {
		addr += "@" + info.Domain
	}
	pw, err := c.e.password(addr)
	if err != nil {
		return err
	}
	if addr, err = node.AddUser(ctx, *c.dir, c.pos[0], pw); err != nil {
		return err
	}
	fmt.Fprintf(c.e.stdout, "added %s\n", addr)
	return nil
}

func nodeMap(_ context.Context, c *nodeCmd) error {
	if err := c.parse(2, "takes CLEARNET_DOMAIN NAME.b32.i2p"); err != nil {
		return err
	}
	if err := transport.ValidateI2PName(c.pos[1]); err != nil {
		return usageError{err.Error()}
	}
	if err := node.MapDomain(*c.dir, c.pos[0], c.pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(c.e.stdout, "%s now reaches %s over I2P (restart the node to apply)\n", c.pos[0], c.pos[1])
	return nil
}

func nodeServe(_ context.Context, c *nodeCmd) error {
	if err := c.parse(1, "takes one DOMAIN"); err != nil {
		return err
	}
	if err := node.ServeDomain(*c.dir, c.pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(c.e.stdout, "the node now also serves %s (for servers whose darknet_map points it here; restart the node to apply)\nadd users there with: clove node adduser NAME@%s\n", c.pos[0], c.pos[0])
	return nil
}
