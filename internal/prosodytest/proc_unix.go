//go:build unix

package prosodytest

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr puts prosody in its own process group, so a kill reaches
// anything it spawned and a ^C in the terminal does not race our shutdown.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
}

// terminate asks prosody to shut down cleanly.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// killGroup SIGKILLs prosody's process group. Call it only while the leader
// is not yet reaped, so the group id cannot have been reused.
func killGroup(p *os.Process) error {
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
