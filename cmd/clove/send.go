package main

import (
	"bufio"
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
	var texts []string
	if len(pos) == 2 && pos[1] == "-" {
		if texts, err = readLines(e); err != nil {
			return err
		}
	} else {
		text := strings.Join(pos[1:], " ")
		if strings.TrimSpace(text) == "" {
			return usagef("the message is empty")
		}
		texts = []string{text}
	}
	s, err := e.startSession(ctx, *account, func(c *xmppclient.Config) { c.Passive = true })
	if err != nil {
		return err
	}
	// Written to the outbox before anything touches the network: one
	// message alone, or many in a few disk syncs (SendMany).
	var ids []string
	if len(texts) == 1 {
		var id string
		id, err = s.client.Send(ctx, to, texts[0])
		ids = []string{id}
	} else {
		msgs := make([]xmppclient.Outgoing, len(texts))
		for i, t := range texts {
			msgs[i] = xmppclient.Outgoing{To: to, Body: t}
		}
		ids, err = s.client.SendMany(ctx, msgs)
		if err != nil && len(ids) > 0 {
			err = fmt.Errorf("%w (the first %d of %d messages were saved and will be sent)", err, len(ids), len(texts))
		}
	}
	if err != nil {
		s.cleanup()
		s.st.Close()
		return err
	}
	waiting := make(map[string]bool, len(ids))
	for _, id := range ids {
		waiting[id] = true
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
			if waiting[ev.ID] {
				delete(waiting, ev.ID)
				if len(waiting) == 0 {
					result = nil
					cancel()
				}
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
		switch {
		case len(ids) > 1 && ctx.Err() != nil:
			return fmt.Errorf("interrupted: the server acknowledged %d of the %d messages; the rest stay queued in the outbox and are sent on the next connection", len(ids)-len(waiting), len(ids))
		case len(ids) > 1:
			return fmt.Errorf("the server acknowledged %d of the %d messages within %s: the rest stay queued in the outbox and are sent on the next connection", len(ids)-len(waiting), len(ids), *timeout)
		case ctx.Err() != nil:
			return errors.New("interrupted: the message stays queued in the outbox and is sent on the next connection")
		}
		return fmt.Errorf("the server did not acknowledge the message within %s: it stays queued in the outbox and is sent on the next connection", *timeout)
	}
	if result == nil {
		fmt.Fprintln(e.stdout, strings.Join(ids, "\n"))
	}
	return result
}

// maxLine bounds one message read from standard input.
const maxLine = 1 << 20

// readLines reads the messages of `send TO -`: one per line of standard
// input, empty lines skipped.
func readLines(e *env) ([]string, error) {
	if e.stdin == nil {
		return nil, usagef("send TO - reads the messages from standard input, and there is none")
	}
	var texts []string
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for sc.Scan() {
		if t := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(t) != "" {
			texts = append(texts, t)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("reading the messages: a line is longer than %d bytes", maxLine)
		}
		return nil, fmt.Errorf("reading the messages: %w", err)
	}
	if len(texts) == 0 {
		return nil, usagef("no message on standard input (one per line)")
	}
	return texts, nil
}

var errQueued = errors.New("queued")
