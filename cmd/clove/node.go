package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/transport"
)

// The node commands: init creates a node, run supervises it in the
// foreground, start runs clove-node (the same supervisor, as a small
// process of its own) in the background, stop ends it.

func cmdNode(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("node needs init, start, stop, run, status, adduser, map or serve")
	}
	fs := flag.NewFlagSet("node "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", filepath.Join(e.profile, "node"), "the node's directory")
	network := fs.String("i2pd-network", "", "file with the network part of the node's i2pd config (a private test network); default: the real I2P network")
	var router routerChoice
	if args[0] == "start" || args[0] == "run" {
		fs.StringVar(&router.sam, "sam", "", "use the I2P router with this SAM bridge (e.g. a system i2pd) instead of running one; default: "+transport.DefaultSAMAddr+" if it answers")
		fs.BoolVar(&router.own, "own-router", false, "always run the node's own i2pd")
	}
	var pos []string
	var err error
	parse := func(n int, what string) error {
		if pos, err = parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if len(pos) != n {
			return usagef("node %s %s", args[0], what)
		}
		return nil
	}
	switch args[0] {
	case "init":
		c2s := fs.Int("c2s-port", 5222, "loopback port for clients")
		s2s := fs.Int("s2s-port", 5269, "loopback port for other servers")
		socks := fs.String("socks", "127.0.0.1:4447", "I2P SOCKS proxy for outgoing server-to-server traffic")
		hopsFlag := fs.String("hops", "", "tunnel length N, or N/M for N hops and M on the server tunnels' outbound side (default 3; a private test network wants 1/0)")
		if err := parse(0, "takes no arguments"); err != nil {
			return err
		}
		hops, err := parseHops(*hopsFlag)
		if err != nil {
			return usageError{err.Error()}
		}
		info, err := node.Init(ctx, node.InitOptions{Dir: *dir, C2SPort: *c2s, S2SPort: *s2s, SOCKS: *socks, Hops: hops})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "node created in %s\ndomain: %s\nnext: clove node adduser NAME, then clove node start\n", *dir, info.Domain)
		return nil
	case "status":
		if err := parse(0, "takes no arguments"); err != nil {
			return err
		}
		return nodeStatus(e, *dir)
	case "run":
		if err := parse(0, "takes no arguments"); err != nil {
			return err
		}
		return nodeRun(ctx, e, *dir, *network, router)
	case "start":
		if err := parse(0, "takes no arguments"); err != nil {
			return err
		}
		return nodeStart(ctx, e, *dir, *network, router)
	case "supervise":
		// What clove-node does, for when it is missing: run the plan that
		// node start wrote.
		if err := parse(0, "takes no arguments"); err != nil {
			return err
		}
		return supervise.RunDir(ctx, *dir, func(msg string) { e.log.Info(msg) })
	case "tunnels":
		// The node's server tunnels through another router's SAM bridge:
		// a child of the node's supervisor (see node.RunOptions.SAM).
		sam := fs.String("sam", transport.DefaultSAMAddr, "the SAM bridge")
		if err := parse(0, "takes no arguments"); err != nil {
			return err
		}
		return node.RunSAMTunnels(ctx, *dir, *sam, e.log)
	case "stop":
		if err := parse(0, "takes no arguments"); err != nil {
			return err
		}
		return nodeStop(e, *dir)
	case "adduser":
		if err := parse(1, "takes one user name"); err != nil {
			return err
		}
		info, err := node.Load(*dir)
		if err != nil {
			return err
		}
		addr := pos[0]
		if !strings.Contains(addr, "@") {
			addr += "@" + info.Domain
		}
		pw, err := e.password(addr)
		if err != nil {
			return err
		}
		addr, err = node.AddUser(ctx, *dir, pos[0], pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added %s\n", addr)
		return nil
	case "map":
		if err := parse(2, "takes CLEARNET_DOMAIN NAME.b32.i2p"); err != nil {
			return err
		}
		if err := transport.ValidateI2PName(pos[1]); err != nil {
			return usageError{err.Error()}
		}
		if err := node.MapDomain(*dir, pos[0], pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s now reaches %s over I2P (restart the node to apply)\n", pos[0], pos[1])
		return nil
	case "serve":
		if err := parse(1, "takes one DOMAIN"); err != nil {
			return err
		}
		if err := node.ServeDomain(*dir, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "the node now also serves %s (for servers whose darknet_map points it here; restart the node to apply)\nadd users there with: clove node adduser NAME@%s\n", pos[0], pos[0])
		return nil
	}
	return usagef("unknown node command %q", args[0])
}

func nodeStatus(e *env, dir string) error {
	info, err := node.Load(dir)
	if err != nil {
		return err
	}
	st, pid, _ := supervise.ReadStatus(dir)
	state := "stopped"
	if pid != 0 {
		state = fmt.Sprintf("running (supervisor pid %d)", pid)
	}
	answers := func(port int) string {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err != nil {
			return "not answering"
		}
		c.Close()
		return "answering"
	}
	admins := "none yet (clove node adduser NAME)"
	if len(info.Admins) > 0 {
		admins = strings.Join(info.Admins, ", ")
	}
	fmt.Fprintf(e.stdout, "domain: %s\nstate: %s\n", info.Domain, state)
	for _, c := range st.Children {
		line := "not running"
		if c.Running {
			line = fmt.Sprintf("running (pid %d)", c.PID)
		}
		if c.Restarts > 0 {
			line += fmt.Sprintf(", restarted %d times", c.Restarts)
		}
		if c.LastExit != "" {
			line += ", last exit: " + c.LastExit
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", c.Name, line)
	}
	fmt.Fprintf(e.stdout, "clients: 127.0.0.1:%d (%s)\nservers: 127.0.0.1:%d (%s)\nI2P SOCKS: %s\nadmin: %s\ncreated: %s\n",
		info.C2SPort, answers(info.C2SPort), info.S2SPort, answers(info.S2SPort), info.SOCKS, admins, info.Created.Format("2006-01-02 15:04"))
	if pid == 0 {
		return nil
	}
	_, socksPort, _ := net.SplitHostPort(info.SOCKS)
	sp, _ := strconv.Atoi(socksPort)
	in, out := establishedTCP(info.S2SPort, sp)
	fmt.Fprintf(e.stdout, "server-to-server: %d incoming, %d outgoing connection(s)\n", in, out)
	tunnels := "unknown (no router address recorded)"
	if b, err := os.ReadFile(filepath.Join(dir, node.RouterSAMFile)); err == nil {
		sam := strings.TrimSpace(string(b))
		lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := transport.LookupSAM(lctx, sam, info.Domain)
		cancel()
		tunnels = "ready: the router finds the node's lease set in the network"
		if err != nil {
			tunnels = fmt.Sprintf("not ready (the router at %s does not find the node yet: %v); new tunnels take about a minute", sam, err)
		}
	}
	fmt.Fprintf(e.stdout, "tunnels: %s\n", tunnels)
	return nil
}

// establishedTCP counts the established TCP connections to local port
// in (servers reaching the node) and to remote port out (prosody's
// streams into the SOCKS proxy), from one read of /proc/net/tcp.
func establishedTCP(in, out int) (nIn, nOut int) {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0, 0
	}
	port := func(end string) int {
		if _, p, ok := strings.Cut(end, ":"); ok {
			if v, err := strconv.ParseUint(p, 16, 16); err == nil {
				return int(v)
			}
		}
		return -1
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "01" {
			continue
		}
		if in != 0 && port(f[1]) == in {
			nIn++
		}
		if out != 0 && port(f[2]) == out {
			nOut++
		}
	}
	return nIn, nOut
}

// routerChoice is --sam and --own-router.
type routerChoice struct {
	sam string
	own bool
}

// nodeOptions reads --i2pd-network and picks the router: the one at --sam;
// the node's own with --own-router or a private network; else a router
// whose SAM bridge answers at the default address, or the node's own.
func nodeOptions(ctx context.Context, e *env, network string, router routerChoice) (node.RunOptions, error) {
	opts := node.RunOptions{Logger: e.log}
	if network != "" {
		b, err := os.ReadFile(network)
		if err != nil {
			return opts, fmt.Errorf("reading --i2pd-network: %w", err)
		}
		opts.I2PDConfig = string(b)
	}
	switch {
	case router.sam != "" && (router.own || network != ""):
		return opts, usageError{"--sam uses another router: it goes with neither --own-router nor --i2pd-network"}
	case router.sam != "":
		opts.SAM = router.sam
	case !router.own && network == "":
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st := transport.Detect(pctx, transport.DefaultSOCKSAddr, transport.DefaultSAMAddr, transport.WithConsole(""), transport.WithTools())
		cancel()
		if st.SAMOK {
			e.log.Info("an I2P router answers: the node's tunnels go through its SAM bridge", "sam", st.SAMAddr)
			opts.SAM = st.SAMAddr
		}
	}
	if opts.SAM != "" {
		self, err := os.Executable()
		if err != nil {
			return opts, err
		}
		opts.Tunnels = []string{self, "--profile", e.profile, "--verbose", "node", "tunnels"}
	}
	return opts, nil
}

// waitNode waits until the node's prosody answers, or exited says the
// supervisor is gone.
func waitNode(ctx context.Context, info *node.Info, exited <-chan error, why func(error) error) error {
	deadline := time.After(2 * time.Minute)
	for {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(info.C2SPort)), time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			return why(err)
		case <-deadline:
			return why(errors.New("its prosody did not answer within 2 minutes"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func nodeRun(ctx context.Context, e *env, dir, network string, router routerChoice) error {
	if pid := supervise.RunningPID(dir); pid != 0 {
		return fmt.Errorf("the node already runs (pid %d)", pid)
	}
	opts, err := nodeOptions(ctx, e, network, router)
	if err != nil {
		return err
	}
	info, err := node.WritePlan(dir, opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	exited := make(chan error, 1)
	go func() {
		exited <- supervise.RunDir(ctx, dir, func(msg string) { e.log.Info(msg) })
	}()
	err = waitNode(ctx, info, exited, func(err error) error {
		if err == nil {
			err = errors.New("it stopped")
		}
		return fmt.Errorf("the node did not start: %w (see %s)", err, filepath.Join(dir, "logs"))
	})
	if err != nil {
		cancel()
		return err
	}
	fmt.Fprintf(e.stdout, "node %s running: clients on 127.0.0.1:%d; stop with Ctrl-C or 'clove node stop'\n", info.Domain, info.C2SPort)
	return <-exited
}

// supervisorCommand runs the plan written in dir: clove-node from clove's
// own directory or PATH, or, where it is missing, the same supervisor in
// clove (`clove node supervise`: all of clove resident, more memory).
func supervisorCommand(e *env, dir string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(filepath.Dir(self), "clove-node")
	if _, err := os.Stat(bin); err == nil {
		return exec.Command(bin, dir), nil
	}
	if bin, err := exec.LookPath("clove-node"); err == nil {
		return exec.Command(bin, dir), nil
	}
	e.log.Warn("clove-node not found next to clove or on PATH: clove supervises the node itself (more memory)")
	return exec.Command(self, "--profile", e.profile, "--verbose", "node", "supervise", "--dir", dir), nil
}

func nodeStart(ctx context.Context, e *env, dir, network string, router routerChoice) error {
	if pid := supervise.RunningPID(dir); pid != 0 {
		return fmt.Errorf("the node already runs (pid %d)", pid)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	opts, err := nodeOptions(ctx, e, network, router)
	if err != nil {
		return err
	}
	info, err := node.WritePlan(dir, opts)
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "logs", "clove-node.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd, err := supervisorCommand(e, dir)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // outlives this command and its terminal
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the node supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	err = waitNode(ctx, info, exited, func(error) error {
		log, _ := os.ReadFile(logPath)
		lines := strings.Split(strings.TrimSpace(string(log)), "\n")
		return fmt.Errorf("the node did not start: %s (see %s)", lines[len(lines)-1], logPath)
	})
	if err != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		return err
	}
	fmt.Fprintf(e.stdout, "node %s started (pid %d); logs in %s\n", info.Domain, cmd.Process.Pid, filepath.Join(dir, "logs"))
	return nil
}

func nodeStop(e *env, dir string) error {
	pid := supervise.RunningPID(dir)
	if pid == 0 {
		return errors.New("the node is not running")
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	for i := 0; i < 300; i++ {
		if syscall.Kill(pid, 0) != nil {
			fmt.Fprintln(e.stdout, "node stopped")
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the node (pid %d) did not stop within 15 s", pid)
}

// parseHops reads --hops: "N" (every tunnel N hops) or "N/M" (M hops on
// the server tunnels' outbound side); "" is the default.
func parseHops(v string) (*node.Hops, error) {
	if v == "" {
		return nil, nil
	}
	in, out, two := strings.Cut(v, "/")
	n, err1 := strconv.Atoi(in)
	m := n
	var err2 error
	if two {
		m, err2 = strconv.Atoi(out)
	}
	if err1 != nil || err2 != nil || n < 0 || n > 7 || m < 0 || m > 7 {
		return nil, fmt.Errorf("--hops %q: want N or N/M, 0 to 7 hops", v)
	}
	return &node.Hops{Length: n, ServerOutbound: m}, nil
}
