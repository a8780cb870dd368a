//go:build unix

package slixtest

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr puts the child in a process group of its own, so a kill
// reaches anything it spawned and a ^C in the terminal does not race Close.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
}

// killGroup SIGKILLs the child's process group. Call it only while the
// leader is not yet reaped, so the group id cannot have been reused.
func killGroup(p *os.Process) error {
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
