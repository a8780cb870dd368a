package transport

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// initProbeEnv makes the test binary, re-run by TestNoConnectionAtInit, exit
// right after package initialisation.
const initProbeEnv = "CLOVE_TRANSPORT_INIT_PROBE"

func init() {
	if os.Getenv(initProbeEnv) == "1" {
		os.Exit(0)
	}
}

// TestNoConnectionAtInit: loading this package (and everything it imports)
// opens no connection. github.com/eyedeekay/sam3, used before, ran HTTP GETs
// to 127.0.0.1:7070 and 127.0.0.1:7657 from a package-level variable in every
// process importing it. The test binary is re-run so that it only
// initialises its packages and exits: under strace (every connect() and
// sendto() with an address counts) and, where the ports are free, with
// listeners on 7070, 7657 and 7656 that must see nothing.
func TestNoConnectionAtInit(t *testing.T) {
	var lns []net.Listener
	for _, port := range []string{"7070", "7657", "7656"} {
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Logf("127.0.0.1:%s is in use (a router?): not watched", port)
			continue
		}
		defer ln.Close()
		lns = append(lns, ln)
	}
	accepted := make(chan string, 16)
	for _, ln := range lns {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted <- ln.Addr().String()
				c.Close()
			}
		}()
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{self, "-test.run=^$"}
	trace := ""
	if strace, err := exec.LookPath("strace"); err == nil {
		trace = filepath.Join(t.TempDir(), "strace.txt")
		args = append([]string{strace, "-f", "-qq", "-e", "trace=connect,sendto", "-o", trace}, args...)
	} else if len(lns) == 0 {
		t.Skip("neither strace nor a free port to watch")
	} else {
		t.Log("strace not installed: only the listeners watch")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), initProbeEnv+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}

	if trace != "" {
		data, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "connect(") || strings.Contains(line, "sendto(") && strings.Contains(line, "sa_family=") {
				t.Errorf("network call while loading the package: %s", line)
			}
		}
	}
	select {
	case a := <-accepted:
		t.Errorf("a connection to %s while loading the package", a)
	case <-time.After(200 * time.Millisecond):
	}
}
