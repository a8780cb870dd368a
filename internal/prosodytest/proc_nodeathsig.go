//go:build unix && !linux

package prosodytest

import "syscall"

// setDeathSignal: only Linux has a parent-death signal; elsewhere a test
// binary killed before its cleanups leaves prosody running.
func setDeathSignal(*syscall.SysProcAttr) {}
