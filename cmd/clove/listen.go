package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/xmppclient"
)

type jsonMessage struct {
	From string `json:"from"`
	To   string `json:"to"`
	Body string `json:"body"`
	ID   string `json:"id"`
	Time string `json:"time"`
	// Encrypted: the message came OMEMO-encrypted (issue 18's contract).
	Encrypted bool `json:"encrypted"`
	// File: the message shares a file (issue 19's contract).
	File *jsonFile `json:"file,omitempty"`
	// Invite is set for a room invitation (from is the inviter, body "").
	Invite *jsonInvite `json:"invite,omitempty"`
	// Replaces: the message corrects the one with this id (XEP-0308;
	// listen). Edited: a correction changed the text (history).
	Replaces string `json:"replaces,omitempty"`
	Edited   bool   `json:"edited,omitempty"`
	// Retracts: the message deletes the sender's message with this id for
	// everyone (XEP-0424; listen; "body" is ""). Retracted: its sender
	// deleted it (history; "body" is "").
	Retracts  string `json:"retracts,omitempty"`
	Retracted bool   `json:"retracted,omitempty"`
	// Reply: the message answers the message "id" of "to" (XEP-0461;
	// "body" is the text without the sender's quote of it).
	Reply *jsonReply `json:"reply,omitempty"`
	// Reactions: in history, everyone's reactions to the message.
	Reactions []jsonReaction `json:"reactions,omitempty"`
}

// jsonReply is what a message answers (issue 20's contract).
type jsonReply struct {
	To    string `json:"to"`
	ID    string `json:"id"`
	Quote string `json:"quote,omitempty"`
}

// jsonReaction is one sender's reactions to a message.
type jsonReaction struct {
	From   string   `json:"from"`
	Emojis []string `json:"emojis"`
}

// jsonReactions is a `listen --json` line for reactions that came:
// {"reactions": {"from", "to", "id", "emojis"}, "time"}; "emojis" is the
// sender's whole set now (empty: taken back).
type jsonReactions struct {
	Reactions struct {
		From   string   `json:"from"`
		To     string   `json:"to"`
		ID     string   `json:"id"`
		Emojis []string `json:"emojis"`
	} `json:"reactions"`
	Time string `json:"time"`
}

// jsonFile is a shared file: url, name, size (0: unknown), mime,
// encrypted (the upload is encrypted; the URL, aesgcm://, holds the key).
type jsonFile struct {
	URL       string `json:"url"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
	MIME      string `json:"mime"`
	Encrypted bool   `json:"encrypted"`
}

func fileJSON(url, name string, size int64, mime string, encrypted bool) *jsonFile {
	if url == "" {
		return nil
	}
	return &jsonFile{URL: url, Name: name, Size: size, MIME: mime, Encrypted: encrypted}
}

// jsonInvite is a room invitation: the room, who invites, their reason,
// the room's password if they gave one, and whether it came through the
// room (XEP-0045) rather than directly (XEP-0249).
type jsonInvite struct {
	Room     string `json:"room"`
	From     string `json:"from"`
	Reason   string `json:"reason"`
	Password string `json:"password"`
	Mediated bool   `json:"mediated"`
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
	s, done, err := e.session(ctx, *account, chat.Options{})
	if err != nil {
		return err
	}
	defer done()
	enc := json.NewEncoder(e.stdout)
	invited := func(inv xmppclient.Invitation) {
		if *asJSON {
			_ = enc.Encode(jsonMessage{From: inv.From.String(), To: *account, Time: time.Now().UTC().Format(time.RFC3339Nano),
				Invite: &jsonInvite{Room: inv.Room.String(), From: inv.From.String(), Reason: inv.Reason, Password: inv.Password, Mediated: inv.Mediated}})
			return
		}
		line := fmt.Sprintf("%s %s invites you to %s", time.Now().Format("2006-01-02 15:04:05"), termText(inv.From.String()), termText(inv.Room.String()))
		if inv.Reason != "" {
			line += ": " + termText(inv.Reason)
		}
		fmt.Fprintln(e.stdout, line)
	}
	return s.ListenAll(ctx, *timeout, *count, func(m xmppclient.Message) {
		if *asJSON {
			j := jsonMessage{From: m.From.String(), To: m.To.String(), Body: m.Body, ID: m.ID, Time: m.Time.UTC().Format(time.RFC3339Nano), Encrypted: m.Encrypted, Replaces: m.Replaces}
			if m.Retract {
				j.Replaces, j.Retracts = "", m.Replaces
			}
			if f := m.File; f != nil {
				j.File = fileJSON(f.URL, f.Name, f.Size, f.MIME, f.Encrypted)
			}
			if r := m.Reply; r != nil {
				j.Reply = &jsonReply{To: r.To, ID: r.ID, Quote: r.Quote}
			}
			_ = enc.Encode(j)
		} else if m.Retract {
			fmt.Fprintf(e.stdout, "%s %s deleted their message %s\n", m.Time.Local().Format("2006-01-02 15:04:05"), termText(m.From.Bare().String()), termText(m.Replaces))
		} else {
			edit := ""
			if m.Replaces != "" {
				edit = " (correction of " + termText(m.Replaces) + ")"
			}
			if rest, ok := strings.CutPrefix(m.Body, "/me "); ok && m.Reply == nil && edit == "" {
				fmt.Fprintf(e.stdout, "%s * %s %s\n", m.Time.Local().Format("2006-01-02 15:04:05"), termText(m.From.Bare().String()), termText(rest))
				return
			}
			fmt.Fprintf(e.stdout, "%s %s%s: %s\n", m.Time.Local().Format("2006-01-02 15:04:05"), termText(m.From.Bare().String()), edit, termText(replyText(m.Reply)+m.Body))
		}
	}, invited, func(rc chat.ReactionsChanged) {
		if *asJSON {
			var j jsonReactions
			j.Reactions.From, j.Reactions.To, j.Reactions.ID = rc.From.String(), rc.To.String(), rc.ID
			j.Reactions.Emojis = append([]string{}, rc.Emojis...)
			j.Time = rc.Time.UTC().Format(time.RFC3339Nano)
			_ = enc.Encode(j)
			return
		}
		what := strings.Join(rc.Emojis, " ")
		if what == "" {
			what = "(took their reactions back)"
		}
		fmt.Fprintf(e.stdout, "%s %s reacted to %s: %s\n", rc.Time.Local().Format("2006-01-02 15:04:05"), termText(rc.From.Bare().String()), termText(rc.ID), termText(what))
	})
}

// replyText is how a terminal line shows that a message is a reply.
func replyText(r *xmppclient.Reply) string {
	if r == nil {
		return ""
	}
	return "(reply to " + r.ID + ") "
}
