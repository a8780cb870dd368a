package main

import (
	"context"
	"flag"
	"time"

	"github.com/clove-xmpp/clove/chat"
)

// cmdReact is `react --account JID TO ID [EMOJI…]`: the account's whole
// set of reactions (XEP-0444) to the message ID of TO's chat, sent once
// online; it returns once the server has it.
func cmdReact(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("react", flag.ContinueOnError)
	account := fs.String("account", "", "account to react as")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server (default 30s, 5m for I2P accounts)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" || len(pos) < 2 {
		return usagef("react takes --account JID, TO, the message's ID and the emoji (none: take yours back)")
	}
	to, err := chat.ParsePeerJID(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	s, done, err := e.session(ctx, *account, chat.Options{Passive: true})
	if err != nil {
		return err
	}
	defer done()
	if !flagSet(fs, "timeout") && chat.OverI2P(s.Account()) {
		*timeout = 5 * time.Minute
	}
	return s.ReactOnce(ctx, to.Bare().String(), pos[1], pos[2:], *timeout)
}
