package i2pnet

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/transport"
)

// TestSAMReachesProsody: Clove's own SAM client end to end on the private
// network: a session on a client router's SAM bridge (not on 7656), then
// NAMING LOOKUP + STREAM CONNECT to a prosody behind a server tunnel, and
// an XMPP stream header back through the stream.
func TestSAMReachesProsody(t *testing.T) {
	n := Shared(t)
	dest := n.NewDestination(t)
	srv := prosodytest.Start(t, prosodytest.Domain(dest.B32))
	n.ServerTunnel(t, "xmpp-sam", srv.C2SAddr, Keys(dest))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// The server's lease set is published once SOCKS reaches it.
	if _, err := WaitReachable(ctx, n.Client(1).SOCKSAddr, dest.B32, 5222); err != nil {
		t.Fatal(err)
	}
	c0 := n.Client(0)
	t0 := time.Now()
	d, err := transport.NewSAM(ctx, c0.SAMAddr, transport.SAMOptions{InboundLength: 1, OutboundLength: 1})
	if err != nil {
		t.Fatalf("NewSAM on %s: %v\n%s", c0.SAMAddr, err, c0.LogTail(20))
	}
	defer d.Close()
	t.Logf("SAM session on %s ready in %v: %s", c0.SAMAddr, time.Since(t0).Round(time.Millisecond), d.Destination())

	var last error
	for try := 1; ctx.Err() == nil; try++ {
		t1 := time.Now()
		actx, acancel := context.WithTimeout(ctx, AttemptTimeout)
		c, err := d.DialContext(actx, "tcp", dest.B32+":5222")
		acancel()
		if err != nil {
			last = err
			t.Logf("SAM dial try %d: %v (after %v)", try, err, time.Since(t1).Round(time.Millisecond))
			time.Sleep(time.Second)
			continue
		}
		_ = c.SetDeadline(time.Now().Add(AttemptTimeout))
		fmt.Fprintf(c, "<?xml version='1.0'?><stream:stream to='%s' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>", dest.B32)
		buf := make([]byte, 4096)
		k, rerr := c.Read(buf)
		if !strings.Contains(string(buf[:k]), "stream:stream") {
			c.Close()
			last = fmt.Errorf("no stream header back: %q %v", buf[:k], rerr)
			t.Logf("SAM try %d: %v", try, last)
			continue
		}
		t.Logf("SAM dial + XMPP stream header: %v (try %d)", time.Since(t1).Round(time.Millisecond), try)

		// The session closed under the open stream: Close shuts the stream
		// first and gives its I2P CLOSE time before it ends the session
		// (i2pd 2.45.1 frees a session under open streams and can crash).
		t2 := time.Now()
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		took := time.Since(t2)
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := c.Read(buf); err == nil {
			t.Errorf("the stream still reads after the session's Close")
		}
		if took < time.Second {
			t.Errorf("Close took %v: it did not wait for the open stream's close", took)
		}
		time.Sleep(2 * time.Second) // a crash comes seconds later, when it comes
		if n.Heal(t) > 0 {
			t.Errorf("router %d died after the session closed under an open stream", c0.K)
		}
		t.Logf("Close with the stream open: %v; the router still runs", took.Round(time.Millisecond))
		return
	}
	t.Fatalf("no XMPP stream over SAM: %v\n%s", last, c0.LogTail(30))
}
