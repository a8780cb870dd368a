package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/clove-xmpp/clove/xmppclient"
)

// cmdBot runs a bot on an account of the profile. The only one is echo:
// the role of the seed guide's hello@ test contact, a contact that always
// answers, to check a setup end to end.
func cmdBot(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "echo" {
		return usagef("bot needs a kind: echo")
	}
	fs := flag.NewFlagSet("bot echo", flag.ContinueOnError)
	account := fs.String("account", "", "account the bot answers as")
	prefix := fs.String("prefix", "", "text put before each echoed body (default: none, the reply is the same text)")
	count := fs.Int("count", 0, "stop after N replies (0: no limit)")
	timeout := fs.Duration("timeout", 0, "stop after this long (0: until interrupted)")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if *account == "" || len(pos) != 0 {
		return usagef("bot echo takes --account JID and no other arguments")
	}
	if *count < 0 {
		return usagef("--count must be positive")
	}
	s, err := e.startSession(ctx, *account, nil)
	if err != nil {
		return err
	}
	me := s.client.JID().Bare()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *timeout > 0 {
		rctx, cancel = context.WithTimeout(rctx, *timeout)
		defer cancel()
	}
	s.start(rctx)
	s.progress(rctx, e)
	replies := 0
	var out outcome
	for ev := range s.client.Events() {
		fresh := s.handle(ctx, e, ev)
		switch ev := ev.(type) {
		case xmppclient.MessageReceived:
			m := ev.Message
			// Only what others wrote to us, once: not our own messages seen
			// again (carbons, archive copies, resends). Messages kept for us
			// while offline (Delayed) are answered too: their senders wait.
			if !fresh || m.Outgoing || m.Carbon || m.Archived || m.From.Bare().Equal(me) ||
				(m.Type != "chat" && m.Type != "normal" && m.Type != "") || (*count > 0 && replies >= *count) {
				continue
			}
			if _, err := s.client.Send(rctx, m.From.Bare(), *prefix+m.Body); err != nil {
				fmt.Fprintf(e.stderr, "clove: could not answer %s: %v\n", m.From.Bare(), err)
				continue
			}
			replies++
			fmt.Fprintf(e.stdout, "%s echoed to %s: %s\n", time.Now().Format("2006-01-02 15:04:05"), m.From.Bare(), oneLine(m.Body))
			if *count > 0 && replies >= *count {
				// Let the reply leave before stopping: wait for the
				// server's ack (bounded).
				go func() {
					wctx, wcancel := context.WithTimeout(rctx, 10*time.Second)
					defer wcancel()
					_ = s.client.Ping(wctx)
					cancel()
				}()
			}
		case xmppclient.SubscriptionRequest:
			// A test contact lets everyone see that it is online.
			if err := s.client.Approve(rctx, ev.From); err != nil {
				fmt.Fprintf(e.stderr, "clove: could not approve %s's subscription: %v\n", ev.From, err)
			} else {
				fmt.Fprintf(e.stderr, "clove: %s may now see the bot's presence\n", ev.From)
			}
		case xmppclient.StateChanged:
			if out.note(ev) {
				fmt.Fprintf(e.stderr, "clove: echo bot online as %s\n", me)
			}
		}
	}
	return out.finish(ctx, e, s)
}
