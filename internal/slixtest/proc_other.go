//go:build !unix

package slixtest

import (
	"os"
	"os/exec"
)

// No process groups here: the child alone is killed.

func setProcAttr(*exec.Cmd) {}

func killGroup(p *os.Process) error { return p.Kill() }
