package chat

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/xmppclient"
)

// This file is what the command line does with a session: connect, do one
// thing, and end. Each runs the session, reads its events until done and
// says how it went; the caller prints.

// outcome follows a session's connection state for the end of a run that
// lasts until a timeout or an interrupt (listen, bot).
type outcome struct {
	failed, lastErr error
	connected       bool
}

// note records a state change; it reports whether this is the first time
// the session is online.
func (o *outcome) note(ev xmppclient.StateChanged) (first bool) {
	switch ev.State {
	case xmppclient.Failed:
		o.failed = ev.Err
	case xmppclient.Online:
		first = !o.connected
		o.connected = true
	case xmppclient.Offline:
		if ev.Err != nil {
			o.lastErr = ev.Err
		}
	}
	return first
}

// finish waits for the session's end and words the run's result: the
// failure that ended it, or never having connected (unless ctx was
// interrupted).
func (o *outcome) finish(ctx context.Context, s *Session) error {
	if err := s.end(); err != nil && o.failed == nil {
		o.failed = err
	}
	switch {
	case o.failed != nil:
		return o.failed
	case !o.connected && ctx.Err() == nil && o.lastErr != nil:
		return fmt.Errorf("never connected before the timeout: %w", o.lastErr)
	case !o.connected && ctx.Err() == nil:
		return errors.New("never connected before the timeout")
	}
	return nil
}

// withTimeout bounds ctx by d (0: no bound).
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

// NotAcked says how many of the messages sent the server acknowledged
// before the run ended; the rest stay queued in the outbox and go out on
// the next connection.
type NotAcked struct {
	Acked, Total int
	Timeout      time.Duration
	Interrupted  bool
	// Unrecorded of the acknowledged could not be recorded (a full disk).
	Unrecorded int
}

// AcksNotRecorded: the server acknowledged every message, but the disk
// holding the profile is full and Unrecorded of the acknowledgements could
// not be written: those messages still look queued in the profile.
type AcksNotRecorded struct{ Total, Unrecorded int }

func (e *AcksNotRecorded) Error() string {
	if e.Total == 1 {
		return fmt.Sprintf("the server acknowledged the message, but %s: its acknowledgement could not be recorded and it still looks queued; "+
			"before sending it again Clove asks the server's archive whether it has it already (a server without an archive gets it again)", xmppclient.ErrStorageFull)
	}
	return fmt.Sprintf("the server acknowledged all %d messages, but %s", e.Total, unrecordedText(e.Unrecorded))
}

func (e *AcksNotRecorded) Unwrap() error { return xmppclient.ErrStorageFull }

func unrecordedText(n int) string {
	return fmt.Sprintf("%s: %d acknowledgements could not be recorded and those messages still look queued; "+
		"before sending them again Clove asks the server's archive which it already has (a server without an archive gets them again)",
		xmppclient.ErrStorageFull, n)
}

// Unwrap gives ErrStorageFull when acknowledgements could not be recorded.
func (e *NotAcked) Unwrap() error {
	if e.Unrecorded > 0 {
		return xmppclient.ErrStorageFull
	}
	return nil
}

func (e *NotAcked) Error() string {
	if e.Unrecorded > 0 {
		return e.base() + "; " + unrecordedText(e.Unrecorded)
	}
	return e.base()
}

func (e *NotAcked) base() string {
	switch {
	case e.Total > 1 && e.Interrupted:
		return fmt.Sprintf("interrupted: the server acknowledged %d of the %d messages; the rest stay queued in the outbox and are sent on the next connection", e.Acked, e.Total)
	case e.Total > 1:
		return fmt.Sprintf("the server acknowledged %d of the %d messages within %s: the rest stay queued in the outbox and are sent on the next connection", e.Acked, e.Total, e.Timeout)
	case e.Interrupted:
		return "interrupted: the message stays queued in the outbox and is sent on the next connection"
	}
	return fmt.Sprintf("the server did not acknowledge the message within %s: it stays queued in the outbox and is sent on the next connection", e.Timeout)
}

// NotSent: of the messages Deliver sent, those in Failed could not go out
// (OMEMO: they could not be encrypted, or the account sends nothing
// unencrypted); the others were acknowledged. The failed stay queued and
// go out, encrypted, at a later connection once they can.
type NotSent struct {
	Failed []xmppclient.MessageFailed
	Total  int
}

func (e *NotSent) Error() string {
	why := e.Failed[0].Text
	if e.Total == 1 {
		return fmt.Sprintf("%s; it stays queued and goes out once it can be encrypted", why)
	}
	return fmt.Sprintf("%d of the %d messages were not sent: %s; they stay queued and go out once they can be encrypted", len(e.Failed), e.Total, why)
}

// Deliver writes texts to the outbox for to (one message alone, or many
// in a few disk syncs) before anything touches the network, then runs the
// session until the server acknowledged all of them (their ids returned),
// for at most timeout. An unacknowledged message is a *NotAcked error;
// it stays queued.
func (s *Session) Deliver(ctx context.Context, to jid.JID, texts []string, timeout time.Duration) (ids []string, err error) {
	return s.deliver(ctx, timeout, func() ([]string, error) {
		if len(texts) == 1 {
			id, err := s.Send(ctx, to, texts[0])
			return []string{id}, err
		}
		ids, err := s.SendMany(ctx, to, texts)
		if err != nil && len(ids) > 0 {
			err = fmt.Errorf("%w (the first %d of %d messages were saved and will be sent)", err, len(ids), len(texts))
		}
		return ids, err
	})
}

// DeliverCorrection is Deliver for one correction (XEP-0308) of our
// message replaces to to: text becomes its text.
func (s *Session) DeliverCorrection(ctx context.Context, to jid.JID, replaces, text string, timeout time.Duration) (string, error) {
	ids, err := s.deliver(ctx, timeout, func() ([]string, error) {
		id, err := s.Correct(ctx, to, replaces, text)
		return []string{id}, err
	})
	if len(ids) == 0 {
		return "", err
	}
	return ids[0], err
}

// DeliverRetraction is Deliver for the retraction of our message id to to
// (XEP-0424; see Retract).
func (s *Session) DeliverRetraction(ctx context.Context, to jid.JID, id string, timeout time.Duration) (string, error) {
	ids, err := s.deliver(ctx, timeout, func() ([]string, error) {
		rid, err := s.Retract(ctx, to, id)
		return []string{rid}, err
	})
	if len(ids) == 0 {
		return "", err
	}
	return ids[0], err
}

// DeliverReply is Deliver for one message that answers the message of
// to's chat named ref (XEP-0461; see SendReply).
func (s *Session) DeliverReply(ctx context.Context, to jid.JID, text, ref string, timeout time.Duration) ([]string, error) {
	return s.deliver(ctx, timeout, func() ([]string, error) {
		id, err := s.SendReply(ctx, to, text, ref)
		return []string{id}, err
	})
}

// deliver queues what queue queues, then runs the session until the
// server acknowledged each (see Deliver).
func (s *Session) deliver(ctx context.Context, timeout time.Duration, queue func() ([]string, error)) (ids []string, err error) {
	// A full disk is named once: in the result, or after it when the
	// result does not say it (an incoming message not saved).
	s.fullLater = true
	defer func() {
		if s.fullErr != nil && !errors.Is(err, xmppclient.ErrStorageFull) {
			s.notice("%v", s.fullErr)
		}
	}()
	ids, err = queue()
	if err != nil {
		_ = s.Wait()
		return nil, err
	}
	waiting := make(map[string]bool, len(ids))
	for _, id := range ids {
		waiting[id] = true
	}
	s.delivering = maps.Clone(waiting)
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.Start(rctx)
	result := error(&NotAcked{Total: len(ids), Timeout: timeout})
	unrecorded := 0
	var notSent []xmppclient.MessageFailed
	for ev := range s.Events() {
		switch ev := clientEvent(ev).(type) {
		case xmppclient.MessageFailed:
			// Not sent this run (it could not be encrypted, or would
			// have gone out readable): waiting longer changes nothing.
			if waiting[ev.ID] && ev.Condition == "omemo" {
				delete(waiting, ev.ID)
				notSent = append(notSent, ev)
				if len(waiting) == 0 {
					cancel()
				}
			}
		case xmppclient.MessageAcked:
			if waiting[ev.ID] {
				delete(waiting, ev.ID)
				if ev.Unrecorded {
					unrecorded++
				}
				if len(waiting) == 0 {
					result = nil
					cancel()
				}
			}
		case xmppclient.StateChanged:
			if ev.State == xmppclient.Failed {
				result = fmt.Errorf("%w; the message stays queued in the outbox", ev.Err)
			}
		}
	}
	if err := s.end(); err != nil && result == nil {
		result = err
	}
	if len(notSent) > 0 && len(waiting) == 0 {
		return nil, &NotSent{Failed: notSent, Total: len(ids)}
	}
	var na *NotAcked
	if errors.As(result, &na) {
		na.Acked = len(ids) - len(waiting)
		na.Interrupted = ctx.Err() != nil
		na.Unrecorded = unrecorded
		return nil, na
	}
	if result == nil && unrecorded > 0 {
		return ids, &AcksNotRecorded{Total: len(ids), Unrecorded: unrecorded}
	}
	return ids, result
}

// Listen runs the session until ctx ends, timeout passed (0: no bound) or
// count messages (0: no limit) came, giving each new message written to
// the account to got: each once (not resends, carbons of our own, or
// archive copies).
func (s *Session) Listen(ctx context.Context, timeout time.Duration, count int, got func(xmppclient.Message)) error {
	return s.ListenAll(ctx, timeout, count, got, nil, nil)
}

// ListenAll is Listen also telling room invitations (when invited is not
// nil) and reactions (XEP-0444) others sent to messages of the history
// (when reacted is not nil), each counted as one of count.
func (s *Session) ListenAll(ctx context.Context, timeout time.Duration, count int, got func(xmppclient.Message), invited func(xmppclient.Invitation), reacted func(ReactionsChanged)) error {
	rctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	s.Start(rctx)
	n := 0
	var out outcome
	for ev := range s.Events() {
		if rc, ok := ev.(ReactionsChanged); ok && reacted != nil && !rc.Outgoing && !rc.Archived && (count == 0 || n < count) {
			n++
			reacted(rc)
			if count > 0 && n >= count {
				cancel()
			}
			continue
		}
		sv, _ := ev.(Saved)
		switch e := sv.Event.(type) {
		case xmppclient.MessageReceived:
			m := e.Message
			if !sv.Fresh || m.Outgoing || m.Archived || (count > 0 && n >= count) || (m.Retract && m.Replaces == "") {
				continue // a retraction the store did not apply is nothing
			}
			n++
			got(m)
			if count > 0 && n >= count {
				cancel()
			}
		case xmppclient.Invitation:
			if invited == nil || (count > 0 && n >= count) {
				continue
			}
			n++
			invited(e)
			if count > 0 && n >= count {
				cancel()
			}
		case xmppclient.StateChanged:
			out.note(e)
		}
	}
	if n > 0 {
		// Something arrived, so the session was connected, even if it
		// arrived (and count ended the run) before the login's last
		// steps said Online: an invitation waiting at the server comes
		// that early (TestCLIRoomInvitations failed 1 in 3 so).
		out.connected = true
	}
	if err := out.finish(ctx, s); err != nil {
		return err
	}
	if count > 0 && n < count && ctx.Err() == nil {
		return fmt.Errorf("received %d of %d messages before the timeout", n, count)
	}
	return nil
}

// Echo runs an echo bot on the session until ctx ends, timeout passed (0:
// no bound) or it answered count messages (0: no limit): every chat message others write to the
// account comes back to them with prefix before it, once (messages kept
// for us while offline too: their senders wait), and every subscription
// request is approved. replied is told each answer; online, the first
// login.
func (s *Session) Echo(ctx context.Context, timeout time.Duration, prefix string, count int, replied func(to jid.JID, body string), online func()) error {
	me := s.client.JID().Bare()
	rctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	s.Start(rctx)
	replies := 0
	var out outcome
	for ev := range s.Events() {
		sv, _ := ev.(Saved)
		switch e := sv.Event.(type) {
		case xmppclient.MessageReceived:
			m := e.Message
			// Only what others wrote to us, once: not our own messages seen
			// again (carbons, archive copies, resends), nor a retraction
			// (nothing to echo).
			if !sv.Fresh || m.Outgoing || m.Carbon || m.Archived || m.Retract || m.From.Bare().Equal(me) ||
				(m.Type != "chat" && m.Type != "normal" && m.Type != "") || (count > 0 && replies >= count) {
				continue
			}
			if _, err := s.Send(rctx, m.From.Bare(), prefix+m.Body); err != nil {
				s.notice("could not answer %s: %v", m.From.Bare(), err)
				continue
			}
			replies++
			replied(m.From.Bare(), m.Body)
			if count > 0 && replies >= count {
				// Let the reply leave before stopping: wait for the
				// server's ack (bounded).
				go func() {
					wctx, wcancel := context.WithTimeout(rctx, 10*time.Second)
					defer wcancel()
					_ = s.client.Ping(wctx)
					cancel()
				}()
			}
		case xmppclient.SubscriptionRequest:
			// A test contact lets everyone see that it is online.
			if err := s.client.Approve(rctx, e.From); err != nil {
				s.notice("could not approve %s's subscription: %v", e.From, err)
			} else {
				s.notice("%s may now see the bot's presence", e.From)
			}
		case xmppclient.StateChanged:
			if out.note(e) && online != nil {
				online()
			}
		}
	}
	return out.finish(ctx, s)
}

// RosterOp is a roster change made by RosterDo.
type RosterOp string

// Roster changes.
const (
	RosterAdd     RosterOp = "add"
	RosterRemove  RosterOp = "remove"
	RosterApprove RosterOp = "approve" // and ask to see theirs too, as desktop clients do
	RosterDeny    RosterOp = "deny"
	RosterBlock   RosterOp = "block"   // XEP-0191: the server drops what it sends
	RosterUnblock RosterOp = "unblock" // takes it off the blocklist
)

// RosterList runs the session until the server sent the roster, for at
// most timeout, and returns it.
func (s *Session) RosterList(ctx context.Context, timeout time.Duration) ([]xmppclient.RosterItem, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.Start(rctx)
	var items []xmppclient.RosterItem
	var failed error
	done := false
	for ev := range s.Events() {
		switch ev := clientEvent(ev).(type) {
		case xmppclient.RosterChanged:
			// The roster arrives after Online (which does not wait for it).
			if ev.Full && !done {
				items, done = ev.Items, true
				cancel()
			}
		case xmppclient.ErrorEvent:
			if !done && errors.Is(ev.Err, xmppclient.ErrRoster) {
				failed = ev.Err
				cancel()
			}
		case xmppclient.StateChanged:
			if ev.State == xmppclient.Failed {
				failed = ev.Err
			}
		}
	}
	if err := s.ended(failed, done, timeout); err != nil {
		return nil, err
	}
	return items, nil
}

// RosterDo runs the session until op on j is done (for at most timeout).
func (s *Session) RosterDo(ctx context.Context, op RosterOp, j jid.JID, name string, timeout time.Duration) error {
	return s.onceOnline(ctx, timeout, func(ctx context.Context) error { return s.rosterOp(ctx, op, j, name) })
}

// BlockList runs the session until the server told the account's
// blocklist, for at most timeout, and returns it.
func (s *Session) BlockList(ctx context.Context, timeout time.Duration) ([]string, error) {
	var list []string
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		list, err = s.Blocked(ctx)
		return err
	})
	return list, err
}

// onceOnline runs the session until it is online, then f (for at most
// timeout in all), and ends it.
func (s *Session) onceOnline(ctx context.Context, timeout time.Duration, f func(context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.Start(rctx)
	var failed error
	done := false
	result := make(chan error, 1)
	for ev := range s.Events() {
		sc, ok := clientEvent(ev).(xmppclient.StateChanged)
		switch {
		case !ok:
		case sc.State == xmppclient.Failed:
			failed = sc.Err
		case sc.State == xmppclient.Online && !done:
			done = true
			// Beside the event loop, which must keep draining while the
			// change waits for the server's answer.
			go func() {
				result <- f(rctx)
				cancel()
			}()
		}
	}
	if err := s.ended(failed, done, timeout); err != nil {
		return err
	}
	select {
	case err := <-result:
		return err
	case <-time.After(time.Second):
		return fmt.Errorf("the server did not answer within %s", timeout)
	}
}

func (s *Session) rosterOp(ctx context.Context, op RosterOp, j jid.JID, name string) error {
	switch op {
	case RosterAdd:
		return s.client.AddContact(ctx, j, name, nil, true)
	case RosterRemove:
		return s.client.RemoveContact(ctx, j)
	case RosterApprove:
		if err := s.client.Approve(ctx, j); err != nil {
			return err
		}
		return s.client.Subscribe(ctx, j)
	case RosterDeny:
		return s.client.Deny(ctx, j)
	case RosterBlock:
		return s.client.Block(ctx, j)
	case RosterUnblock:
		return s.client.Unblock(ctx, j)
	}
	return fmt.Errorf("unknown roster change %q", op)
}

// ended waits for the end of a run that had something to do, and words
// why it failed: the failure that ended it, or never getting to it.
func (s *Session) ended(failed error, done bool, timeout time.Duration) error {
	if err := s.end(); err != nil && failed == nil {
		failed = err
	}
	if failed != nil {
		return failed
	}
	if !done {
		return fmt.Errorf("could not connect within %s", timeout)
	}
	return nil
}

// DeliverFile runs the session until it is online, uploads the file at
// path and sends it to `to` (SendFile), then runs until the server
// acknowledged the message. timeout bounds all of it (the upload
// included). An upload that fails leaves nothing queued: there is no
// message until the file is on the server.
func (s *Session) DeliverFile(ctx context.Context, to jid.JID, path string, opts FileOptions, timeout time.Duration) (SentFile, error) {
	s.fullLater = true
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.Start(rctx)
	type uploaded struct {
		sent SentFile
		err  error
	}
	upload := make(chan uploaded, 1)
	var (
		started bool
		sent    SentFile
		acked   = map[string]bool{}
		notSent []xmppclient.MessageFailed
		failed  error
		result  error = &NotAcked{Total: 1, Timeout: timeout}
	)
	events := s.Events()
	for events != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			switch ev := clientEvent(ev).(type) {
			case xmppclient.StateChanged:
				switch ev.State {
				case xmppclient.Online:
					if !started {
						started = true
						go func() {
							sf, err := s.SendFile(rctx, to, path, opts)
							upload <- uploaded{sf, err}
						}()
					}
				case xmppclient.Failed:
					failed = ev.Err
				}
			case xmppclient.MessageAcked:
				acked[ev.ID] = true
				if sent.ID != "" && ev.ID == sent.ID {
					result = nil
					cancel()
				}
			case xmppclient.MessageFailed:
				if sent.ID != "" && ev.ID == sent.ID && ev.Condition == "omemo" {
					notSent = append(notSent, ev)
					cancel()
				}
			}
		case u := <-upload:
			upload = nil
			if u.err != nil {
				failed = u.err
				cancel()
				continue
			}
			sent = u.sent
			if acked[sent.ID] {
				result = nil
				cancel()
			}
		}
	}
	if err := s.end(); err != nil && failed == nil && result == nil {
		result = err
	}
	switch {
	case failed != nil && sent.ID == "":
		if !started {
			return SentFile{}, fmt.Errorf("%w; nothing was uploaded or sent", failed)
		}
		return SentFile{}, failed
	case len(notSent) > 0:
		return SentFile{}, &NotSent{Failed: notSent, Total: 1}
	case !started:
		return SentFile{}, fmt.Errorf("could not connect within %s; nothing was uploaded or sent", timeout)
	case sent.ID == "":
		return SentFile{}, fmt.Errorf("the upload did not finish within %s; nothing was sent", timeout)
	}
	var na *NotAcked
	if errors.As(result, &na) {
		na.Interrupted = ctx.Err() != nil
		return sent, na
	}
	return sent, result
}
