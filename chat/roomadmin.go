package chat

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Room administration (XEP-0045 §8–10) for the window and the CLI: an
// occupant's role (kick, voice, moderator), someone's affiliation (ban,
// membership, admin, owner), the room's end. The room decides who may;
// xmppclient words its refusals.

// SetRoomRole gives nick in the room at addr the role ("none" removes
// them, "visitor", "participant", "moderator"), with reason ("": none).
// We must be in the room, as a moderator.
func (s *Session) SetRoomRole(ctx context.Context, addr, nick, role, reason string) error {
	room, err := RoomJID(addr)
	if err != nil {
		return err
	}
	nick = strings.TrimSpace(nick)
	if _, in := s.client.RoomNick(room); !in {
		return errNotIn(room)
	}
	return s.client.SetRole(ctx, room, nick, role, strings.TrimSpace(reason))
}

// SetRoomAffiliation gives who — an address, or the nick of someone in
// the room whose address the room shows us — the affiliation with the
// room at addr ("outcast" bans, "none", "member", "admin", "owner"),
// with reason ("": none). We must be its admin or owner.
func (s *Session) SetRoomAffiliation(ctx context.Context, addr, who, aff, reason string) error {
	room, err := RoomJID(addr)
	if err != nil {
		return err
	}
	target, err := s.occupantAddress(room, strings.TrimSpace(who))
	if err != nil {
		return err
	}
	return s.client.SetAffiliation(ctx, room, target, aff, strings.TrimSpace(reason))
}

// occupantAddress is who as an address: itself when it is one, else the
// real address of the occupant who (a nick) of room.
func (s *Session) occupantAddress(room jid.JID, who string) (jid.JID, error) {
	if who == "" {
		return jid.JID{}, fmt.Errorf("whom? no address or nickname given")
	}
	if strings.Contains(who, "@") {
		return ContactJID(who)
	}
	if j, ok := s.client.OccupantJID(room, who); ok {
		return j, nil
	}
	if _, in := s.client.RoomNick(room); !in {
		return jid.JID{}, fmt.Errorf("%q is not an address (name@server), and a nickname is known only while in %s", who, room)
	}
	return jid.JID{}, fmt.Errorf("%s does not show %s's address to you (or no one is called that there): give their address", room, who)
}

// DestroyRoom ends the room at addr for everyone (only an owner may),
// telling them reason; if it is one of our rooms it is then taken off
// them (the history is kept), as LeaveRoom does.
func (s *Session) DestroyRoom(ctx context.Context, addr, reason string) error {
	room, err := RoomJID(addr)
	if err != nil {
		return err
	}
	if err := s.client.DestroyRoom(ctx, room, strings.TrimSpace(reason)); err != nil {
		return err
	}
	rs, err := s.p.st.Rooms(ctx, s.account.JID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(rs, func(r store.Room) bool { return r.JID == room.String() }) {
		return nil
	}
	return s.LeaveRoom(ctx, room.String())
}

// SetRoomRoleOnce is SetRoomRole for a one-shot command: online, into the
// room (it must exist) as our nick there, the change, out again.
func (s *Session) SetRoomRoleOnce(ctx context.Context, addr, nick, role, reason string, timeout time.Duration) error {
	return s.onceAsOccupant(ctx, addr, timeout, func(ctx context.Context, room string) error {
		return s.SetRoomRole(ctx, room, nick, role, reason)
	})
}

// onceAsOccupant runs f for a one-shot command that needs us in the room
// at addr: online, into the room (it must exist; no history) as our nick
// there unless we are in it, f, out again.
func (s *Session) onceAsOccupant(ctx context.Context, addr string, timeout time.Duration, f func(ctx context.Context, room string) error) error {
	room, err := RoomJID(addr)
	if err != nil {
		return err
	}
	return s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		return s.inRoom(ctx, room, func(ctx context.Context) error {
			return s.client.JoinRoom(ctx, room, s.defaultRoomNick(ctx, room), xmppclient.JoinOptions{History: -1, MustExist: true})
		}, func() error {
			return f(ctx, room.String())
		})
	})
}

// inRoom runs f in room for a one-shot command: entered first with join
// unless we are in it, and then left again.
func (s *Session) inRoom(ctx context.Context, room jid.JID, join func(context.Context) error, f func() error) error {
	if _, in := s.client.RoomNick(room); !in {
		if err := join(ctx); err != nil {
			return err
		}
		defer func() {
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = s.client.LeaveRoom(lctx, room)
		}()
	}
	return f()
}

// SetRoomAffiliationOnce is SetRoomAffiliation for a one-shot command
// (who must be an address: no room is entered).
func (s *Session) SetRoomAffiliationOnce(ctx context.Context, addr, who, aff, reason string, timeout time.Duration) error {
	return s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		return s.SetRoomAffiliation(ctx, addr, who, aff, reason)
	})
}

// DestroyRoomOnce is DestroyRoom for a one-shot command.
func (s *Session) DestroyRoomOnce(ctx context.Context, addr, reason string, timeout time.Duration) error {
	return s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		return s.DestroyRoom(ctx, addr, reason)
	})
}

// RemovalText says, for the room's notices and the CLI, why o left the
// room against their will ("" when they were not removed): "You were
// removed from the room by alice: spam." or "carol was banned.".
func RemovalText(o xmppclient.Occupant) string {
	if o.Removed == "" {
		return ""
	}
	by := ""
	if o.Actor != "" {
		by = " by " + OneLine(o.Actor)
	}
	why := ""
	if o.Reason != "" {
		why = ": " + OneLine(o.Reason)
	}
	who, was := OneLine(o.Nick), " was"
	if o.Self {
		who, was = "You", " were"
	}
	var s string
	switch o.Removed {
	case xmppclient.Kicked:
		s = who + was + " removed from the room" + by + why + "."
	case xmppclient.Banned:
		s = who + was + " banned from the room" + by + why + "."
	case xmppclient.MembershipLost:
		if o.Self {
			s = "You were removed: the room is for members only, and you are no longer a member" + by + why + "."
		} else {
			s = who + " was removed: the room is for members only, and they are no longer a member" + by + why + "."
		}
	case xmppclient.MembersOnly:
		s = who + was + " removed: the room is now for members only" + why + "."
	case xmppclient.Shutdown:
		s = who + was + " removed: the room's service is shutting down" + why + "."
	case xmppclient.Destroyed:
		s = "The room was closed for good by its owner" + why + "."
		if !o.Venue.Equal(jid.JID{}) {
			s += " It goes on at " + o.Venue.String() + "."
		}
	default:
		s = who + was + " removed from the room" + by + why + "."
	}
	// A reason that ends a sentence itself ends it ("spam!." was seen).
	if t := strings.TrimSuffix(s, "."); strings.HasSuffix(t, ".") || strings.HasSuffix(t, "!") || strings.HasSuffix(t, "?") {
		s = t
	}
	return s
}

// RoomConfig reads the settings form of the room at addr (XEP-0045
// §10.2); only its owner may.
func (s *Session) RoomConfig(ctx context.Context, addr string) (xmppclient.DataForm, error) {
	room, err := RoomJID(addr)
	if err != nil {
		return xmppclient.DataForm{}, err
	}
	return s.client.RoomConfig(ctx, room)
}

// SetRoomConfig sends the room at addr its settings form, changed.
func (s *Session) SetRoomConfig(ctx context.Context, addr string, f xmppclient.DataForm) error {
	room, err := RoomJID(addr)
	if err != nil {
		return err
	}
	return s.client.SetRoomConfig(ctx, room, f)
}

// RoomConfigOnce is, for a one-shot command, RoomConfig and, with set
// (var → value; a multi-value field's values joined by newlines, a
// boolean 1/0, true/false, yes/no), the form sent back so changed. It
// returns the form as read (and changed). A var the form lacks is an
// error naming the form's vars.
func (s *Session) RoomConfigOnce(ctx context.Context, addr string, set map[string]string, timeout time.Duration) (xmppclient.DataForm, error) {
	var f xmppclient.DataForm
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		if f, err = s.RoomConfig(ctx, addr); err != nil || len(set) == 0 {
			return err
		}
		if err := setFormValues(&f, set); err != nil {
			return err
		}
		return s.SetRoomConfig(ctx, addr, f)
	})
	return f, err
}

// setFormValues changes f's fields by var.
func setFormValues(f *xmppclient.DataForm, set map[string]string) error {
	done := map[string]bool{}
	var vars []string
	for i := range f.Fields {
		fd := &f.Fields[i]
		if fd.Type != "fixed" && fd.Type != "hidden" {
			vars = append(vars, fd.Var)
		}
		v, ok := set[fd.Var]
		if !ok || fd.Type == "fixed" {
			continue
		}
		done[fd.Var] = true
		switch fd.Type {
		case "boolean":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "1", "true", "yes", "on":
				fd.Values = []string{"1"}
			case "0", "false", "no", "off":
				fd.Values = []string{"0"}
			default:
				return fmt.Errorf("%s takes 1 or 0 (true or false), not %q", fd.Var, v)
			}
		case "list-single":
			ok := false
			for _, o := range fd.Options {
				ok = ok || o.Value == v
			}
			if !ok && len(fd.Options) > 0 {
				var vs []string
				for _, o := range fd.Options {
					vs = append(vs, o.Value)
				}
				return fmt.Errorf("%s takes one of %s, not %q", fd.Var, strings.Join(vs, ", "), v)
			}
			fd.Values = []string{v}
		case "list-multi", "text-multi", "jid-multi":
			fd.Values = nil
			for _, l := range strings.Split(v, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					fd.Values = append(fd.Values, l)
				}
			}
		default:
			fd.Values = []string{v}
			if v == "" {
				fd.Values = nil
			}
		}
	}
	for k := range set {
		if !done[k] {
			return fmt.Errorf("the room's settings have no %q; they have: %s", k, strings.Join(vars, ", "))
		}
	}
	return nil
}

// SetRoomSubject sets the subject of the room at addr ("" removes it,
// XEP-0045 §8.1): one line, its spaces tidied. We must be in the room,
// and the room must let us (prosody: its moderators, unless it lets
// everyone).
func (s *Session) SetRoomSubject(ctx context.Context, addr, subject string) error {
	room, err := RoomJID(addr)
	if err != nil {
		return err
	}
	if _, in := s.client.RoomNick(room); !in {
		return errNotIn(room)
	}
	// A message, not an iq: a room that neither passes it on nor refuses
	// it would keep the caller waiting.
	sctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	return s.client.SetRoomSubject(sctx, room, OneLine(subject)) // OneLine trims too
}

// SetRoomSubjectOnce is SetRoomSubject for a one-shot command: online,
// into the room (it must exist), the subject, out again.
func (s *Session) SetRoomSubjectOnce(ctx context.Context, addr, subject string, timeout time.Duration) error {
	return s.onceAsOccupant(ctx, addr, timeout, func(ctx context.Context, room string) error {
		return s.SetRoomSubject(ctx, room, subject)
	})
}

// RoomDetails is what the room at addr says of itself (XEP-0045 §6.4);
// we need not be in it.
func (s *Session) RoomDetails(ctx context.Context, addr string) (xmppclient.RoomDetails, error) {
	room, err := RoomJID(addr)
	if err != nil {
		return xmppclient.RoomDetails{}, err
	}
	return s.client.RoomDetails(ctx, room)
}

// RoomDetailsOnce is RoomDetails for a one-shot command.
func (s *Session) RoomDetailsOnce(ctx context.Context, addr string, timeout time.Duration) (xmppclient.RoomDetails, error) {
	var d xmppclient.RoomDetails
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		d, err = s.RoomDetails(ctx, addr)
		return err
	})
	return d, err
}
