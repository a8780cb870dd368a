package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseHops(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    *Hops
		wantErr bool
	}{
		{"", nil, false},
		{"3", &Hops{Length: 3, ServerOutbound: 3}, false},
		{"1/0", &Hops{Length: 1, ServerOutbound: 0}, false},
		{"0", &Hops{}, false},
		{"8", nil, true},
		{"1/-1", nil, true},
		{"x", nil, true},
		{"1/", nil, true},
	} {
		got, err := ParseHops(tc.in)
		if (err != nil) != tc.wantErr || (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("ParseHops(%q) = %+v, %v; want %+v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// The router choice is checked before anything runs: --sam goes with
// neither the node's own router nor a private network; an unreadable
// network file says so.
func TestStartRouterChoice(t *testing.T) {
	net := filepath.Join(t.TempDir(), "net.conf")
	os.WriteFile(net, []byte("netid = 99\n"), 0o600)
	dir := filepath.Join(t.TempDir(), "node")
	for _, tc := range []struct {
		name string
		opts StartOptions
		want error
		text string
	}{
		{"sam and own", StartOptions{Dir: dir, Router: Router{SAM: "127.0.0.1:7656", Own: true}}, ErrRouterConflict, ""},
		{"sam and a network", StartOptions{Dir: dir, Network: net, Router: Router{SAM: "127.0.0.1:7656"}}, ErrRouterConflict, ""},
		{"no network file", StartOptions{Dir: dir, Network: net + ".missing"}, nil, "reading --i2pd-network"},
		{"no node", StartOptions{Dir: dir, Network: net}, nil, "clove node init"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := StartBackground(context.Background(), tc.opts)
			rerr := Run(context.Background(), tc.opts, func(*Info) { t.Error("ready called") })
			for _, err := range []error{err, rerr} {
				if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
					t.Errorf("got %v, want %v %q", err, tc.want, tc.text)
				}
			}
		})
	}
}

func TestStopAndStatusOfAStoppedNode(t *testing.T) {
	dir := t.TempDir()
	if err := Stop(dir); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("Stop: %v", err)
	}
	if _, err := ReadStatus(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "clove node init") {
		t.Errorf("ReadStatus without a node: %v", err)
	}
}
