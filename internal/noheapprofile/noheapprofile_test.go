package noheapprofile

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// The rate is 0 in a process without the variable and the runtime's
// default with it (the test binary run again, as main would be).
func TestRateOffUnlessAProfileIsAsked(t *testing.T) {
	if os.Getenv("NOHEAPPROFILE_CHILD") != "" {
		println("rate", runtime.MemProfileRate)
		return
	}
	for _, c := range []struct {
		env  string
		want string
	}{
		{"", "rate 0"},
		{Env + "=/tmp/h.pprof", "rate 524288"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRateOffUnlessAProfileIsAsked$")
		cmd.Env = append(os.Environ(), "NOHEAPPROFILE_CHILD=1", Env+"=")
		if c.env != "" {
			cmd.Env = append(cmd.Env, c.env)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("with %q: %s, want %q", c.env, out, c.want)
		}
	}
}
