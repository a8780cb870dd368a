package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// cmdRoom is `clove room --account JID join ROOM` (enter, print who is there
// and the recent history, optionally stay and print what is said, leave) and
// `clove room --account JID nick ROOM NEWNICK` (enter, change our nickname,
// keep it for the next joins, leave),
// `clove room --account JID register ROOM [--nick NICK]` (XEP-0045 §7.10),
// `clove room --account JID info ROOM` (§6.4: what the room says of itself),
// `clove room --account JID subject ROOM TEXT` (§8.1: "" removes it),
// `clove room --account JID members ROOM` (§7.11: owners, admins, members,
// and the banned for an admin),
// `clove room --account JID moderate ROOM ID [--reason TEXT]` (remove
// someone's message as the room's moderator: XEP-0425),
// `clove room --account JID kick ROOM NICK [--reason TEXT]`, `role ROOM
// NICK ROLE`, `ban ROOM JID [--reason TEXT]`, `affiliation ROOM JID AFF`,
// `destroy ROOM [--reason TEXT]`, `config ROOM [VAR=VALUE…]` (the room's
// moderators, admins and owners: XEP-0045 §8–10),
// `clove room --account JID encryption ROOM` (whether its messages go
// OMEMO-encrypted, for whom, or why not),
// `clove room --account JID start JID [JID…]` (§7.9: a new private room,
// the contacts invited; prints its address),
// `clove room --account JID send ROOM TEXT` (enter, say it, wait until the
// room repeats it, leave), or `send --file PATH ROOM` (share a file there
// the same way; prints its URL), or `retract ROOM ID` (delete our message
// ID, as send printed it, for everyone: XEP-0424).
func cmdRoom(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("room", flag.ContinueOnError)
	account := fs.String("account", "", "account to use")
	var v chat.RoomVisit
	fs.StringVar(&v.Nick, "nick", "", "nickname in the room (default: the account's name)")
	fs.IntVar(&v.History, "history", 20, "join: how many past messages to show (0: none)")
	fs.DurationVar(&v.Stay, "listen", 0, "join: stay this long and print what is said")
	fs.DurationVar(&v.Timeout, "timeout", 30*time.Second, "how long to wait for the server and the room (default 30s, 5m for I2P accounts)")
	reason := fs.String("reason", "", "invite: why (shown to the invitee); moderate: why the message was removed; kick, ban, role, affiliation, destroy: why (shown to the room)")
	viaRoom := fs.Bool("via-room", false, "invite: send the invitation through the room (XEP-0045), which is entered for it; default: directly (XEP-0249)")
	fs.StringVar(&v.To, "to", "", "send: say TEXT to this occupant (nick) as a private message, not to the room")
	fs.StringVar(&v.File, "file", "", "send: share this file in the room instead of TEXT (uploaded to your server encrypted when the room's messages are: a private room whose members all have OMEMO); prints its URL")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account != "" && len(pos) >= 1 && pos[0] == "list" {
		return roomList(ctx, e, *account, pos[1:], v.Timeout, flagSet(fs, "timeout"))
	}
	if *account != "" && len(pos) >= 1 && pos[0] == "start" {
		return roomStart(ctx, e, *account, pos[1:], v.Timeout, flagSet(fs, "timeout"))
	}
	if *account == "" || len(pos) < 2 {
		return usagef("room takes --account JID and join ROOM, send ROOM TEXT, send --file PATH ROOM, retract ROOM ID, moderate ROOM ID, nick ROOM NEWNICK, register ROOM, invite ROOM JID, members ROOM, info ROOM, subject ROOM TEXT, kick ROOM NICK, role ROOM NICK ROLE, ban ROOM JID, affiliation ROOM JID AFFILIATION, destroy ROOM, config ROOM [VAR=VALUE…], encryption ROOM, start JID [JID…] or list [SERVICE]")
	}
	verb := pos[0]
	room, err := chat.RoomJID(pos[1])
	if err != nil {
		return usageError{err.Error()}
	}
	switch verb {
	case "join":
		if len(pos) != 2 {
			return usagef("room join takes one room address")
		}
	case "send":
		v.Say = strings.Join(pos[2:], " ")
		switch {
		case v.File != "" && len(pos) != 2:
			return usagef("room send --file PATH takes ROOM and no text")
		case v.File == "" && strings.TrimSpace(v.Say) == "":
			return usagef("room send takes ROOM and TEXT")
		case v.To != "" && v.File != "":
			return usagef("room send --to NICK takes TEXT, not --file")
		}
	case "retract":
		if len(pos) != 3 || strings.TrimSpace(pos[2]) == "" {
			return usagef("room retract takes ROOM and the id of your message (as room send printed it)")
		}
		v.Retract = strings.TrimSpace(pos[2])
	case "moderate":
		if len(pos) != 3 || strings.TrimSpace(pos[2]) == "" {
			return usagef("room moderate takes ROOM and the id of the message to remove (history --json shows it)")
		}
		v.Moderate, v.Reason = strings.TrimSpace(pos[2]), *reason
	case "nick":
		if len(pos) != 3 || strings.TrimSpace(pos[2]) == "" {
			return usagef("room nick takes ROOM and the new nickname")
		}
		v.NewNick = strings.TrimSpace(pos[2])
	case "register":
		if len(pos) != 2 {
			return usagef("room register takes one room address (and --nick NICK)")
		}
		return roomRegister(ctx, e, *account, room, v.Nick, v.Timeout, flagSet(fs, "timeout"))
	case "members":
		if len(pos) != 2 {
			return usagef("room members takes one room address")
		}
		return roomMembers(ctx, e, *account, room, v.Timeout, flagSet(fs, "timeout"))
	case "info":
		if len(pos) != 2 {
			return usagef("room info takes one room address")
		}
		return roomInfo(ctx, e, *account, room, v.Timeout, flagSet(fs, "timeout"))
	case "subject":
		if len(pos) != 3 {
			return usagef(`room subject takes ROOM and the subject ("" removes it)`)
		}
		return roomSubject(ctx, e, *account, room, pos[2], v.Timeout, flagSet(fs, "timeout"))
	case "config":
		return roomConfig(ctx, e, *account, room, pos[2:], v.Timeout, flagSet(fs, "timeout"))
	case "kick", "role", "ban", "affiliation", "destroy":
		return roomAdmin(ctx, e, *account, verb, room, pos[2:], *reason, v.Timeout, flagSet(fs, "timeout"))
	case "encryption":
		if len(pos) != 2 {
			return usagef("room encryption takes one room address")
		}
		return roomEncryption(ctx, e, *account, room, v.Timeout, flagSet(fs, "timeout"))
	case "invite":
		if len(pos) != 3 {
			return usagef("room invite takes ROOM and the address to invite")
		}
		who, err := chat.ContactJID(pos[2])
		if err != nil {
			return usageError{err.Error()}
		}
		return roomInvite(ctx, e, *account, room, who, *reason, *viaRoom, v.Timeout, flagSet(fs, "timeout"))
	default:
		return usagef("room needs join, send, retract, moderate, nick, register, invite, members, info, subject, kick, role, ban, affiliation, destroy, config, encryption, start or list, not %q", verb)
	}
	if v.History < 0 {
		return usagef("--history must be 0 or more")
	}
	s, done, err := e.session(ctx, *account, chat.Options{Passive: true})
	if err != nil {
		return err
	}
	defer done()
	if !flagSet(fs, "timeout") && chat.OverI2P(s.Account()) {
		v.Timeout = 5 * time.Minute
	}
	if v.File != "" {
		// As send --file: the upload may take long, over I2P longer.
		v.FileTimeout = 10 * time.Minute
		if chat.OverI2P(s.Account()) {
			v.FileTimeout = 30 * time.Minute
		}
	}
	if v.NewNick != "" {
		// Entered as the nick kept for the room, renamed, left.
		if _, err := s.VisitRoom(ctx, room, v); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "you are now %s in %s\n", termText(v.NewNick), room)
		return nil
	}
	if v.Retract != "" || v.Moderate != "" {
		if _, err := s.VisitRoom(ctx, room, v); err != nil {
			return err
		}
		what, id := "deleted", v.Retract
		if v.Moderate != "" {
			what, id = "removed", v.Moderate
		}
		fmt.Fprintf(e.stdout, "%s %s in %s\n", what, termText(id), room)
		return nil
	}
	printRoom(e, room, &v)
	var url string
	v.Shared = func(sf chat.SentFile) { url = sf.File.URL }
	id, err := s.VisitRoom(ctx, room, v)
	switch {
	case err == nil && v.File != "":
		fmt.Fprintln(e.stdout, url)
	case err == nil && id != "":
		fmt.Fprintln(e.stdout, id)
	}
	return err
}

// printRoom prints what a room visit tells: who is there, who comes and
// goes, the subject, what is said.
func printRoom(e *env, room jid.JID, v *chat.RoomVisit) {
	v.Joined = func(nick string, occupants []string) {
		fmt.Fprintf(e.stdout, "joined %s as %s; %d here: %s\n", room, termText(nick), len(occupants), termText(strings.Join(occupants, ", ")))
	}
	v.Privacy = func(shown, logged bool) {
		if shown {
			fmt.Fprintf(e.stdout, "* everyone in %s can see your address\n", room)
		}
		if logged {
			fmt.Fprintf(e.stdout, "* %s keeps a log of what is said\n", room)
		}
	}
	v.Presence = func(nick string, left bool) {
		what := "joined"
		if left {
			what = "left"
		}
		fmt.Fprintf(e.stdout, "* %s %s\n", termText(nick), what)
	}
	v.Renamed = func(old, nick string) {
		fmt.Fprintf(e.stdout, "* %s is now known as %s\n", termText(old), termText(nick))
	}
	v.Removed = func(_, text string) { fmt.Fprintf(e.stdout, "* %s\n", termText(text)) }
	v.Subject = func(s string) { fmt.Fprintf(e.stdout, "subject: %s\n", termText(s)) }
	v.Said = func(m xmppclient.GroupMessage) {
		fmt.Fprintf(e.stdout, "%s %s\n", m.Time.Local().Format("2006-01-02 15:04:05"), actionLine(m.Nick, m.Body))
	}
}

// roomInvite is `clove room --account JID invite ROOM JID [--reason TEXT]
// [--via-room]`: online, invite, end.
func roomInvite(ctx context.Context, e *env, account string, room, who jid.JID, reason string, viaRoom bool, timeout time.Duration, timeoutSet bool) error {
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	if err := s.InviteOnce(ctx, room, who, reason, viaRoom, timeout); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "invited %s to %s\n", who, room)
	return nil
}

// roomRegister is `clove room --account JID register ROOM [--nick NICK]`:
// registers the nick (default: the account's name) with the room, so it
// is reserved for us and taken by later joins without --nick.
func roomRegister(ctx context.Context, e *env, account string, room jid.JID, nick string, timeout time.Duration, timeoutSet bool) error {
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	got, err := s.RegisterWithRoomOnce(ctx, room.String(), nick, timeout)
	var already *xmppclient.ErrAlreadyRegistered
	if errors.As(err, &already) {
		fmt.Fprintf(e.stdout, "%s in %s\n", termText(already.Error()), room)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "registered as %s in %s\n", termText(got), room)
	return nil
}

// roomList is `clove room --account JID list [SERVICE]`: the public rooms
// of SERVICE (default: of every chat room service of the account's
// server), one a line: address, occupants, name (escaped).
func roomList(ctx context.Context, e *env, account string, args []string, timeout time.Duration, timeoutSet bool) error {
	if len(args) > 1 {
		return usagef("room list takes at most one service address")
	}
	service := ""
	if len(args) == 1 {
		if _, err := chat.ServiceJID(args[0]); err != nil {
			return usageError{err.Error()}
		}
		service = args[0]
	}
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	rooms, err := s.ListRoomsOnce(ctx, service, timeout)
	if err != nil {
		return err
	}
	for _, r := range rooms {
		n := "?"
		if r.Occupants >= 0 {
			n = strconv.Itoa(r.Occupants)
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", r.JID, n, termText(r.Name))
	}
	return nil
}

// roomStart is `clove room --account JID start JID [JID…]`: a new private
// room on the account's chat room service (XEP-0045 §7.9), the contacts
// invited through it; prints its address. The room stays bookmarked with
// autojoin, so the window enters it at its next login.
func roomStart(ctx context.Context, e *env, account string, with []string, timeout time.Duration, timeoutSet bool) error {
	if len(with) == 0 {
		return usagef("room start takes the addresses to invite")
	}
	for _, w := range with {
		if _, err := chat.ContactJID(w); err != nil {
			return usageError{err.Error()}
		}
	}
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	room, err := s.StartGroupChatOnce(ctx, with, timeout)
	if room != "" {
		fmt.Fprintln(e.stdout, room)
	}
	return err
}

// roomInfo is `clove room --account JID info ROOM`: what the room says of
// itself (XEP-0045 §6.4), one "key: value" a line, texts escaped.
func roomInfo(ctx context.Context, e *env, account string, room jid.JID, timeout time.Duration, timeoutSet bool) error {
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	d, err := s.RoomDetailsOnce(ctx, room.String(), timeout)
	if err != nil {
		return err
	}
	yes := map[bool]string{true: "yes", false: "no"}
	addresses := "moderators only"
	if d.AddressesShown {
		addresses = "everyone"
	}
	occupants := "?"
	if d.Occupants >= 0 {
		occupants = fmt.Sprint(d.Occupants)
	}
	for _, kv := range [][2]string{
		{"room", d.Room.String()}, {"name", termText(d.Name)}, {"description", termText(d.Description)},
		{"subject", termText(d.Subject)}, {"language", termText(d.Language)}, {"occupants", occupants},
		{"addresses seen by", addresses}, {"members only", yes[d.MembersOnly]}, {"moderated", yes[d.Moderated]},
		{"password", yes[d.PasswordProtected]}, {"listed", yes[d.Public]}, {"persistent", yes[d.Persistent]},
		{"archive", yes[d.Archived]},
	} {
		if kv[1] != "" {
			fmt.Fprintf(e.stdout, "%s: %s\n", kv[0], kv[1])
		}
	}
	return nil
}

// roomSubject is `clove room --account JID subject ROOM TEXT`: the
// room's subject set ("" removes it; XEP-0045 §8.1), entering the room
// for it unless we are in it.
func roomSubject(ctx context.Context, e *env, account string, room jid.JID, subject string, timeout time.Duration, timeoutSet bool) error {
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	if err := s.SetRoomSubjectOnce(ctx, room.String(), subject, timeout); err != nil {
		return err
	}
	if subject = chat.OneLine(subject); subject == "" {
		fmt.Fprintf(e.stdout, "the subject of %s is removed\n", room)
	} else {
		fmt.Fprintf(e.stdout, "the subject of %s is now: %s\n", room, termText(subject))
	}
	return nil
}

// roomMembers is `clove room --account JID members ROOM`: the room's
// owners, admins, members and banned (outcast) as far as it shows them
// (XEP-0045 §7.11, §9.1), one a line: address, affiliation, registered
// nick (escaped), and a ban's reason where the room keeps one.
func roomMembers(ctx context.Context, e *env, account string, room jid.JID, timeout time.Duration, timeoutSet bool) error {
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	ms, err := s.RoomMembersOnce(ctx, room.String(), timeout)
	if err != nil {
		return err
	}
	for _, m := range ms {
		line := fmt.Sprintf("%s\t%s\t%s", m.JID, m.Affiliation, termText(m.Nick))
		if m.Reason != "" { // a ban's, where the room keeps it
			line += "\t" + termText(m.Reason)
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}

// roomSession opens a passive session of account for one room command;
// over I2P, a timeout the user did not set is made 5 minutes (each of the
// command's round trips takes seconds there).
func (e *env) roomSession(ctx context.Context, account string, timeout *time.Duration, timeoutSet bool) (*chat.Session, func(), error) {
	s, done, err := e.session(ctx, account, chat.Options{Passive: true})
	if err != nil {
		return nil, nil, err
	}
	if !timeoutSet && chat.OverI2P(s.Account()) {
		*timeout = 5 * time.Minute
	}
	return s, done, nil
}

// roomEncryption is `clove room --account JID encryption ROOM`: "encrypted
// (OMEMO) for: A, B" or "not encrypted: why".
func roomEncryption(ctx context.Context, e *env, account string, room jid.JID, timeout time.Duration, timeoutSet bool) error {
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	st, err := s.RoomEncryptionOnce(ctx, room.String(), timeout)
	if err != nil {
		return err
	}
	if st.Encrypted {
		fmt.Fprintf(e.stdout, "encrypted (OMEMO) for: %s\n", strings.Join(st.Members, ", "))
		return nil
	}
	fmt.Fprintf(e.stdout, "not encrypted: %s\n", termText(st.Why))
	return nil
}

// roomAdmin is `clove room kick|role|ban|affiliation|destroy` (XEP-0045
// §8–10): args are what follows the room. A role change enters the room
// (it must exist) and leaves it again; the others need not.
func roomAdmin(ctx context.Context, e *env, account, verb string, room jid.JID, args []string, reason string, timeout time.Duration, timeoutSet bool) error {
	r := room.String()
	// Each verb: how many words follow the room, what else to say then,
	// the change, and what is printed once it is made.
	v := map[string]struct {
		args  int
		usage string
		do    func(*chat.Session) error
		done  func() string
	}{
		"kick": {1, "room kick takes ROOM and the nickname of whom to remove",
			func(s *chat.Session) error { return s.SetRoomRoleOnce(ctx, r, args[0], "none", reason, timeout) },
			func() string { return "removed " + termText(args[0]) + " from " + r }},
		"role": {2, "room role takes ROOM, a nickname and a role (none, visitor, participant, moderator)",
			func(s *chat.Session) error { return s.SetRoomRoleOnce(ctx, r, args[0], args[1], reason, timeout) },
			func() string { return termText(args[0]) + " is now " + termText(args[1]) + " in " + r }},
		"ban": {1, "room ban takes ROOM and the address to ban",
			func(s *chat.Session) error {
				return s.SetRoomAffiliationOnce(ctx, r, args[0], "outcast", reason, timeout)
			},
			func() string { return "banned " + termText(args[0]) + " from " + r }},
		"affiliation": {2, "room affiliation takes ROOM, an address and an affiliation (none, member, admin, owner, outcast)",
			func(s *chat.Session) error {
				return s.SetRoomAffiliationOnce(ctx, r, args[0], args[1], reason, timeout)
			},
			func() string { return termText(args[0]) + " is now " + termText(args[1]) + " in " + r }},
		"destroy": {0, "room destroy takes one room address",
			func(s *chat.Session) error { return s.DestroyRoomOnce(ctx, r, reason, timeout) },
			func() string { return "destroyed " + r }},
	}[verb]
	if len(args) != v.args {
		return usagef("%s", v.usage)
	}
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	if err := v.do(s); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, v.done())
	return nil
}

// roomConfig is `clove room config ROOM [VAR=VALUE…]` (XEP-0045 §10.2,
// its owner): the room's settings, one a line (var, type, value — a
// multi-value field's joined by ", " — and label, tab-separated), after
// changing those given.
func roomConfig(ctx context.Context, e *env, account string, room jid.JID, args []string, timeout time.Duration, timeoutSet bool) error {
	set := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return usagef("room config takes ROOM and VAR=VALUE pairs (room config ROOM lists the vars), not %q", a)
		}
		set[strings.TrimSpace(k)] = v
	}
	s, done, err := e.roomSession(ctx, account, &timeout, timeoutSet)
	if err != nil {
		return err
	}
	defer done()
	f, err := s.RoomConfigOnce(ctx, room.String(), set, timeout)
	if err != nil {
		return err
	}
	if len(set) > 0 {
		fmt.Fprintf(e.stdout, "saved the settings of %s\n", room)
	}
	for _, fd := range f.Fields {
		if fd.Type == "hidden" || fd.Type == "fixed" {
			continue
		}
		val := strings.Join(fd.Values, ", ")
		if fd.Type == "text-private" && val != "" {
			val = "(set)" // a room's password is not printed
		}
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", termText(fd.Var), fd.Type, termText(val), termText(fd.Label))
	}
	return nil
}
