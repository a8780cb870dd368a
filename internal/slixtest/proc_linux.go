package slixtest

import "syscall"

// setDeathSignal has the kernel SIGKILL the child when the test binary dies
// without running its cleanups (go test -timeout, a crash, SIGKILL). The
// signal is tied to the forking OS thread; Go keeps idle threads alive, so
// this only misfires for a goroutine that locked its thread and exited.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
