package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A clove process of its own, for the tests that kill it (kill -9) or
// watch its exit code and output on a full disk.

// cliChildEnv, when set to a JSON {"profile", "args"}, turns TestCLIChild
// into a clove process (password "pw", standard input its own).
const cliChildEnv = "CLOVE_CLI_CHILD"

func TestCLIChild(t *testing.T) {
	spec := os.Getenv(cliChildEnv)
	if spec == "" {
		t.Skip("helper process for the full-disk and kill -9 tests")
	}
	var c struct {
		Profile string
		Args    []string
	}
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		os.Exit(3)
	}
	os.Exit(run(context.Background(), append([]string{"--profile", c.Profile}, c.Args...), os.Stdout, os.Stderr, os.Stdin,
		func(k string) string {
			if k == "CLOVE_PASSWORD" {
				return "pw"
			}
			return ""
		}))
}

// cliChild is clove with profile and args as a process of its own (the
// test binary), standard input stdin.
func cliChild(t *testing.T, profile, stdin string, args ...string) *exec.Cmd {
	spec, err := json.Marshal(map[string]any{"profile": profile, "args": args})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
	cmd.Env = append(os.Environ(), "CLOVE_I2PNET_NS=a clove child: in its parent's namespace", cliChildEnv+"="+string(spec))
	cmd.Stdin = strings.NewReader(stdin)
	return cmd
}

// runChild runs clove as a process of its own and gives its outcome.
func runChild(t *testing.T, profile, stdin string, args ...string) result {
	t.Helper()
	cmd := cliChild(t, profile, stdin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
}
