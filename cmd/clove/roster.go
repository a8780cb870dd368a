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
	"mellium.im/xmpp/jid"
)

func cmdRoster(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("roster", flag.ContinueOnError)
	account := fs.String("account", "", "account")
	name := fs.String("name", "", "display name (add)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" {
		return usagef("roster needs --account JID")
	}
	op := "list"
	if len(pos) > 0 {
		op = pos[0]
	}
	var target jid.JID
	switch op {
	case "list":
		if len(pos) != 1 && len(pos) != 0 {
			return usagef("roster list takes no arguments")
		}
	case "add", "remove", "approve", "deny":
		if len(pos) != 2 {
			return usagef("roster %s takes one address", op)
		}
		j, err := parsePeerJID(pos[1])
		if err != nil {
			return usageError{err.Error()}
		}
		if j.Localpart() == "" && op == "add" {
			return usagef("%q is a server, not a contact address", pos[1])
		}
		target = j.Bare()
	default:
		return usagef("unknown roster command %q (list, add, remove, approve, deny)", op)
	}
	s, err := e.startSession(ctx, *account, func(c *xmppclient.Config) { c.Passive = true })
	if err != nil {
		return err
	}
	if !flagSet(fs, "timeout") && settingsOf(s.account).Mode() != transport.ModeDirect {
		*timeout = 5 * time.Minute // I2P: tunnels and lookups take minutes on a cold router
	}
	rctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	s.start(rctx)
	s.progress(rctx, e)
	var result error
	done := false
	opErr := make(chan error, 1)
	var items []xmppclient.RosterItem
	for ev := range s.client.Events() {
		s.handle(ctx, e, ev)
		switch ev := ev.(type) {
		case xmppclient.RosterChanged:
			// list: the roster arrives after Online (which does not wait
			// for it).
			if ev.Full && op == "list" && !done {
				items, done = ev.Items, true
				opErr <- nil
				cancel()
			}
		case xmppclient.ErrorEvent:
			if op == "list" && !done && errors.Is(ev.Err, xmppclient.ErrRoster) {
				result = ev.Err
				cancel()
			}
		case xmppclient.StateChanged:
			switch ev.State {
			case xmppclient.Failed:
				result = ev.Err
			case xmppclient.Online:
				if done || op == "list" {
					continue
				}
				done = true
				go func() {
					opErr <- rosterOp(rctx, s.client, op, target, *name)
					cancel()
				}()
			}
		}
	}
	if err := s.close(e); err != nil && result == nil {
		result = err
	}
	if done && result == nil {
		select {
		case result = <-opErr:
		case <-time.After(time.Second):
			result = fmt.Errorf("the server did not answer within %s", *timeout)
		}
	}
	if !done && result == nil {
		return fmt.Errorf("could not connect within %s", *timeout)
	}
	if result != nil {
		return result
	}
	switch op {
	case "list":
		for _, it := range items {
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", it.JID.Bare(), it.Name, it.Subscription, strings.Join(it.Groups, ","))
		}
	default:
		fmt.Fprintf(e.stdout, "%s %s: done\n", op, target)
	}
	return nil
}

func rosterOp(ctx context.Context, c *xmppclient.Client, op string, j jid.JID, name string) error {
	switch op {
	case "add":
		return c.AddContact(ctx, j, name, nil, true)
	case "remove":
		return c.RemoveContact(ctx, j)
	case "approve":
		if err := c.Approve(ctx, j); err != nil {
			return err
		}
		// Mutual: ask to see theirs too, as desktop clients do.
		return c.Subscribe(ctx, j)
	case "deny":
		return c.Deny(ctx, j)
	}
	return nil
}
