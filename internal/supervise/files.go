package supervise

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The files a supervised node directory holds.
const (
	PlanFile   = "clove-node.plan"   // what to run: WritePlan, ReadPlan
	PIDFile    = "clove-node.pid"    // the running supervisor's pid
	StatusFile = "clove-node.status" // the children's state: ReadStatus
)

// Plan is what a supervisor runs.
type Plan struct {
	Children               []Child
	BackoffMin, BackoffMax time.Duration
}

// WritePlan saves p in dir. Fields may not contain tabs or newlines.
func WritePlan(dir string, p Plan) error {
	var b strings.Builder
	b.WriteString("# written by clove node start, read by clove-node: tab-separated\n")
	if p.BackoffMin > 0 {
		b.WriteString("backoff\t" + p.BackoffMin.String() + "\t" + p.BackoffMax.String() + "\n")
	}
	for _, c := range p.Children {
		fields := append([]string{"child", c.Name, c.LogFile}, c.Argv...)
		for _, f := range fields {
			if strings.ContainsAny(f, "\t\n") {
				return errors.New("supervise: a tab or newline in " + strconv.Quote(f))
			}
		}
		b.WriteString(strings.Join(fields, "\t") + "\n")
	}
	return writeAtomic(filepath.Join(dir, PlanFile), b.String())
}

// ReadPlan loads the plan WritePlan saved in dir.
func ReadPlan(dir string) (Plan, error) {
	var p Plan
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return p, err
	}
	for n, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		bad := func() (Plan, error) {
			return Plan{}, errors.New(filepath.Join(dir, PlanFile) + ":" + strconv.Itoa(n+1) + ": malformed line")
		}
		switch {
		case f[0] == "backoff" && len(f) == 3:
			if p.BackoffMin, err = time.ParseDuration(f[1]); err != nil {
				return bad()
			}
			if p.BackoffMax, err = time.ParseDuration(f[2]); err != nil {
				return bad()
			}
		case f[0] == "child" && len(f) >= 4:
			p.Children = append(p.Children, Child{Name: f[1], LogFile: f[2], Argv: f[3:]})
		default:
			return bad()
		}
	}
	if len(p.Children) == 0 {
		return p, errors.New(filepath.Join(dir, PlanFile) + ": nothing to run")
	}
	return p, nil
}

// formatStatus is the status file: one line per child,
// name, pid, restarts, last exit (tab-separated).
func formatStatus(st Status) string {
	var b strings.Builder
	for _, c := range st.Children {
		b.WriteString(c.Name + "\t" + strconv.Itoa(c.PID) + "\t" + strconv.Itoa(c.Restarts) + "\t" + strings.ReplaceAll(c.LastExit, "\n", " ") + "\n")
	}
	return b.String()
}

// ReadStatus returns the children's state as the supervisor running in dir
// last wrote it, and that supervisor's pid (0 if none runs).
func ReadStatus(dir string) (Status, int, error) {
	var st Status
	pid := RunningPID(dir)
	b, err := os.ReadFile(filepath.Join(dir, StatusFile))
	if err != nil {
		return st, pid, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			continue
		}
		c := ChildStatus{Name: f[0], LastExit: f[3]}
		c.PID, _ = strconv.Atoi(f[1])
		c.Restarts, _ = strconv.Atoi(f[2])
		c.Running = pid != 0 && c.PID > 0 && syscall.Kill(c.PID, 0) == nil
		if !c.Running {
			c.PID = 0
		}
		st.Children = append(st.Children, c)
	}
	return st, pid, nil
}

// RunningPID returns the pid of the supervisor running in dir, or 0.
func RunningPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, PIDFile))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

// ErrRunning is returned by RunDir when a supervisor already runs in dir.
var ErrRunning = errors.New("the node already runs")

// RunDir runs the plan in dir until ctx ends: it writes the pid file, keeps
// the status file current, and removes the pid file when the children are
// stopped. It returns once they are.
func RunDir(ctx context.Context, dir string, log func(string)) error {
	if pid := RunningPID(dir); pid != 0 {
		return &RunningError{pid}
	}
	p, err := ReadPlan(dir)
	if err != nil {
		return err
	}
	pidFile := filepath.Join(dir, PIDFile)
	if err := writeAtomic(pidFile, strconv.Itoa(os.Getpid())+"\n"); err != nil {
		return err
	}
	defer os.Remove(pidFile)
	statusFile := filepath.Join(dir, StatusFile)
	write := func(st Status) {
		if err := writeAtomic(statusFile, formatStatus(st)); err != nil && log != nil {
			log("writing the status file: " + err.Error())
		}
	}
	s, err := Start(ctx, p.Children, Options{BackoffMin: p.BackoffMin, BackoffMax: p.BackoffMax, OnChange: write, Log: log})
	if err != nil {
		return err
	}
	<-s.Done()
	write(s.Status())
	return nil
}

// RunningError says a supervisor already runs in the directory.
type RunningError struct{ PID int }

func (e *RunningError) Error() string {
	return "the node already runs (pid " + strconv.Itoa(e.PID) + ")"
}
func (e *RunningError) Is(target error) bool { return target == ErrRunning }

func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
