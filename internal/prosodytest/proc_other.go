//go:build !unix

package prosodytest

import (
	"os"
	"os/exec"
	"time"
)

// Prosody is a Unix program; these keep the package compiling elsewhere,
// where Available reports it missing.

func setProcAttr(*exec.Cmd) {}

func terminate(p *os.Process) error { return p.Kill() }

func killGroup(p *os.Process) error { return p.Kill() }

func procCPUTime(int) time.Duration { return 0 }
