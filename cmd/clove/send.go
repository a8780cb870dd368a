package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/chat"
)

func cmdSend(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	account := fs.String("account", "", "account to send from")
	plain := fs.Bool("plain", false, "send in plaintext even to a contact with OMEMO devices")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server's acknowledgement (default 30s, 5m for I2P accounts; with --file 10m, 30m for I2P accounts)")
	file := fs.String("file", "", "send this file (uploaded to your server, XEP-0363; encrypted to a contact with OMEMO devices) instead of TEXT")
	replyTo := fs.String("reply-to", "", "send TEXT as a reply (XEP-0461) to the message with this id in TO's chat")
	correct := fs.String("correct", "", "correct your message with this id (as send printed it): TEXT replaces its text (XEP-0308)")
	retract := fs.String("retract", "", "delete your message with this id (as send printed it) for everyone: takes TO and no text (XEP-0424; clients without it keep showing it)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" {
		return usagef("send needs --account JID")
	}
	if *retract != "" {
		if *correct != "" || *replyTo != "" || *file != "" || len(pos) != 1 {
			return usagef("send --retract ID takes TO and nothing else")
		}
		return sendRetraction(ctx, e, *account, pos[0], *retract, *timeout, flagSet(fs, "timeout"))
	}
	if *correct != "" && *replyTo != "" {
		return usagef("send takes --correct or --reply-to, not both")
	}
	if *correct != "" && (*file != "" || (len(pos) == 2 && pos[1] == "-")) {
		return usagef("send --correct ID takes TO and TEXT (no --file, no -)")
	}
	if *file != "" {
		if len(pos) != 1 {
			return usagef("send --file PATH takes TO and no text")
		}
		return sendFile(ctx, e, *account, pos[0], *file, *plain, *timeout, flagSet(fs, "timeout"))
	}
	if len(pos) < 2 {
		return usagef("send takes TO and TEXT")
	}
	to, err := chat.ParsePeerJID(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	if *replyTo != "" && len(pos) == 2 && pos[1] == "-" {
		return usagef("--reply-to sends one message, not one per line of standard input")
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
	s, done, err := e.session(ctx, *account, chat.Options{Passive: true, Plain: *plain})
	if err != nil {
		return err
	}
	defer done()
	if !flagSet(fs, "timeout") && chat.OverI2P(s.Account()) {
		// A cold I2P router needs minutes to build tunnels and find the server.
		*timeout = 5 * time.Minute
	}
	var ids []string
	if *correct != "" {
		var id string
		id, err = s.DeliverCorrection(ctx, to, *correct, texts[0], *timeout)
		if id != "" {
			ids = []string{id}
		}
	} else if *replyTo != "" {
		ids, err = s.DeliverReply(ctx, to, texts[0], *replyTo, *timeout)
	} else {
		ids, err = s.Deliver(ctx, to, texts, *timeout)
	}
	var nr *chat.AcksNotRecorded
	if errors.As(err, &nr) {
		// Sent and acknowledged: the ids are true; the profile is behind.
		fmt.Fprintln(e.stdout, strings.Join(ids, "\n"))
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, strings.Join(ids, "\n"))
	return nil
}

// sendRetraction is `clove send --account A --retract ID TO`: the
// retraction is queued, sent, acknowledged; it prints its id.
func sendRetraction(ctx context.Context, e *env, account, peer, id string, timeout time.Duration, timeoutSet bool) error {
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return usageError{err.Error()}
	}
	s, done, err := e.session(ctx, account, chat.Options{Passive: true})
	if err != nil {
		return err
	}
	defer done()
	if !timeoutSet && chat.OverI2P(s.Account()) {
		timeout = 5 * time.Minute
	}
	rid, err := s.DeliverRetraction(ctx, to, id, timeout)
	if rid != "" {
		fmt.Fprintln(e.stdout, rid)
	}
	return err
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

// sendFile is `send --file PATH TO`: it prints the URL it sent once the
// server acknowledged the message.
func sendFile(ctx context.Context, e *env, account, toArg, path string, plain bool, timeout time.Duration, timeoutSet bool) error {
	to, err := chat.ParsePeerJID(toArg)
	if err != nil {
		return usageError{err.Error()}
	}
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file that can be sent", path)
	}
	s, done, err := e.session(ctx, account, chat.Options{Passive: true, Plain: plain})
	if err != nil {
		return err
	}
	defer done()
	if !timeoutSet {
		timeout = 10 * time.Minute
		if chat.OverI2P(s.Account()) {
			timeout = 30 * time.Minute
		}
	}
	sent, err := s.DeliverFile(ctx, to, path, chat.FileOptions{}, timeout)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, sent.File.URL)
	return nil
}
