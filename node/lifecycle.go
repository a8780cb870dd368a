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
	"strings"
	"syscall"
	"time"

	"github.com/clove-xmpp/clove/internal/supervise"
	"github.com/clove-xmpp/clove/transport"
)

// The node's lifecycle as `clove node` runs it: StartBackground leaves
// clove-node (the supervisor, a small process of its own) running the node;
// Run supervises it in the calling process; Stop ends either.

// Router is the I2P router the node's tunnels go through (clove node
// start/run --sam, --own-router).
type Router struct {
	// SAM is the SAM bridge of another router (a system i2pd) to use
	// instead of running one.
	SAM string
	// Own always runs the node's own i2pd. With neither, a router whose
	// SAM bridge answers at transport.DefaultSAMAddr is used, else the
	// node's own.
	Own bool
}

// ErrRouterConflict is a usage error: another router's SAM bridge and
// the node's own router (or a private network, which only the node's own
// router joins) were both asked for.
var ErrRouterConflict = errors.New("--sam uses another router: it goes with neither --own-router nor --i2pd-network")

// StartOptions configures StartBackground and Run.
type StartOptions struct {
	Dir string
	// Network is the path of a file with the network part of the node's
	// i2pd config (a private test network: --i2pd-network); "": the real
	// I2P network.
	Network string
	Router  Router
	// Command runs clove itself for the node's child commands, e.g. {exe,
	// "--profile", P, "--verbose"}: "node tunnels" (the SAM tunnels) and,
	// where clove-node is missing, "node supervise --dir DIR" are appended.
	// clove-node is looked for next to Command[0], then on PATH.
	Command []string
	Logger  *slog.Logger // nil: none
	// KeepPlan starts the node as it last ran (the plan its last start
	// wrote: the same router and network) where there is one: the
	// window's "Start node" has no flags to say them again.
	KeepPlan bool
}

// Started is a node that StartBackground left running.
type Started struct {
	Domain  string
	PID     int // the supervisor's
	C2SPort int // prosody's client port on 127.0.0.1
	LogDir  string
}

// startTimeout bounds the wait for a starting node's prosody.
const startTimeout = 2 * time.Minute

// StartBackground starts the node in opts.Dir under clove-node, in a
// session of its own so that it outlives the caller, and returns once its
// prosody answers. It fails, stopping the supervisor, if the node does not
// start.
func StartBackground(ctx context.Context, opts StartOptions) (*Started, error) {
	if pid := supervise.RunningPID(opts.Dir); pid != 0 {
		return nil, fmt.Errorf("the node already runs (pid %d)", pid)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	opts.Dir, opts.Logger = dir, logger(opts.Logger)
	var info *Info
	if _, perr := supervise.ReadPlan(dir); opts.KeepPlan && perr == nil {
		// The plan says what to run; the files it runs with still follow
		// this Clove (a node from before uploads gets them now).
		if info, err = Load(dir); err == nil {
			err = refresh(dir, info, opts.Logger)
		}
		if err == nil {
			err = keepDispatcher(opts, info)
		}
	} else {
		info, err = writePlan(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	logDir := filepath.Join(dir, "logs")
	logPath := filepath.Join(logDir, "clove-node.log")
	cmd, exited, err := spawnSupervisor(opts, logPath)
	if err != nil {
		return nil, err
	}
	err = waitNode(ctx, info, exited, func(error) error {
		return fmt.Errorf("the node did not start: %s (see %s)", lastLine(logPath), logPath)
	})
	if err != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		return nil, err
	}
	return &Started{Domain: info.Domain, PID: cmd.Process.Pid, C2SPort: info.C2SPort, LogDir: logDir}, nil
}

// spawnSupervisor starts the supervisor, its output appended to logPath,
// in a session of its own; exited reports its end.
func spawnSupervisor(opts StartOptions, logPath string) (*exec.Cmd, <-chan error, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer logf.Close()
	cmd, err := supervisorCommand(opts)
	if err != nil {
		return nil, nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // outlives the caller and its terminal
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting the node supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return cmd, exited, nil
}

// Run supervises the node in opts.Dir in the calling process: ready is
// called once its prosody answers; Run returns when the supervisor ends
// (ctx ended, or it failed).
func Run(ctx context.Context, opts StartOptions, ready func(*Info)) error {
	if pid := supervise.RunningPID(opts.Dir); pid != 0 {
		return fmt.Errorf("the node already runs (pid %d)", pid)
	}
	opts.Logger = logger(opts.Logger)
	info, err := writePlan(ctx, opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	exited := make(chan error, 1)
	go func() {
		exited <- supervise.RunDir(ctx, opts.Dir, func(msg string) { opts.Logger.Info(msg) })
	}()
	err = waitNode(ctx, info, exited, func(err error) error {
		if err == nil {
			err = errors.New("it stopped")
		}
		return fmt.Errorf("the node did not start: %w (see %s)", err, filepath.Join(opts.Dir, "logs"))
	})
	if err != nil {
		cancel()
		return err
	}
	if ready != nil {
		ready(info)
	}
	return <-exited
}

// Stop ends the node's supervisor (SIGTERM: it stops i2pd and prosody
// first) and waits up to 15 s for it to go.
func Stop(dir string) error {
	pid := supervise.RunningPID(dir)
	if pid == 0 {
		return errors.New("the node is not running")
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	for range 300 {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the node (pid %d) did not stop within 15 s", pid)
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// writePlan picks the router and saves what the supervisor is to run.
func writePlan(ctx context.Context, opts StartOptions) (*Info, error) {
	ro, err := runOptions(ctx, opts)
	if err != nil {
		return nil, err
	}
	return WritePlan(opts.Dir, ro)
}

// runOptions reads the network file and picks the router: the one at
// Router.SAM; the node's own with Router.Own or a private network; else a
// router whose SAM bridge answers at the default address, or the node's
// own.
func runOptions(ctx context.Context, opts StartOptions) (RunOptions, error) {
	ro := RunOptions{Logger: opts.Logger}
	if opts.Network != "" {
		b, err := os.ReadFile(opts.Network)
		if err != nil {
			return ro, fmt.Errorf("reading --i2pd-network: %w", err)
		}
		ro.I2PDConfig = string(b)
	}
	switch r := opts.Router; {
	case r.SAM != "" && (r.Own || opts.Network != ""):
		return ro, ErrRouterConflict
	case r.SAM != "":
		ro.SAM = r.SAM
	case !r.Own && opts.Network == "":
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st := transport.Detect(pctx, transport.DefaultSOCKSAddr, transport.DefaultSAMAddr, transport.WithConsole(""), transport.WithTools())
		cancel()
		if st.SAMOK {
			opts.Logger.Info("an I2P router answers: the node's tunnels go through its SAM bridge", "sam", st.SAMAddr)
			ro.SAM = st.SAMAddr
		}
	}
	if ro.SAM == "" {
		// None found: WritePlan says so, once the node is known to exist.
		ro.Dispatch, _ = dispatcherCommand(opts)
	}
	if ro.SAM != "" {
		if len(opts.Command) == 0 {
			return ro, errors.New("internal error: no command to run the node's SAM tunnels")
		}
		ro.Tunnels = append(slices.Clone(opts.Command), "node", "tunnels")
	}
	return ro, nil
}

// dispatcherCommand runs the dispatcher of a node with its own i2pd:
// clove-node --dispatch (small, like the supervisor), or where it is
// missing clove node dispatch.
func dispatcherCommand(opts StartOptions) ([]string, error) {
	cmd, err := supervisorCommand(opts)
	if err != nil {
		return nil, err
	}
	if filepath.Base(cmd.Path) == "clove-node" && len(cmd.Args) == 2 {
		return []string{cmd.Path, "--dispatch"}, nil
	}
	return append(slices.Clone(opts.Command), "node", "dispatch"), nil
}

// keepDispatcher brings the dispatcher child of a kept plan in line with
// node.json (refresh may have moved a port), and adds it to the plan of a
// node with its own i2pd started before the dispatcher, whose tunnels.conf
// now leads port 0 to it.
func keepDispatcher(opts StartOptions, info *Info) error {
	plan, err := supervise.ReadPlan(opts.Dir)
	if err != nil {
		return err
	}
	own := false
	for _, c := range plan.Children {
		own = own || c.Name == "i2pd"
	}
	if !own {
		return nil
	}
	cmd, err := dispatcherCommand(opts)
	if err != nil {
		return err
	}
	child := DispatchChild(opts.Dir, info, cmd)
	i := slices.IndexFunc(plan.Children, func(c supervise.Child) bool { return c.Name == child.Name })
	if i < 0 {
		plan.Children = append(plan.Children, child)
	} else {
		plan.Children[i] = child
	}
	return supervise.WritePlan(opts.Dir, plan)
}

// supervisorCommand runs the plan written in opts.Dir: clove-node from
// clove's own directory or PATH, or, where it is missing, the same
// supervisor in clove (`clove node supervise`: all of clove resident, more
// memory).
func supervisorCommand(opts StartOptions) (*exec.Cmd, error) {
	if len(opts.Command) > 0 {
		bin := filepath.Join(filepath.Dir(opts.Command[0]), "clove-node")
		if _, err := os.Stat(bin); err == nil {
			return exec.Command(bin, opts.Dir), nil
		}
	}
	if bin, err := exec.LookPath("clove-node"); err == nil {
		return exec.Command(bin, opts.Dir), nil
	}
	if len(opts.Command) == 0 {
		return nil, errors.New("clove-node not found on PATH")
	}
	opts.Logger.Warn("clove-node not found next to clove or on PATH: clove supervises the node itself (more memory)")
	argv := append(slices.Clone(opts.Command), "node", "supervise", "--dir", opts.Dir)
	return exec.Command(argv[0], argv[1:]...), nil
}

// waitNode waits until the node's prosody answers, or exited says the
// supervisor is gone; why makes the error of a node that did not start.
func waitNode(ctx context.Context, info *Info, exited <-chan error, why func(error) error) error {
	deadline := time.After(startTimeout)
	for {
		if answers(info.C2SPort) {
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

// answers reports whether something accepts connections on the loopback
// port.
func answers(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// lastLine is the last line of a log file.
func lastLine(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// ParseHops reads tunnel lengths as --hops gives them: "N" (every tunnel N
// hops) or "N/M" (M hops on the server tunnels' outbound side); "" is the
// default (nil).
func ParseHops(v string) (*Hops, error) {
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
	return &Hops{Length: n, ServerOutbound: m}, nil
}
