package xmppclient

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

// RetryNow ends the wait before the next attempt: with an hour's backoff
// the client dials again at once when asked (the window's "Reconnect
// now"), and only then.
func TestRetryNowEndsTheWait(t *testing.T) {
	dials := make(chan struct{}, 10)
	c, err := New(Config{
		JID: jid.MustParse("alice@example.invalid"),
		Dial: func(context.Context) (net.Conn, error) {
			dials <- struct{}{}
			return nil, errors.New("connection refused")
		},
		BackoffMin: time.Hour, BackoffMax: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	go func() {
		for range c.Events() {
		}
	}()
	defer func() { cancel(); <-done }()
	waitDial := func(what string) {
		t.Helper()
		select {
		case <-dials:
		case <-time.After(10 * time.Second):
			t.Fatalf("no dial %s", what)
		}
	}
	waitDial("at start")
	select {
	case <-dials:
		t.Fatal("dialled again without waiting")
	case <-time.After(200 * time.Millisecond):
	}
	c.RetryNow()
	waitDial("after RetryNow")
	select {
	case <-dials:
		t.Fatal("dialled again without waiting after the retry")
	case <-time.After(200 * time.Millisecond):
	}
	c.RetryNow()
	waitDial("after the second RetryNow")
}
