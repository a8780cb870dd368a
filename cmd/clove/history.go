package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/clove-xmpp/clove/store"
)

func cmdHistory(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	account := fs.String("account", "", "account")
	with := fs.String("with", "", "only the chat with this address")
	search := fs.String("search", "", "full-text search in message bodies")
	limit := fs.Int("limit", 50, "at most N messages")
	asJSON := fs.Bool("json", false, "print one JSON object per message")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" || len(pos) != 0 {
		return usagef("history takes --account JID and no other arguments")
	}
	if *limit <= 0 {
		return usagef("--limit must be positive")
	}
	aj, err := parseAccountJID(*account)
	if err != nil {
		return usageError{err.Error()}
	}
	peer := ""
	if *with != "" {
		j, err := parsePeerJID(*with)
		if err != nil {
			return usageError{err.Error()}
		}
		peer = j.Bare().String()
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Account(ctx, aj.String()); err != nil {
		return fmt.Errorf("no account %s in this profile", aj)
	}
	var ms []store.Message
	if *search != "" {
		ms, err = st.Search(ctx, aj.String(), peer, *search, *limit)
	} else {
		ms, err = st.History(ctx, aj.String(), peer, 0, *limit)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, m := range ms {
		if *asJSON {
			_ = enc.Encode(struct {
				jsonMessage
				Outgoing bool   `json:"outgoing"`
				State    string `json:"state"`
			}{jsonMessage{From: m.From, To: m.To, Body: m.Body, ID: m.OriginID, Time: m.Time.UTC().Format(time.RFC3339Nano)}, m.Outgoing, string(m.State)})
			continue
		}
		dir := "<"
		if m.Outgoing {
			dir = ">"
		}
		fmt.Fprintf(e.stdout, "%s %s %s: %s [%s]\n", m.Time.Local().Format("2006-01-02 15:04:05"), dir, m.Peer, m.Body, m.State)
	}
	return nil
}
