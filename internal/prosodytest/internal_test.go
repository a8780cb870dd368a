package prosodytest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLuaString(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:         `"plain"`,
		`a "quoted" \ `: `"a \"quoted\" \\ "`,
		"line\nbreak":   `"line\nbreak"`,
		"nul\x00bel\a":  `"nul\000bel\007"`,
		"ünï":           `"ünï"`,
	} {
		if got := luaString(in); got != want {
			t.Errorf("luaString(%q) = %s, want %s", in, got, want)
		}
	}
	if got := luaList([]string{"a", `b"`}); got != `"a", "b\""` {
		t.Errorf("luaList = %s", got)
	}
}

// A port someone else holds is reported as errPortInUse (which Start
// retries on new ports), not mistaken for readiness: the probe would
// otherwise talk to whatever listens there.
func TestPortInUseIsDetected(t *testing.T) {
	Require(t)
	s := Start(t)
	s.Stop(t)

	squatter, err := net.Listen("tcp4", s.C2SAddr)
	if err != nil {
		t.Skipf("cannot take over the port: %v", err)
	}
	defer squatter.Close()
	err = s.launch()
	if !errors.Is(err, errPortInUse) {
		s.Kill()
		t.Fatalf("launch on a taken port: %v, want errPortInUse", err)
	}
	t.Logf("launch on a taken port: %v", err)
}

func TestLogTailLongLog(t *testing.T) {
	dir := t.TempDir()
	s := &Server{LogFile: filepath.Join(dir, "prosody.log")}
	var b strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&b, "line %d %s\n", i, strings.Repeat("x", i%300))
	}
	if err := os.WriteFile(s.LogFile, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(s.LogTail(3), "\n")
	if len(got) != 3 || !strings.HasPrefix(got[0], "line 99997 ") || !strings.HasPrefix(got[2], "line 99999 ") {
		t.Fatalf("LogTail(3) = %q", got)
	}
	if n := len(strings.Split(s.LogTail(200000), "\n")); n != 100000 {
		t.Fatalf("LogTail(more than all) has %d lines, want 100000", n)
	}
	if got := (&Server{LogFile: filepath.Join(dir, "missing")}).LogTail(3); !strings.Contains(got, "no log") {
		t.Fatalf("LogTail of a missing file = %q", got)
	}
}
