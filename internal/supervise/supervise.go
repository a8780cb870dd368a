package supervise

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Child is one supervised program.
type Child struct {
	Name    string
	Argv    []string // Argv[0] is the program's path
	LogFile string   // its stdout and stderr, appended
}

// Options tunes a Supervisor. Zero values pick the defaults.
type Options struct {
	// BackoffMin and BackoffMax bound the wait before restarting a child
	// that died (doubling each time; back to the minimum after a minute
	// of good running). Defaults 1 s and 30 s.
	BackoffMin, BackoffMax time.Duration
	// StopTimeout is how long a child gets to end after SIGTERM before it
	// is killed. Default 5 s.
	StopTimeout time.Duration
	// OnChange, if set, gets the status after every start and exit.
	OnChange func(Status)
	// Log, if set, gets one line per event.
	Log func(string)
}

// Status is what the supervisor knows of its children.
type Status struct {
	Children []ChildStatus
}

// ChildStatus is one child's state.
type ChildStatus struct {
	Name     string
	PID      int // 0 while not running
	Running  bool
	Restarts int
	LastExit string
}

// Supervisor runs children, restarts them when they die, and stops them
// (last first) when its context ends.
type Supervisor struct {
	children []Child
	opts     Options
	done     chan struct{}

	mu    sync.Mutex
	state []ChildStatus
}

type exit struct {
	i     int
	proc  *os.Process
	state string
}

// Start starts the children in order and supervises them until ctx ends.
// If one cannot start, those already started are stopped and the error is
// returned.
//
// Every child is forked from one OS thread that lives as long as the
// supervisor: a child's parent-death signal (SIGTERM, so children never
// outlive their supervisor) fires when the thread that forked it ends, not
// the process, and Go may retire other threads at any time.
func Start(ctx context.Context, children []Child, opts Options) (*Supervisor, error) {
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = time.Second
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = max(30*time.Second, opts.BackoffMin)
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 5 * time.Second
	}
	if opts.Log == nil {
		opts.Log = func(string) {}
	}
	s := &Supervisor{children: children, opts: opts, done: make(chan struct{}), state: make([]ChildStatus, len(children))}
	for i, c := range children {
		if len(c.Argv) == 0 {
			return nil, errors.New("supervise: child " + c.Name + " has no program")
		}
		s.state[i].Name = c.Name
	}
	started := make(chan error, 1)
	go s.loop(ctx, started)
	if err := <-started; err != nil {
		return nil, err
	}
	return s, nil
}

// Done is closed once the children are stopped after the context ended.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Status returns the children's state.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Children: append([]ChildStatus(nil), s.state...)}
}

func (s *Supervisor) changed() {
	if s.opts.OnChange != nil {
		s.opts.OnChange(s.Status())
	}
}

func (s *Supervisor) loop(ctx context.Context, started chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread ends with the loop
	defer close(s.done)
	exits := make(chan exit, len(s.children))
	restart := make(chan int, len(s.children))
	procs := make([]*os.Process, len(s.children))
	since := make([]time.Time, len(s.children))
	backoff := make([]time.Duration, len(s.children))
	// run starts child i; restart says it is a restart, counted in the
	// same step as the new pid: a status read between two steps saw a
	// restarted child with no restart counted (a federation test read
	// "i2pd restarts 0" with the new i2pd running).
	run := func(i int, restart bool) error {
		p, err := s.spawn(s.children[i])
		if err != nil {
			return err
		}
		procs[i], since[i] = p, time.Now()
		s.mu.Lock()
		s.state[i].PID, s.state[i].Running = p.Pid, true
		if restart {
			s.state[i].Restarts++
		}
		s.mu.Unlock()
		s.opts.Log("started " + s.children[i].Name + " (pid " + strconv.Itoa(p.Pid) + ")")
		go func() {
			st, err := p.Wait()
			e := exit{i: i, proc: p}
			if err != nil {
				e.state = err.Error()
			} else {
				e.state = st.String()
			}
			exits <- e
		}()
		s.changed()
		return nil
	}
	gone := func(e exit) {
		if procs[e.i] != e.proc {
			return
		}
		procs[e.i] = nil
		s.mu.Lock()
		s.state[e.i].PID, s.state[e.i].Running, s.state[e.i].LastExit = 0, false, e.state
		s.mu.Unlock()
		s.changed()
	}
	stopAll := func() {
		for i := len(procs) - 1; i >= 0; i-- {
			if procs[i] == nil {
				continue
			}
			// The whole process group: what the child started goes too.
			_ = syscall.Kill(-procs[i].Pid, syscall.SIGTERM)
			kill := time.After(s.opts.StopTimeout)
			for procs[i] != nil {
				select {
				case e := <-exits:
					gone(e)
				case <-kill:
					s.opts.Log(s.children[i].Name + " did not end on SIGTERM; killing it")
					_ = syscall.Kill(-procs[i].Pid, syscall.SIGKILL)
				}
			}
			s.opts.Log("stopped " + s.children[i].Name)
		}
	}
	for i := range s.children {
		backoff[i] = s.opts.BackoffMin
		if err := run(i, false); err != nil {
			stopAll()
			started <- err
			return
		}
	}
	started <- nil
	for {
		select {
		case <-ctx.Done():
			stopAll()
			return
		case e := <-exits:
			if procs[e.i] != e.proc {
				continue
			}
			if time.Since(since[e.i]) > time.Minute {
				backoff[e.i] = s.opts.BackoffMin
			}
			gone(e)
			s.opts.Log(s.children[e.i].Name + " ended (" + e.state + "); restarting in " + backoff[e.i].String())
			s.after(backoff[e.i], e.i, restart)
			backoff[e.i] = min(2*backoff[e.i], s.opts.BackoffMax)
		case i := <-restart:
			if ctx.Err() != nil {
				continue
			}
			if err := run(i, true); err != nil {
				s.opts.Log("restarting " + s.children[i].Name + " failed: " + err.Error() + "; again in " + backoff[i].String())
				s.after(backoff[i], i, restart)
				backoff[i] = min(2*backoff[i], s.opts.BackoffMax)
			}
		}
	}
}

func (s *Supervisor) after(d time.Duration, i int, restart chan<- int) {
	time.AfterFunc(d, func() {
		select {
		case restart <- i:
		case <-s.done:
		}
	})
}

// spawn starts c in a process group of its own (a signal to the
// supervisor's terminal does not reach it; the supervisor stops it), with
// SIGTERM as its parent-death signal.
func (s *Supervisor) spawn(c Child) (*os.Process, error) {
	out, err := os.OpenFile(c.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, &StartError{c.Name, err}
	}
	defer out.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, &StartError{c.Name, err}
	}
	defer null.Close()
	p, err := os.StartProcess(c.Argv[0], c.Argv, &os.ProcAttr{
		Files: []*os.File{null, out, out},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM},
	})
	if err != nil {
		return nil, &StartError{c.Name, err}
	}
	return p, nil
}

// StartError says which child could not start. (Not fmt.Errorf: fmt would
// add to the resident memory of clove-node, which imports this package.)
type StartError struct {
	Child string
	Err   error
}

func (e *StartError) Error() string { return "starting " + e.Child + ": " + e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }
