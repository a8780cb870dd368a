//go:build unix && !linux

package slixtest

import "syscall"

// setDeathSignal: only Linux has a parent-death signal; elsewhere a test
// binary killed before its cleanups leaves the child to the context.
func setDeathSignal(*syscall.SysProcAttr) {}
