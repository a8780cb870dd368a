package chat

import (
	"context"
	"fmt"
	"slices"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/xmppclient"
)

// RoomVisit is what VisitRoom does in a room, and whom it tells.
type RoomVisit struct {
	Nick    string        // "": the account's name
	History int           // past messages to ask for (0: none)
	Stay    time.Duration // stay this long after joining, telling what is said
	Say     string        // "": only look; else say this and wait for the room to repeat it
	// To, with Say, sends Say to this occupant (nick) as a private
	// message (XEP-0045 §7.5) instead, and waits for the server's ack.
	To string
	// File, if set, is a file to share in the room instead of Say
	// (SendFile: uploaded in plaintext, its URL said with out-of-band
	// data); FileTimeout bounds its upload. Shared gets it once sent.
	File        string
	FileTimeout time.Duration
	Shared      func(SentFile)
	Timeout     time.Duration // for the server and the room to answer
	// NewNick, if set: once in, change our nickname to it (and keep it
	// for the next joins), then leave.
	NewNick string
	// Retract, if set: once in, delete our message with this id (as Say
	// printed it, or the room's id of it) for everyone (XEP-0424), wait
	// until the room passes the retraction on, leave. Moderate: remove
	// someone's message with this id instead, as the room's moderator
	// (XEP-0425), saying Reason.
	Retract, Moderate, Reason string

	Joined   func(nick string, occupants []string) // sorted
	Presence func(nick string, left bool)          // while staying
	Renamed  func(old, nick string)                // while staying: a nickname change (XEP-0045 §7.6)
	// Removed: while staying, someone was removed (kicked, banned…):
	// RemovalText's words. Our own removal ends the visit with them as
	// its error.
	Removed func(nick, text string)
	Subject func(string)
	Said    func(xmppclient.GroupMessage)
	// Privacy, after Joined: the room shows our address to everyone
	// (shown), keeps a log (logged); only called when either holds.
	Privacy func(shown, logged bool)
}

// VisitRoom enters room, tells who is there and what the room sends after
// the join (history, subject; while staying, what is said), or says
// v.Say and waits until the room passes it on; then leaves. It returns
// the id of the message said.
func (s *Session) VisitRoom(ctx context.Context, room jid.JID, v RoomVisit) (string, error) {
	if v.Nick == "" {
		v.Nick = s.keptNick(ctx, room) // the one the room knows us by
	}
	// Still "": the room's reserved nick or the account's name, asked
	// once online (defaultRoomNick).
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.Start(rctx)

	// The room work runs beside the event loop, which must keep draining.
	echoed := make(chan struct{}, 1)
	acked := make(chan string, 64)
	var sentID string // set by the room goroutine before result
	result := make(chan error, 1)
	go func() {
		defer cancel()
		if v.To != "" {
			result <- s.visitPrivate(rctx, room, v, acked, &sentID)
			return
		}
		result <- s.visit(rctx, room, v, echoed, &sentID)
	}()

	var occupants []string
	renamed := map[string]bool{} // new nicks whose first presence is the rename's
	var failed error
	joined := false
	for ev := range s.Events() {
		switch ev := clientEvent(ev).(type) {
		case xmppclient.StateChanged:
			if ev.State == xmppclient.Failed {
				failed = ev.Err
				cancel()
			}
		case xmppclient.Occupant:
			if !ev.Room.Equal(room) {
				continue
			}
			if ev.Left {
				occupants = slices.DeleteFunc(occupants, func(n string) bool { return n == ev.Nick })
			} else if !slices.Contains(occupants, ev.Nick) {
				occupants = append(occupants, ev.Nick)
			}
			switch {
			case ev.Self && ev.Removed != "" && failed == nil:
				failed = fmt.Errorf("%s: %s", room, RemovalText(ev))
				cancel()
			case !joined || v.Stay <= 0:
			case ev.Removed != "" && v.Removed != nil:
				v.Removed(ev.Nick, RemovalText(ev))
			case ev.NewNick != "" && v.Renamed != nil:
				v.Renamed(ev.Nick, ev.NewNick)
			case ev.NewNick != "":
				// Their presence as the new nick follows: neither left nor came.
			case v.Presence != nil && !renamedTo(renamed, ev):
				v.Presence(ev.Nick, ev.Left)
			}
			if ev.NewNick != "" {
				renamed[ev.NewNick] = true
			} else if !ev.Left {
				delete(renamed, ev.Nick)
			}
		case xmppclient.RoomJoined:
			if ev.Room.Equal(room) {
				joined = true
				slices.Sort(occupants)
				if v.Joined != nil {
					v.Joined(ev.Nick, occupants)
				}
				if v.Privacy != nil && (ev.AddressesShown || ev.Logged) {
					v.Privacy(ev.AddressesShown, ev.Logged)
				}
			}
		case xmppclient.MessageAcked:
			if v.To != "" {
				select {
				case acked <- ev.ID:
				default:
				}
			}
		case xmppclient.GroupMessage:
			if !ev.Room.Equal(room) {
				continue
			}
			if v.Say != "" || v.File != "" || v.Retract != "" || v.Moderate != "" {
				if ev.Self && !ev.Delayed && (v.Retract != "" && ev.Retracts != "" ||
					v.Retract == "" && v.Moderate == "" && (v.File == "" && ev.Body == v.Say || v.File != "" && ev.File != nil)) ||
					v.Moderate != "" && ev.Moderated && ev.Retracts != "" {
					select {
					case echoed <- struct{}{}:
					default:
					}
				}
				continue
			}
			if ev.Subject != "" && v.Subject != nil {
				v.Subject(ev.Subject)
			}
			if ev.Body != "" && ev.Retracts == "" && v.Said != nil {
				v.Said(ev) // a moderation's Body is its reason, not words said
			}
		}
	}
	err := <-result
	if failed != nil {
		err = failed
	}
	if cerr := s.end(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return sentID, nil
}

// visit is VisitRoom's room work: join, say or stay, leave.
func (s *Session) visit(ctx context.Context, room jid.JID, v RoomVisit, echoed <-chan struct{}, sentID *string) error {
	wctx, wcancel := context.WithTimeout(ctx, v.Timeout)
	defer wcancel()
	if err := s.client.WaitOnline(wctx); err != nil {
		return fmt.Errorf("not connected: %w", err)
	}
	if v.Nick == "" {
		v.Nick = s.defaultRoomNick(wctx, room)
	}
	h := v.History
	if h == 0 || v.Say != "" || v.File != "" || v.Retract != "" || v.Moderate != "" {
		h = -1
	}
	if err := s.client.JoinRoom(wctx, room, v.Nick, xmppclient.JoinOptions{History: h}); err != nil {
		return err
	}
	defer func() {
		lctx, lcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer lcancel()
		_ = s.client.LeaveRoom(lctx, room)
	}()
	if v.NewNick != "" {
		return s.ChangeRoomNick(wctx, room.String(), v.NewNick)
	}
	if v.Say != "" || v.File != "" || v.Retract != "" || v.Moderate != "" {
		var id string
		if v.Moderate != "" {
			if err := s.ModerateGroup(wctx, room.String(), v.Moderate, v.Reason); err != nil {
				return err
			}
		} else if v.Retract != "" {
			if err := s.RetractGroup(wctx, room.String(), v.Retract); err != nil {
				return err
			}
		} else if v.File != "" {
			fctx, fcancel := context.WithTimeout(ctx, max(v.FileTimeout, v.Timeout))
			sf, err := s.SendFile(fctx, room, v.File, FileOptions{})
			fcancel()
			if err != nil {
				return err
			}
			id = sf.ID
			if v.Shared != nil {
				v.Shared(sf)
			}
		} else {
			var err error
			if id, err = s.client.SendGroup(wctx, room, v.Say); err != nil {
				return err
			}
		}
		// The room's echo gets its own Timeout: an upload may have
		// taken longer.
		ectx, ecancel := context.WithTimeout(ctx, v.Timeout)
		defer ecancel()
		select {
		case <-echoed:
			*sentID = id
			return nil
		case <-ectx.Done():
			return fmt.Errorf("the room %s did not pass the message on within %s", room, v.Timeout)
		}
	}
	// What the room sends after the join (history, subject) is told as it
	// arrives until the leave; Stay stays longer.
	if v.Stay > 0 {
		select {
		case <-time.After(v.Stay):
		case <-ctx.Done():
		}
	}
	return nil
}

// renamedTo reports whether ev is the presence of a nick someone just
// took (told as the rename, not as a join).
func renamedTo(renamed map[string]bool, ev xmppclient.Occupant) bool {
	return !ev.Left && renamed[ev.Nick]
}

// visitPrivate is VisitRoom with To: join, send Say to To privately, wait
// for the server's ack of it, leave.
func (s *Session) visitPrivate(ctx context.Context, room jid.JID, v RoomVisit, acked <-chan string, sentID *string) error {
	wctx, wcancel := context.WithTimeout(ctx, v.Timeout)
	defer wcancel()
	if err := s.client.WaitOnline(wctx); err != nil {
		return fmt.Errorf("not connected: %w", err)
	}
	if v.Nick == "" {
		v.Nick = s.defaultRoomNick(wctx, room)
	}
	if err := s.client.JoinRoom(wctx, room, v.Nick, xmppclient.JoinOptions{History: -1}); err != nil {
		return err
	}
	defer func() {
		lctx, lcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer lcancel()
		_ = s.client.LeaveRoom(lctx, room)
	}()
	id, err := s.SendPrivate(wctx, room, v.To, v.Say)
	if err != nil {
		return err
	}
	for {
		select {
		case got := <-acked:
			if got == id {
				*sentID = id
				return nil
			}
		case <-wctx.Done():
			return fmt.Errorf("the server did not take the private message within %s", v.Timeout)
		}
	}
}
