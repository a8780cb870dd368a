package xmppclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// directConfig is config dialling the server's direct TLS port (XEP-0368).
func directConfig(srv *prosodytest.Server, user, password string) xmppclient.Config {
	cfg := config(srv, user, password)
	addr := srv.DirectTLSAddr
	cfg.Dial = func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	cfg.DirectTLS = true
	return cfg
}

func failed(ev xmppclient.Event) bool {
	sc, ok := ev.(xmppclient.StateChanged)
	return ok && sc.State == xmppclient.Failed
}

// TestDirectTLS: a login on prosody's direct TLS port (TLS from the first
// byte) works and carries messages; its certificate is pinned on first use
// exactly as with STARTTLS, a changed one is refused with the same error,
// and a STARTTLS port used as a direct TLS one fails at once with one
// clear error instead of hanging or retrying.
func TestDirectTLS(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithDirectTLS())
	srv.CreateUser(t, "alice", "pw")
	srv.CreateUser(t, "bob", "pw")

	t.Run("login, pin on first use, messages", func(t *testing.T) {
		cfg := directConfig(srv, "alice", "pw")
		pins := cfg.Pins.(*memPins)
		a := start(t, cfg)
		pinnedOnFirstUse(t, a, pins, srv)
		b := start(t, directConfig(srv, "bob", "pw"))
		b.wait("bob online", 15*time.Second, online)
		if _, err := a.c.Send(context.Background(), jid.MustParse("bob@"+srv.Domain), "over direct TLS"); err != nil {
			t.Fatal(err)
		}
		b.wait("message", 15*time.Second, bodyIs("over direct TLS"))
	})

	t.Run("changed certificate refused", func(t *testing.T) {
		cfg := directConfig(srv, "alice", "pw")
		_ = cfg.Pins.SetPin(context.Background(), srv.Domain, fmt.Sprintf("%064x", 1))
		ev := start(t, cfg).wait("mismatch", 15*time.Second, failed).(xmppclient.StateChanged)
		var pe *xmppclient.PinMismatchError
		if !errors.As(ev.Err, &pe) {
			t.Fatalf("error %v is not a pin mismatch", ev.Err)
		}
		t.Logf("user sees: %v", ev.Err)
	})

	t.Run("required pin matches", func(t *testing.T) {
		cfg := directConfig(srv, "alice", "pw")
		cfg.Pin = xmppclient.FormatFingerprint(srv.CertFingerprint)
		start(t, cfg).wait("online with --pin", 15*time.Second, online)
	})

	t.Run("STARTTLS port as direct TLS", func(t *testing.T) {
		cfg := config(srv, "alice", "pw") // dials the STARTTLS port
		cfg.DirectTLS = true
		begin := time.Now()
		ev := start(t, cfg).wait("failure", 15*time.Second, failed).(xmppclient.StateChanged)
		if !errors.Is(ev.Err, xmppclient.ErrNotDirectTLS) {
			t.Fatalf("error %v (%T) is not ErrNotDirectTLS", ev.Err, ev.Err)
		}
		if d := time.Since(begin); d > 5*time.Second {
			t.Errorf("took %v to fail", d)
		}
		t.Logf("user sees after %v: %v", time.Since(begin).Round(time.Millisecond), ev.Err)
	})

	t.Run("direct TLS port without DirectTLS", func(t *testing.T) {
		cfg := directConfig(srv, "alice", "pw")
		cfg.DirectTLS = false // plaintext stream header to a TLS port
		cfg.NoReconnect = true
		begin := time.Now()
		ev := start(t, cfg).wait("failure", 15*time.Second, failed).(xmppclient.StateChanged)
		if d := time.Since(begin); d > 5*time.Second {
			t.Errorf("took %v to fail", d)
		}
		t.Logf("user sees after %v: %v", time.Since(begin).Round(time.Millisecond), ev.Err)
	})
}

// TestDirectTLSLoginTime measures login (dial to Online) on loopback,
// STARTTLS against direct TLS, on one prosody: straight, and through a
// relay that delays each direction by 25 ms (a 50 ms round trip), where
// the difference divided by the round trip is the round trips saved. The
// figures go to the log (docs/direct-tls.md).
func TestDirectTLSLoginTime(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithDirectTLS())
	srv.CreateUser(t, "alice", "pw")
	const runs = 9
	measure := func(cfg xmppclient.Config, addr string) time.Duration {
		var ds []time.Duration
		cfg.Passive, cfg.NoReconnect = true, true
		cfg.Dial = func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
		for range runs {
			begin := time.Now()
			p := start(t, cfg)
			p.wait("online", 15*time.Second, online)
			ds = append(ds, time.Since(begin))
			p.stop()
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[runs/2]
	}
	const oneWay = 25 * time.Millisecond
	rtt := 2 * oneWay
	for _, link := range []struct {
		name             string
		starttls, direct string
	}{
		{"loopback", srv.C2SAddr, srv.DirectTLSAddr},
		{"loopback +50 ms RTT", delayRelay(t, srv.C2SAddr, oneWay), delayRelay(t, srv.DirectTLSAddr, oneWay)},
	} {
		s := measure(config(srv, "alice", "pw"), link.starttls)
		d := measure(directConfig(srv, "alice", "pw"), link.direct)
		t.Logf("%s, login p50 of %d: STARTTLS %v, direct TLS %v, saved %v (%.1f round trips of %v)",
			link.name, runs, s.Round(100*time.Microsecond), d.Round(100*time.Microsecond),
			(s - d).Round(100*time.Microsecond), float64(s-d)/float64(rtt), rtt)
		if link.name != "loopback" && s-d < rtt {
			t.Errorf("direct TLS saved %v, less than one round trip (%v)", s-d, rtt)
		}
	}
}
