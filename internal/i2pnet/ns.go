package i2pnet

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// envNS marks a test binary that already runs inside the namespace Main
	// created ("1"), or says why it could not ("unavailable: …").
	envNS = "CLOVE_I2PNET_NS"
	// MaxRouters is how many router addresses (198.18.0.1 …) Main adds.
	MaxRouters = 16
)

// nsState is what Main found: nil once the test binary runs inside its own
// namespace with the router addresses on lo; otherwise why not.
var nsState = errors.New("i2pnet: the network needs a namespace: call os.Exit(i2pnet.Main(m)) from TestMain")

// Main runs the package's tests inside a network namespace of their own.
// Call it from TestMain: os.Exit(i2pnet.Main(m)).
//
// The first run re-executes the test binary, with the same arguments, under
// `unshare -rn` and returns its exit status. Inside (marked by an
// environment variable, so it happens once) it brings lo up, adds
// 198.18.0.1–198.18.0.16/32 to it, runs the tests and stops a Shared
// network. When unshare is impossible it runs the tests here, where the ones
// that need the network skip (or fail, when CI is set).
func Main(m *testing.M) int {
	switch v := os.Getenv(envNS); {
	case v == "1":
		if err := setupNamespace(); err != nil {
			fmt.Fprintf(os.Stderr, "i2pnet: setting up the namespace: %v\n", err)
			return 1
		}
		nsState = nil
		code := m.Run()
		stopShared()
		return code
	case v != "":
		nsState = errors.New(v)
		return m.Run()
	}
	flags, err := unshareWorks()
	if err != nil {
		reason := fmt.Sprintf("i2pnet: cannot create a network namespace (unshare -rn): %v", err)
		if ciSet() {
			fmt.Fprintf(os.Stderr, "%s\nCI is set, so this fails instead of skipping the I2P tests\n", reason)
			return 1
		}
		os.Setenv(envNS, "unavailable: "+reason)
		nsState = errors.New(reason)
		return m.Run()
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "i2pnet: %v\n", err)
		return 1
	}
	cmd := exec.Command("unshare", append([]string{flags, "--", exe}, os.Args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envNS+"=1")
	// The child dies with us; ^C reaches it through the terminal's process
	// group, and we wait for it to finish its cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			if s == syscall.SIGTERM && cmd.Process != nil {
				_ = cmd.Process.Signal(s)
			}
		}
	}()
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() >= 0 {
				return ee.ExitCode()
			}
			fmt.Fprintf(os.Stderr, "i2pnet: the test binary in the namespace died: %v\n", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "i2pnet: running the tests in a namespace: %v\n", err)
		return 1
	}
	return 0
}

func ciSet() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// unshareWorks finds unshare flags that create a network namespace in
// which lo can be configured: a user + network namespace (-rn, no root
// needed), or, where user namespaces are refused (a chroot, as in
// fresh-debian.sh) and we are root, a network namespace alone (-n). Each
// comes with a mount namespace of its own where that works (-m): inside a
// user namespace only a private one lets the tests mount the small tmpfs
// a full disk is tried on (internal/tmpfstest).
func unshareWorks() (string, error) {
	if _, err := exec.LookPath("unshare"); err != nil {
		return "", err
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "", fmt.Errorf("ip (iproute2) is missing: %w", err)
	}
	var errs []string
	for _, flags := range []string{"-rnm", "-rn", "-nm", "-n"} {
		if !strings.HasPrefix(flags, "-r") && os.Geteuid() != 0 {
			break
		}
		out, err := exec.Command("unshare", flags, "ip", "link", "set", "lo", "up").CombinedOutput()
		if err == nil {
			return flags, nil
		}
		errs = append(errs, fmt.Sprintf("unshare %s: %v: %s", flags, err, bytes.TrimSpace(out)))
	}
	return "", errors.New(strings.Join(errs, "; "))
}

// setupNamespace brings lo up and gives it the router addresses. It refuses
// to touch a namespace that has any interface but lo, so it can never change
// the host's network.
func setupNamespace() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, i := range ifs {
		if i.Name != "lo" {
			return fmt.Errorf("interface %q present: this is not a namespace i2pnet created; refusing to add addresses", i.Name)
		}
	}
	var b strings.Builder
	b.WriteString("link set lo up\n")
	for k := 1; k <= MaxRouters; k++ {
		fmt.Fprintf(&b, "addr add %s/32 dev lo\n", routerIP(k))
	}
	cmd := exec.Command("ip", "-batch", "-")
	cmd.Stdin = strings.NewReader(b.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ip: %v: %s", err, bytes.TrimSpace(out))
	}
	// The addresses must be usable before any router starts.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp4", net.JoinHostPort(routerIP(MaxRouters), "0"))
		if err == nil {
			ln.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func routerIP(k int) string { return fmt.Sprintf("198.18.0.%d", k) }

// requireNamespace skips tb (or fails it on CI) unless Main set up the
// namespace.
func requireNamespace(tb testing.TB) {
	tb.Helper()
	if nsState == nil {
		return
	}
	if ciSet() {
		tb.Fatalf("%v (CI is set, so this fails instead of skipping)", nsState)
	}
	tb.Skipf("skipping: %v", nsState)
}

// InNamespace reports whether the tests run inside the namespace Main made.
func InNamespace() bool { return nsState == nil }
