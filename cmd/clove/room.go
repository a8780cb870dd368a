package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// cmdRoom is `clove room --account JID join ROOM` (enter, print who is there
// and the recent history, optionally stay and print what is said, leave) and
// `clove room --account JID send ROOM TEXT` (enter, say it, wait until the
// room repeats it, leave).
func cmdRoom(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("room", flag.ContinueOnError)
	account := fs.String("account", "", "account to use")
	nick := fs.String("nick", "", "nickname in the room (default: the account's name)")
	history := fs.Int("history", 20, "join: how many past messages to show (0: none)")
	stay := fs.Duration("listen", 0, "join: stay this long and print what is said")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server and the room (default 30s, 5m for I2P accounts)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" || len(pos) < 2 {
		return usagef("room takes --account JID and join ROOM or send ROOM TEXT")
	}
	verb := pos[0]
	room, err := roomJID(pos[1])
	if err != nil {
		return usageError{err.Error()}
	}
	var text string
	switch verb {
	case "join":
		if len(pos) != 2 {
			return usagef("room join takes one room address")
		}
	case "send":
		text = strings.Join(pos[2:], " ")
		if strings.TrimSpace(text) == "" {
			return usagef("room send takes ROOM and TEXT")
		}
	default:
		return usagef("room needs join or send, not %q", verb)
	}
	if *history < 0 {
		return usagef("--history must be 0 or more")
	}

	s, err := e.startSession(ctx, *account, func(c *xmppclient.Config) { c.Passive = true })
	if err != nil {
		return err
	}
	if *nick == "" {
		*nick = s.client.JID().Localpart()
	}
	if !flagSet(fs, "timeout") && settingsOf(s.account).Mode() != transport.ModeDirect {
		*timeout = 5 * time.Minute
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.start(rctx)
	s.progress(rctx, e)

	// The room work runs beside the event loop, which must keep draining.
	echoed := make(chan struct{}, 1)
	var sentID string // set by the room goroutine before result
	result := make(chan error, 1)
	go func() {
		defer cancel()
		result <- func() error {
			wctx, wcancel := context.WithTimeout(rctx, *timeout)
			defer wcancel()
			if err := s.client.WaitOnline(wctx); err != nil {
				return fmt.Errorf("not connected: %w", err)
			}
			h := *history
			if h == 0 || verb == "send" {
				h = -1
			}
			if err := s.client.JoinRoom(wctx, room, *nick, xmppclient.JoinOptions{History: h}); err != nil {
				return err
			}
			defer func() {
				lctx, lcancel := context.WithTimeout(context.WithoutCancel(rctx), 5*time.Second)
				defer lcancel()
				_ = s.client.LeaveRoom(lctx, room)
			}()
			if verb == "send" {
				id, err := s.client.SendGroup(wctx, room, text)
				if err != nil {
					return err
				}
				select {
				case <-echoed:
					sentID = id
					return nil
				case <-wctx.Done():
					return fmt.Errorf("the room %s did not pass the message on within %s", room, *timeout)
				}
			}
			// What the room sends after the join (history, subject) is
			// printed as it arrives until the leave; --listen stays longer.
			if *stay > 0 {
				select {
				case <-time.After(*stay):
				case <-rctx.Done():
				}
			}
			return nil
		}()
	}()

	var occupants []string
	var failed error
	joined := false
	for ev := range s.client.Events() {
		s.handle(ctx, e, ev)
		switch ev := ev.(type) {
		case xmppclient.StateChanged:
			if ev.State == xmppclient.Failed {
				failed = ev.Err
				cancel()
			}
		case xmppclient.Occupant:
			if ev.Room.Equal(room) {
				if ev.Left {
					occupants = slices.DeleteFunc(occupants, func(n string) bool { return n == ev.Nick })
				} else if !slices.Contains(occupants, ev.Nick) {
					occupants = append(occupants, ev.Nick)
				}
				if joined && *stay > 0 {
					what := "joined"
					if ev.Left {
						what = "left"
					}
					fmt.Fprintf(e.stdout, "* %s %s\n", ev.Nick, what)
				}
			}
		case xmppclient.RoomJoined:
			if ev.Room.Equal(room) {
				joined = true
				slices.Sort(occupants)
				fmt.Fprintf(e.stdout, "joined %s as %s; %d here: %s\n", room, ev.Nick, len(occupants), strings.Join(occupants, ", "))
			}
		case xmppclient.GroupMessage:
			if !ev.Room.Equal(room) {
				continue
			}
			if verb == "send" {
				if ev.Self && !ev.Delayed && ev.Body == text {
					select {
					case echoed <- struct{}{}:
					default:
					}
				}
				continue
			}
			if ev.Subject != "" {
				fmt.Fprintf(e.stdout, "subject: %s\n", ev.Subject)
			}
			if ev.Body != "" {
				fmt.Fprintf(e.stdout, "%s %s: %s\n", ev.Time.Local().Format("2006-01-02 15:04:05"), ev.Nick, ev.Body)
			}
		}
	}
	err = <-result
	if failed != nil {
		err = failed
	}
	if err == nil && sentID != "" {
		fmt.Fprintln(e.stdout, sentID)
	}
	if cerr := s.close(e); err == nil && cerr != nil && !errors.Is(cerr, context.Canceled) {
		err = cerr
	}
	return err
}
