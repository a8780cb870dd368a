//go:build unix && !linux

package prosodytest

import (
	"syscall"
	"time"
)

// setDeathSignal: only Linux has a parent-death signal; elsewhere a test
// binary killed before its cleanups leaves prosody running.
func setDeathSignal(*syscall.SysProcAttr) {}

func procCPUTime(int) time.Duration { return 0 }
