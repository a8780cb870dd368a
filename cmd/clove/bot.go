package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/chat"
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
	s, done, err := e.session(ctx, *account, chat.Options{})
	if err != nil {
		return err
	}
	defer done()
	replied := func(to jid.JID, body string) {
		fmt.Fprintf(e.stdout, "%s echoed to %s: %s\n", time.Now().Format("2006-01-02 15:04:05"), to, termText(chat.OneLine(body)))
	}
	online := func() { e.notice(fmt.Sprintf("echo bot online as %s", s.JID().Bare())) }
	return s.Echo(ctx, *timeout, *prefix, *count, replied, online)
}
