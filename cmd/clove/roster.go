package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/chat"
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
	op, target, err := rosterArgs(pos)
	if err != nil {
		return err
	}
	s, done, err := e.session(ctx, *account, chat.Options{Passive: true})
	if err != nil {
		return err
	}
	defer done()
	if !flagSet(fs, "timeout") && chat.OverI2P(s.Account()) {
		*timeout = 5 * time.Minute // I2P: tunnels and lookups take minutes on a cold router
	}
	if op == "blocked" {
		list, err := s.BlockList(ctx, *timeout)
		if err != nil {
			return err
		}
		for _, j := range list {
			fmt.Fprintln(e.stdout, termText(j))
		}
		return nil
	}
	if op != "list" {
		if err := s.RosterDo(ctx, chat.RosterOp(op), target, *name, *timeout); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s %s: done\n", op, target)
		return nil
	}
	items, err := s.RosterList(ctx, *timeout)
	if err != nil {
		return err
	}
	for _, it := range items {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", termText(it.JID.Bare().String()), termText(it.Name), it.Subscription, termText(strings.Join(it.Groups, ",")))
	}
	return nil
}

// rosterArgs reads `roster [list | blocked | add JID | remove JID |
// approve JID | deny JID | block JID | unblock JID]`.
func rosterArgs(pos []string) (op string, target jid.JID, err error) {
	op = "list"
	if len(pos) > 0 {
		op = pos[0]
	}
	switch op {
	case "list", "blocked":
		if len(pos) > 1 {
			return "", jid.JID{}, usagef("roster %s takes no arguments", op)
		}
	case "add", "remove", "approve", "deny", "block", "unblock":
		if len(pos) != 2 {
			return "", jid.JID{}, usagef("roster %s takes one address", op)
		}
		j, err := chat.ParsePeerJID(pos[1])
		if err != nil {
			return "", jid.JID{}, usageError{err.Error()}
		}
		if j.Localpart() == "" && op == "add" {
			return "", jid.JID{}, usagef("%q is a server, not a contact address", pos[1])
		}
		target = j.Bare()
	default:
		return "", jid.JID{}, usagef("unknown roster command %q (list, blocked, add, remove, approve, deny, block, unblock)", op)
	}
	return op, target, nil
}
