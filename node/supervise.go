package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// RunOptions configures Run.
type RunOptions struct {
	Prosody string // prosody binary; default from PATH
	I2PD    string // i2pd binary; default from PATH
	// I2PDConfig replaces the router's network section (tests point it at a
	// private network); empty means the real I2P network with reseeding.
	I2PDConfig string
	Logger     *slog.Logger
	// Backoff bounds the wait before restarting a crashed child.
	BackoffMin, BackoffMax time.Duration
}

// Status of the node's children, for `clove node status`.
type Status struct {
	Children []ChildStatus
}

// ChildStatus is one supervised process.
type ChildStatus struct {
	Name     string
	PID      int
	Running  bool
	Restarts int
	LastExit string
}

// Supervisor runs a node's i2pd and prosody and restarts them if they die.
type Supervisor struct {
	dir  string
	info *Info
	log  *slog.Logger
	opts RunOptions

	children []*child
	done     chan struct{}
}

type child struct {
	name     string
	cmd      func() *exec.Cmd
	logFile  string
	mu       sync.Mutex
	proc     *os.Process
	restarts int
	lastExit string
}

// routerConf is the node's own i2pd: SOCKS and SAM on loopback for Clove
// and prosody, the web console on loopback, the tunnels from node init.
// The SOCKS proxy (prosody's outgoing s2s) uses the node's own keys, so
// outgoing streams come from the node's .b32.i2p and carry its current
// lease set: after this router restarts, a peer learns the new tunnels from
// the first stream the node opens to it, instead of trying the old ones until
// its cached lease set expires (up to 10 min). Peers learn nothing new from
// this: the node names itself in every s2s stream anyway.
const routerConf = `log = file
logfile = %[1]s
loglevel = warn
daemon = false
ipv6 = false
%[4]s
[http]
enabled = true
address = 127.0.0.1
port = %[5]d
[httpproxy]
enabled = false
[socksproxy]
enabled = true
address = %[2]s
port = %[3]d
keys = xmpp.dat
inbound.length = %[7]d
outbound.length = %[8]d
i2cp.leaseSetEncType = 4
[sam]
enabled = true
address = 127.0.0.1
port = %[6]d
singlethread = false
[bob]
enabled = false
[i2cp]
enabled = false
[i2pcontrol]
enabled = false
[upnp]
enabled = false
`

// Start starts the node in dir (i2pd, then prosody) and supervises both
// until ctx ends, then stops them (Done is closed when they are gone). It
// fails at once, starting nothing, if the node cannot run: a missing binary,
// a port in use, a broken node directory.
func Start(ctx context.Context, dir string, opts RunOptions) (*Supervisor, error) {
	s, err := newSupervisor(dir, opts)
	if err != nil {
		return nil, err
	}
	for _, c := range s.children {
		if err := s.start(c); err != nil {
			s.stopAll()
			return nil, err
		}
	}
	var wg sync.WaitGroup
	for _, c := range s.children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.watch(ctx, c)
		}()
	}
	go func() {
		<-ctx.Done()
		wg.Wait()
		s.stopAll()
		close(s.done)
	}()
	return s, nil
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

func newSupervisor(dir string, opts RunOptions) (*Supervisor, error) {
	info, err := Load(dir)
	if err != nil {
		return nil, err
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
	for _, b := range []*string{&opts.Prosody, &opts.I2PD} {
		name := map[*string]string{&opts.Prosody: "prosody", &opts.I2PD: "i2pd"}[b]
		if *b == "" {
			p, err := exec.LookPath(name)
			if err != nil {
				return nil, fmt.Errorf("%s is not installed: install it (apt-get install %s, or make deps)", name, name)
			}
			*b = p
		} else if _, err := os.Stat(*b); err != nil {
			return nil, fmt.Errorf("%s not found at %s", name, *b)
		}
	}
	if _, err := os.Stat(ProsodyConfig(dir)); err != nil {
		return nil, fmt.Errorf("the node in %s is incomplete (%v): create a new one with 'clove node init'", dir, err)
	}
	for _, p := range []int{info.C2SPort, info.S2SPort} {
		if err := portFree(p); err != nil {
			return nil, err
		}
	}
	socksHost, socksPort, err := splitHostPort(info.SOCKS)
	if err != nil {
		return nil, err
	}
	if err := portFree(socksPort); err != nil {
		return nil, fmt.Errorf("the node's I2P SOCKS port: %w (is another i2pd running? then Clove needs no router of its own)", err)
	}
	s := &Supervisor{dir: dir, info: info, log: opts.Logger, opts: opts, done: make(chan struct{})}
	logs := filepath.Join(dir, "logs")
	i2pdDir := filepath.Join(dir, "i2pd")
	console, sam := freeLoopbackPort(), freeLoopbackPort()
	network := opts.I2PDConfig
	if network == "" {
		network = "# the real I2P network, reseeded by i2pd\n[addressbook]\nenabled = true\n"
	}
	conf := filepath.Join(i2pdDir, "i2pd.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(routerConf, filepath.Join(logs, "i2pd.log"), socksHost, socksPort, network, console, sam, info.hops().Length, info.hops().ServerOutbound)), 0o600); err != nil {
		return nil, err
	}
	s.children = []*child{
		{name: "i2pd", logFile: filepath.Join(logs, "i2pd.out"), cmd: func() *exec.Cmd {
			return exec.Command(opts.I2PD, "--datadir="+i2pdDir, "--conf="+conf,
				"--tunconf="+filepath.Join(i2pdDir, "tunnels.conf"), "--tunnelsdir="+filepath.Join(i2pdDir, "tunnels.d"),
				"--pidfile="+filepath.Join(i2pdDir, "i2pd.pid"))
		}},
		{name: "prosody", logFile: filepath.Join(logs, "prosody.out"), cmd: func() *exec.Cmd {
			return exec.Command(opts.Prosody, "--config", ProsodyConfig(dir), "-F")
		}},
	}
	return s, nil
}

func freeLoopbackPort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *Supervisor) start(c *child) error {
	cmd := c.cmd()
	out, err := os.OpenFile(c.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: a signal to Clove's terminal does not reach the
	// children; Clove stops them itself. Pdeathsig: they never outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("starting %s: %w", c.name, err)
	}
	out.Close()
	c.mu.Lock()
	c.proc = cmd.Process
	c.mu.Unlock()
	s.log.Info("started", "child", c.name, "pid", cmd.Process.Pid)
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		if c.proc == cmd.Process {
			c.proc = nil
		}
		c.lastExit = fmt.Sprint(err)
		if err == nil {
			c.lastExit = "exited"
		}
		c.mu.Unlock()
	}()
	return nil
}

// watch restarts c whenever it dies, with backoff, until ctx ends.
func (s *Supervisor) watch(ctx context.Context, c *child) {
	backoff := s.opts.BackoffMin
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		c.mu.Lock()
		alive := c.proc != nil
		c.mu.Unlock()
		if alive {
			continue
		}
		s.log.Warn("child died; restarting", "child", c.name, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, s.opts.BackoffMax)
		if err := s.start(c); err != nil {
			s.log.Error("restart failed", "child", c.name, "err", err)
			continue
		}
		c.mu.Lock()
		c.restarts++
		c.mu.Unlock()
	}
}

// stopAll stops prosody first (it flushes its data), then i2pd.
func (s *Supervisor) stopAll() {
	for i := len(s.children) - 1; i >= 0; i-- {
		c := s.children[i]
		c.mu.Lock()
		p := c.proc
		c.mu.Unlock()
		if p == nil {
			continue
		}
		_ = p.Signal(syscall.SIGTERM)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			c.mu.Lock()
			gone := c.proc == nil
			c.mu.Unlock()
			if gone {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		c.mu.Lock()
		if c.proc != nil {
			_ = c.proc.Kill()
		}
		c.mu.Unlock()
	}
}

// Status reports the children.
func (s *Supervisor) Status() Status {
	var st Status
	for _, c := range s.children {
		c.mu.Lock()
		cs := ChildStatus{Name: c.name, Running: c.proc != nil, Restarts: c.restarts, LastExit: c.lastExit}
		if c.proc != nil {
			cs.PID = c.proc.Pid
		}
		c.mu.Unlock()
		st.Children = append(st.Children, cs)
	}
	return st
}
