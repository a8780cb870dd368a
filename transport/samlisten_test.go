package transport

import (
	"context"
	"strings"
	"testing"
	"time"
)

// ListenSAM on a real (lone) router with zero-hop tunnels: bad keys are
// refused, the identity given is the one served, the same identity twice
// is a clear error, and Close ends it. (A lone router cannot look up even
// its own destinations: streams through a listener are proven on the
// private network, cmd/clove's TestNodeOverAnotherRoutersSAM.)
func TestListenSAMRealI2PD(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about a minute (i2pd needs ~20 s per session)")
	}
	r := startI2PD(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	zeroHop := SAMOptions{SessionTimeout: 90 * time.Second, Options: map[string]string{"inbound.length": "0", "outbound.length": "0"}}

	for _, bad := range []string{"", "not base64!", i2pBase64.EncodeToString(make([]byte, 100)), i2pBase64.EncodeToString(make([]byte, 387))} {
		if _, err := ListenSAM(ctx, r.SAM, bad, zeroHop); err == nil || !strings.Contains(err.Error(), "I2P private key") {
			t.Errorf("ListenSAM(%.20q): %v", bad, err)
		}
	}
	sc, _, err := samOpen(ctx, r.SAM, "3.1", "3.3")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sc.generateKeys(ctx)
	sc.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := keys.b32()
	start := time.Now()
	l, err := ListenSAM(ctx, r.SAM, keys.Both, zeroHop)
	if err != nil {
		t.Fatalf("ListenSAM: %v\n%s", err, r.logTail())
	}
	defer l.Close()
	t.Logf("listening as %s after %v", l.Addr(), time.Since(start).Round(time.Millisecond))
	if l.Addr().String() != want {
		t.Fatalf("Addr %s, want %s", l.Addr(), want)
	}
	if _, err := ListenSAM(ctx, r.SAM, keys.Both, zeroHop); err == nil || !strings.Contains(err.Error(), "already carries "+want) {
		t.Errorf("the same identity twice: %v", err)
	}

	l.Close()
	select {
	case <-l.Ended():
	case <-time.After(time.Second):
		t.Error("Ended not closed by Close")
	}
	if _, err := l.Accept(); err == nil {
		t.Error("Accept after Close")
	}
}
