package xmppclient_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// Leaving, the client closes its end only after the server has closed its
// own (after the closing tags): over SAM, closing first leaves i2pd's
// stream open when the SAM session ends right after, which is what
// crashes i2pd 2.45.1 (docs/i2pd.md, "The router dies"). A relay in
// front of a real prosody hands the server's end-of-stream on 300 ms late,
// as a slow I2P tunnel would, and notes when each side closed.
func TestLeavingWaitsForTheServerToClose(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "pw")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const lag = 300 * time.Millisecond
	serverClosed, clientClosed := make(chan time.Time, 1), make(chan time.Time, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		s, err := net.Dial("tcp", srv.C2SAddr)
		if err != nil {
			return
		}
		defer s.Close()
		go func() {
			_, _ = io.Copy(s, c) // until the client closes or shuts its end
			clientClosed <- time.Now()
			_ = s.(*net.TCPConn).CloseWrite()
		}()
		_, _ = io.Copy(c, s) // until prosody closes
		time.Sleep(lag)
		serverClosed <- time.Now()
		_ = c.(*net.TCPConn).CloseWrite()
		time.Sleep(3 * time.Second) // the client's own close, if it comes
	}()
	cfg := config(srv, "alice", "pw")
	cfg.Dial = func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ln.Addr().String())
	}
	a := start(t, cfg)
	a.wait("alice online", 15*time.Second, online)
	t0 := time.Now()
	a.stop()
	took := time.Since(t0)
	var sc, cc time.Time
	select {
	case sc = <-serverClosed:
	case <-time.After(5 * time.Second):
		t.Fatal("prosody never closed its end")
	}
	select {
	case cc = <-clientClosed:
	case <-time.After(5 * time.Second):
		t.Fatal("the client never closed its end")
	}
	t.Logf("left in %v; the server's end-of-stream reached the client %v after the leave began, the client closed %v after that",
		took.Round(time.Millisecond), sc.Sub(t0).Round(time.Millisecond), cc.Sub(sc).Round(time.Millisecond))
	if cc.Before(sc) {
		t.Fatalf("the client closed its end %v before the server's end-of-stream reached it", sc.Sub(cc).Round(time.Millisecond))
	}
}
