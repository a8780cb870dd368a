package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/clove-xmpp/clove/xmppclient"
)

type jsonMessage struct {
	From string `json:"from"`
	To   string `json:"to"`
	Body string `json:"body"`
	ID   string `json:"id"`
	Time string `json:"time"`
}

func cmdListen(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	account := fs.String("account", "", "account to listen on")
	count := fs.Int("count", 0, "stop after N messages (0: no limit)")
	timeout := fs.Duration("timeout", 0, "stop after this long (0: until interrupted)")
	asJSON := fs.Bool("json", false, "print one JSON object per message")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" || len(pos) != 0 {
		return usagef("listen takes --account JID and no other arguments")
	}
	if *count < 0 {
		return usagef("--count must be positive")
	}
	s, err := e.startSession(ctx, *account, nil)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *timeout > 0 {
		rctx, cancel = context.WithTimeout(rctx, *timeout)
		defer cancel()
	}
	s.start(rctx)
	s.progress(rctx, e)
	got := 0
	var out outcome
	enc := json.NewEncoder(e.stdout)
	for ev := range s.client.Events() {
		fresh := s.handle(ctx, e, ev)
		switch ev := ev.(type) {
		case xmppclient.MessageReceived:
			m := ev.Message
			// Each message once: resends and archive copies are not news.
			if !fresh || m.Outgoing || m.Archived || (*count > 0 && got >= *count) {
				continue
			}
			got++
			if *asJSON {
				_ = enc.Encode(jsonMessage{From: m.From.String(), To: m.To.String(), Body: m.Body, ID: m.ID, Time: m.Time.UTC().Format(time.RFC3339Nano)})
			} else {
				fmt.Fprintf(e.stdout, "%s %s: %s\n", m.Time.Local().Format("2006-01-02 15:04:05"), m.From.Bare(), m.Body)
			}
			if *count > 0 && got >= *count {
				cancel()
			}
		case xmppclient.StateChanged:
			out.note(ev)
		}
	}
	if err := out.finish(ctx, e, s); err != nil {
		return err
	}
	if *count > 0 && got < *count && ctx.Err() == nil {
		return fmt.Errorf("received %d of %d messages before the timeout", got, *count)
	}
	return nil
}
