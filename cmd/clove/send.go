package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

func cmdSend(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	account := fs.String("account", "", "account to send from")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server's acknowledgement (default 30s, 5m for I2P accounts)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" {
		return usagef("send needs --account JID")
	}
	if len(pos) < 2 {
		return usagef("send takes TO and TEXT")
	}
	to, err := parsePeerJID(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	text := strings.Join(pos[1:], " ")
	if strings.TrimSpace(text) == "" {
		return usagef("the message is empty")
	}
	s, err := e.startSession(ctx, *account, func(c *xmppclient.Config) { c.Passive = true })
	if err != nil {
		return err
	}
	// Written to the outbox before anything touches the network.
	id, err := s.client.Send(ctx, to, text)
	if err != nil {
		s.cleanup()
		s.st.Close()
		return err
	}
	if !flagSet(fs, "timeout") && settingsOf(s.account).Mode() != transport.ModeDirect {
		// A cold I2P router needs minutes to build tunnels and find the server.
		*timeout = 5 * time.Minute
	}
	rctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	s.start(rctx)
	s.progress(rctx, e)
	var result error = errQueued
	for ev := range s.client.Events() {
		s.handle(ctx, e, ev)
		switch ev := ev.(type) {
		case xmppclient.MessageAcked:
			if ev.ID == id {
				result = nil
				cancel()
			}
		case xmppclient.StateChanged:
			if ev.State == xmppclient.Failed {
				result = fmt.Errorf("%w; the message stays queued in the outbox", ev.Err)
			}
		}
	}
	if err := s.close(e); err != nil && result == nil {
		result = err
	}
	if errors.Is(result, errQueued) {
		if ctx.Err() != nil {
			return errors.New("interrupted: the message stays queued in the outbox and is sent on the next connection")
		}
		return fmt.Errorf("the server did not acknowledge the message within %s: it stays queued in the outbox and is sent on the next connection", *timeout)
	}
	if result == nil {
		fmt.Fprintln(e.stdout, id)
	}
	return result
}

var errQueued = errors.New("queued")
