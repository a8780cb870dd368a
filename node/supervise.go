package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pdconf"
	"github.com/clove-xmpp/clove/internal/portmux"
	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/transport"
)

// RunOptions configures Run.
type RunOptions struct {
	Prosody string // prosody binary; default from PATH
	I2PD    string // i2pd binary; default from PATH
	// I2PDConfig replaces the router's network section (tests point it at a
	// private network); empty means the real I2P network with reseeding.
	I2PDConfig string
	// SAM, if set, is the SAM bridge of a router the node uses instead of
	// running its own (a system i2pd): the node's server tunnels are a SAM
	// session with its keys (RunSAMTunnels, run by Tunnels), its outgoing
	// s2s goes through the SOCKS proxy in node.json.
	SAM string
	// Tunnels is the command that runs RunSAMTunnels, given
	// "--dir DIR --sam ADDR" after it (clove node tunnels).
	Tunnels []string
	// Dispatch is the command that runs the dispatcher of a node with its
	// own i2pd (portmux.Serve on DispatchPort), given "ADDR C2S S2S HTTP"
	// after it (clove-node --dispatch): a child like i2pd and prosody, so
	// it is restarted when it dies and stopped with them. Empty: Start runs
	// it in its own process (tests); WritePlan needs it.
	Dispatch []string
	Logger   *slog.Logger
	// Backoff bounds the wait before restarting a crashed child.
	BackoffMin, BackoffMax time.Duration
}

// Status of the node's children, for `clove node status`.
type Status = supervise.Status

// ChildStatus is one supervised process.
type ChildStatus = supervise.ChildStatus

// Supervisor runs a node's i2pd and prosody and restarts them if they die.
type Supervisor struct {
	dir  string
	info *Info
	sv   *supervise.Supervisor
	done chan struct{} // closed once sv and the in-process dispatcher are done
}

// routerConf is the node's own i2pd: SOCKS and SAM on loopback for Clove
// and prosody, the web console on loopback, the tunnels from node init.
// The SOCKS proxy (prosody's outgoing s2s) uses the node's own keys, so
// outgoing streams come from the node's .b32.i2p and carry its current
// lease set: after this router restarts, a peer learns the new tunnels from
// the first stream the node opens to it, instead of trying the old ones until
// its cached lease set expires (up to 10 min). Peers learn nothing new from
// this: the node names itself in every s2s stream anyway.
func routerConf(logFile, socksHost string, socksPort int, network string, console, sam int, hops Hops) string {
	return i2pdconf.Conf{
		LogFile: logFile,
		Network: network,
		Console: console,
		SOCKS: &i2pdconf.Proxy{Address: socksHost, Port: socksPort, Keys: "xmpp.dat",
			Lengths: &i2pdconf.Lengths{Inbound: hops.Length, Outbound: hops.ServerOutbound}, LeaseSetEncType: 4},
		SAM: sam,
	}.Text()
}

// Start starts the node in dir (i2pd, then prosody) and supervises both
// until ctx ends, then stops them (Done is closed when they are gone). It
// fails at once, starting nothing, if the node cannot run: a missing binary,
// a port in use, a broken node directory.
func Start(ctx context.Context, dir string, opts RunOptions) (*Supervisor, error) {
	info, plan, err := Prepare(dir, opts)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Without a command for it, the dispatcher runs here, for as long as
	// the children.
	var ln net.Listener
	if opts.SAM == "" && len(opts.Dispatch) == 0 {
		if ln, err = net.Listen("tcp", dispatchAddr(info)); err != nil {
			return nil, fmt.Errorf("the node's dispatcher: %w", err)
		}
	}
	sv, err := supervise.Start(ctx, plan.Children, supervise.Options{BackoffMin: plan.BackoffMin, BackoffMax: plan.BackoffMax,
		Log: func(msg string) { log.Info(msg) }})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return nil, err
	}
	s := &Supervisor{dir: dir, info: info, sv: sv, done: make(chan struct{})}
	served := make(chan struct{})
	if ln == nil {
		close(served)
	} else {
		sctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-ctx.Done():
			case <-sv.Done():
			}
			cancel()
		}()
		go func() {
			defer close(served)
			_ = portmux.Serve(sctx, ln, dispatchPorts(info), 0, func(msg string) { log.Info(msg) })
		}()
	}
	go func() {
		<-sv.Done()
		<-served
		close(s.done)
	}()
	return s, nil
}

// dispatchAddr is where the node's dispatcher listens.
func dispatchAddr(info *Info) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(info.DispatchPort))
}

func dispatchPorts(info *Info) portmux.Ports {
	return portmux.Ports{C2S: info.C2SPort, S2S: info.S2SPort, HTTP: info.HTTPPort, TLS: info.DirectTLSPort}
}

// DispatchChild is the plan's child that runs the dispatcher with cmd
// (RunOptions.Dispatch).
func DispatchChild(dir string, info *Info, cmd []string) supervise.Child {
	p := dispatchPorts(info)
	argv := append(slices.Clone(cmd), dispatchAddr(info), strconv.Itoa(p.C2S), strconv.Itoa(p.S2S), strconv.Itoa(p.HTTP), strconv.Itoa(p.TLS))
	return supervise.Child{Name: "dispatch", LogFile: filepath.Join(dir, "logs", "dispatch.log"), Argv: argv}
}

// WritePlan prepares the node in dir as Start does and saves what to run
// in it, for clove-node or supervise.RunDir to run.
func WritePlan(dir string, opts RunOptions) (*Info, error) {
	info, plan, err := Prepare(dir, opts)
	if err != nil {
		return nil, err
	}
	if opts.SAM == "" && len(opts.Dispatch) == 0 {
		return nil, errors.New("no command for the node's dispatcher: clove-node not found next to clove or on PATH")
	}
	if err := supervise.WritePlan(dir, plan); err != nil {
		return nil, fmt.Errorf("the node's plan: %w", err)
	}
	return info, nil
}

// Done is closed once the node has stopped after Start's context ended.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Info is the node's node.json.
func (s *Supervisor) Info() *Info { return s.info }

// WaitReady waits until the node's prosody answers on its client port.
func (s *Supervisor) WaitReady(ctx context.Context) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.info.C2SPort))
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the node's prosody did not start (see %s): %w", filepath.Join(s.dir, "logs"), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// RouterSAMFile holds the SAM bridge of the router that carries the node
// (its own i2pd's or another's), written by Prepare, for status.
const RouterSAMFile = "i2p-router-sam"

// Prepare checks that the node in dir can run (binaries there, ports
// free, node directory whole), writes its i2pd config and returns what to
// run: i2pd, then prosody.
func Prepare(dir string, opts RunOptions) (*Info, supervise.Plan, error) {
	var plan supervise.Plan
	info, err := Load(dir)
	if err != nil {
		return nil, plan, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BackoffMin == 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax == 0 {
		opts.BackoffMax = 30 * time.Second
	}
	bins := []*string{&opts.Prosody, &opts.I2PD}
	if opts.SAM != "" {
		bins = bins[:1] // the router is not ours to run
	}
	for _, b := range bins {
		name := map[*string]string{&opts.Prosody: "prosody", &opts.I2PD: "i2pd"}[b]
		if *b == "" {
			p, err := exec.LookPath(name)
			if err != nil {
				return nil, plan, fmt.Errorf("%s is not installed: install it (apt-get install %s, or make deps)", name, name)
			}
			*b = p
		} else if _, err := os.Stat(*b); err != nil {
			return nil, plan, fmt.Errorf("%s not found at %s", name, *b)
		}
	}
	if _, err := os.Stat(ProsodyConfig(dir)); err != nil {
		return nil, plan, fmt.Errorf("the node in %s is incomplete (%v): create a new one with 'clove node init'", dir, err)
	}
	if err := refresh(dir, info, opts.Logger); err != nil {
		return nil, plan, err
	}
	for _, p := range []int{info.C2SPort, info.S2SPort, info.DispatchPort} {
		if err := portFree(p); err != nil {
			return nil, plan, err
		}
	}
	socksHost, socksPort, err := splitHostPort(info.SOCKS)
	if err != nil {
		return nil, plan, err
	}
	logs := filepath.Join(dir, "logs")
	plan.BackoffMin, plan.BackoffMax = opts.BackoffMin, opts.BackoffMax
	prosody := supervise.Child{Name: "prosody", LogFile: filepath.Join(logs, "prosody.out"), Argv: []string{opts.Prosody, "--config", ProsodyConfig(dir), "-F"}}
	if opts.SAM != "" {
		if len(opts.Tunnels) == 0 {
			return nil, plan, errors.New("internal error: no command for the node's SAM tunnels")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st := transport.Detect(ctx, info.SOCKS, opts.SAM, transport.WithConsole(""), transport.WithTools())
		cancel()
		if !st.SAMOK {
			return nil, plan, fmt.Errorf("the I2P router's SAM bridge at %s does not answer (%v): enable it ([sam] enabled = true in i2pd.conf), or let the node run its own router", opts.SAM, st.SAMErr)
		}
		if !st.SOCKSOK {
			return nil, plan, fmt.Errorf("the I2P router's SOCKS proxy at %s does not answer (%v): the node's outgoing server-to-server traffic needs it", info.SOCKS, st.SOCKSErr)
		}
		if err := os.WriteFile(filepath.Join(dir, RouterSAMFile), []byte(opts.SAM+"\n"), 0o600); err != nil {
			return nil, plan, err
		}
		// Another router's console is not ours to read.
		if err := os.Remove(filepath.Join(dir, RouterConsoleFile)); err != nil && !os.IsNotExist(err) {
			return nil, plan, err
		}
		plan.Children = []supervise.Child{
			{Name: "tunnels", LogFile: filepath.Join(logs, "tunnels.log"), Argv: append(append([]string(nil), opts.Tunnels...), "--dir", dir, "--sam", opts.SAM)},
			prosody,
		}
		return info, plan, nil
	}
	if err := portFree(socksPort); err != nil {
		return nil, plan, fmt.Errorf("the node's I2P SOCKS port: %w (is another i2pd running? then Clove needs no router of its own)", err)
	}
	i2pdDir := filepath.Join(dir, "i2pd")
	// The console and SAM ports are not kept in node.json (nothing outside
	// the node refers to them); picked here, never one of the node's own.
	picked, err := pickLoopbackPorts(2, info.ownPorts())
	if err != nil {
		return nil, plan, fmt.Errorf("the node's router: %w", err)
	}
	console, sam := picked[0], picked[1]
	network := opts.I2PDConfig
	if network == "" {
		network = "# the real I2P network, reseeded by i2pd\n[addressbook]\nenabled = true\n"
	}
	if err := os.WriteFile(filepath.Join(dir, RouterSAMFile), []byte(fmt.Sprintf("127.0.0.1:%d\n", sam)), 0o600); err != nil {
		return nil, plan, err
	}
	if err := os.WriteFile(filepath.Join(dir, RouterConsoleFile), []byte(fmt.Sprintf("127.0.0.1:%d\n", console)), 0o600); err != nil {
		return nil, plan, err
	}
	conf := filepath.Join(i2pdDir, "i2pd.conf")
	if err := os.WriteFile(conf, []byte(routerConf(filepath.Join(logs, "i2pd.log"), socksHost, socksPort, network, console, sam, info.hops())), 0o600); err != nil {
		return nil, plan, err
	}
	plan.Children = []supervise.Child{
		{Name: "i2pd", LogFile: filepath.Join(logs, "i2pd.out"), Argv: []string{opts.I2PD, "--datadir=" + i2pdDir, "--conf=" + conf,
			"--tunconf=" + filepath.Join(i2pdDir, "tunnels.conf"), "--tunnelsdir=" + filepath.Join(i2pdDir, "tunnels.d"),
			"--pidfile=" + filepath.Join(i2pdDir, "i2pd.pid")}},
		prosody,
	}
	if len(opts.Dispatch) > 0 {
		plan.Children = append(plan.Children, DispatchChild(dir, info, opts.Dispatch))
	}
	return info, plan, nil
}

// refresh writes the node's files that follow from node.json as this Clove
// makes them (prosody's module and config, i2pd's tunnels), so a node made
// by an older Clove runs with the current ones. It gives a node without an
// HTTP port (made before uploads) one, and a node whose HTTP port another
// program took a free one: nothing outside the node refers to that port.
// The node must not be running.
func refresh(dir string, info *Info, log *slog.Logger) error {
	if info.mustMove(info.HTTPPort) {
		p, err := chooseHTTPPort(info.otherPorts(info.HTTPPort)...)
		if err != nil {
			return fmt.Errorf("the node's HTTP port (uploads): %w", err)
		}
		if info.HTTPPort == 0 {
			log.Info("the node now serves file uploads", "http_port", p)
		} else {
			log.Info("the node's HTTP port is taken: uploads move to another", "was", info.HTTPPort, "http_port", p)
		}
		info.HTTPPort = p
		if err := save(dir, info); err != nil {
			return fmt.Errorf("saving the node's HTTP port: %w", err)
		}
	}
	if info.mustMove(info.DispatchPort) || slices.Contains(dispatchI2PPorts(), info.DispatchPort) {
		p, err := chooseDispatchPort(info.otherPorts(info.DispatchPort)...)
		if err != nil {
			return fmt.Errorf("the node's dispatcher port: %w", err)
		}
		if info.DispatchPort == 0 {
			log.Info("the node now takes I2P streams to port 0 (SAM clients')", "dispatch_port", p)
		} else {
			log.Info("the node's dispatcher port is taken: it moves to another", "was", info.DispatchPort, "dispatch_port", p)
		}
		info.DispatchPort = p
		if err := save(dir, info); err != nil {
			return fmt.Errorf("saving the node's dispatcher port: %w", err)
		}
	}
	if info.mustMove(info.DirectTLSPort) {
		p, err := chooseDirectTLSPort(info.otherPorts(info.DirectTLSPort)...)
		if err != nil {
			return fmt.Errorf("the node's direct TLS port: %w", err)
		}
		log.Info("the node's direct TLS port (XEP-0368, I2P port 5223)", "was", info.DirectTLSPort, "direct_tls_port", p)
		info.DirectTLSPort = p
		if err := save(dir, info); err != nil {
			return fmt.Errorf("saving the node's direct TLS port: %w", err)
		}
	}
	if err := writeModule(dir); err != nil {
		return fmt.Errorf("the node's prosody module: %w", err)
	}
	if err := writeProsodyConfig(dir, info); err != nil {
		return fmt.Errorf("the node's prosody config: %w", err)
	}
	if err := writeTunnels(dir, info); err != nil {
		return fmt.Errorf("the node's I2P tunnels: %w", err)
	}
	return nil
}

// Status reports the children.
func (s *Supervisor) Status() Status { return s.sv.Status() }
