package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/msgstate"
	"github.com/clove-xmpp/clove/store"
)

func cmdHistory(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	account := fs.String("account", "", "account")
	with := fs.String("with", "", "only the chat with this address")
	search := fs.String("search", "", "full-text search in message bodies")
	limit := fs.Int("limit", 50, "at most N messages")
	asJSON := fs.Bool("json", false, "print one JSON object per message")
	del := fs.Bool("delete", false, "delete the chat's history (with --with) from the profile")
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
	if *del && (*with == "" || *search != "" || *asJSON) {
		return usagef("--delete takes --with JID (the chat) and neither --search nor --json")
	}
	aj, err := chat.ParseAccountJID(*account)
	if err != nil {
		return usageError{err.Error()}
	}
	peer := ""
	if *with != "" {
		j, err := chat.ParsePeerJID(*with)
		if err != nil {
			return usageError{err.Error()}
		}
		peer = j.Bare().String()
		if j.Resourcepart() != "" {
			peer = j.String() // room/nick: a room's private chat
		}
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	if _, err := p.Account(ctx, aj.String()); err != nil {
		return fmt.Errorf("no account %s in this profile", aj)
	}
	if *del {
		n, err := p.DeleteChat(ctx, aj.String(), peer)
		if err != nil {
			return fmt.Errorf("could not delete the history with %s: %w", peer, err)
		}
		// What the window's question says too: this profile only.
		fmt.Fprintf(e.stdout, "deleted %d messages with %s from this profile (%s and the server's archive keep their copies; messages not yet sent stay)\n", n, termText(peer), termText(peer))
		return nil
	}
	var ms []store.Message
	if *search != "" {
		ms, err = p.Search(ctx, aj.String(), peer, *search, *limit)
	} else {
		ms, err = p.History(ctx, aj.String(), peer, 0, *limit)
	}
	if err != nil {
		return err
	}
	printHistory(e, ms, *asJSON)
	return nil
}

// printHistory prints stored messages: one JSON object each, or a line
// each for people.
func printHistory(e *env, ms []store.Message, asJSON bool) {
	enc := json.NewEncoder(e.stdout)
	for _, m := range ms {
		if m.Read {
			// The contact's client said they saw it (XEP-0333).
			m.State = msgstate.Read
		}
		if asJSON {
			j := jsonMessage{From: m.From, To: m.To, Body: m.Body, ID: m.OriginID, Time: m.Time.UTC().Format(time.RFC3339Nano), Encrypted: m.Encrypted, Edited: m.Edited, Retracted: m.Retracted}
			if f := m.File; f != nil {
				j.File = fileJSON(f.URL, f.Name, f.Size, f.MIME, f.Encrypted)
			}
			if r := m.Reply; r != nil {
				j.Reply = &jsonReply{To: r.To, ID: r.ID, Quote: r.Quote}
			}
			for _, r := range m.Reactions {
				j.Reactions = append(j.Reactions, jsonReaction{From: r.Sender, Emojis: r.Emojis})
			}
			_ = enc.Encode(struct {
				jsonMessage
				Outgoing bool   `json:"outgoing"`
				State    string `json:"state"`
			}{j, m.Outgoing, string(m.State)})
			continue
		}
		dir := "<"
		if m.Outgoing {
			dir = ">"
		}
		state := string(m.State)
		if m.Edited {
			state += ", edited"
		}
		if m.Retracted {
			what := "(deleted)"
			if m.ModeratedAway {
				what = "(removed by a moderator"
				if m.Body != "" {
					what += ": " + termText(m.Body)
				}
				what += ")"
			}
			fmt.Fprintf(e.stdout, "%s %s %s: %s [%s]\n", m.Time.Local().Format("2006-01-02 15:04:05"), dir, termText(m.Peer), what, state)
			continue
		}
		if rest, ok := strings.CutPrefix(m.Body, "/me "); ok && m.File == nil {
			// An action (XEP-0245): "* sender rest", the sender being
			// us or the peer (in a room: the nick, ours too).
			who := m.Peer
			if m.Outgoing {
				who = m.Account
			}
			if nick, ok := strings.CutPrefix(m.From, m.Peer+"/"); ok && nick != "" {
				who = nick // a room's message, ours or not
			}
			fmt.Fprintf(e.stdout, "%s %s %s: * %s %s [%s]\n", m.Time.Local().Format("2006-01-02 15:04:05"), dir, termText(m.Peer), termText(who), termText(rest), state)
			continue
		}
		fmt.Fprintf(e.stdout, "%s %s %s: %s [%s]\n", m.Time.Local().Format("2006-01-02 15:04:05"), dir, termText(m.Peer), termText(m.Body), state)
	}
}
