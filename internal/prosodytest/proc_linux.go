package prosodytest

import "syscall"

// setDeathSignal has the kernel SIGKILL prosody when the test binary dies
// without running its cleanups (go test -timeout, a crash, SIGKILL), so no
// server outlives its test. The signal is tied to the forking OS thread;
// Go keeps idle threads alive, so this only misfires for a goroutine that
// locked its thread and exited, which Start's callers do not do.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
