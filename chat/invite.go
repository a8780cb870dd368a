package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/xmppclient"
)

// Room invitations. One received is only shown: it is never acted on
// without the person (no auto-join, whoever sent it, as in Gajim and
// Dino); one from a blocked address never gets this far (xmppclient
// drops it). One from someone not in the roster is shown all the same,
// said to come from someone not in the contacts, as Gajim does.

// Invite invites who (an address typed or picked) to the room at addr,
// with an optional reason: directly (XEP-0249), or through the room
// (XEP-0045's mediated invitation, which needs us in the room, and which
// a members-only room's admins use to let someone in).
func (s *Session) Invite(ctx context.Context, addr, who, reason string, viaRoom bool) error {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return err
	}
	to, err := ContactJID(who)
	if err != nil {
		return err
	}
	if viaRoom {
		if _, in := s.client.RoomNick(room); !in {
			return errNotIn(room)
		}
	}
	opts := xmppclient.InviteOptions{Reason: strings.TrimSpace(reason), Mediated: viaRoom}
	if err := s.client.Invite(ctx, room, to, opts); err != nil {
		return fmt.Errorf("inviting %s to %s: %w", to, room, err)
	}
	return nil
}

// AcceptInvitation joins the room inv names (with its password, as our
// nick the account's name) and keeps it, bookmarked with autojoin.
func (s *Session) AcceptInvitation(ctx context.Context, inv xmppclient.Invitation) error {
	return s.joinRoom(ctx, inv.Room.String(), "", false, inv.Password)
}

// DeclineInvitation says no: to the inviter through the room for a
// mediated invitation; a direct one has no answer, and is only dropped.
func (s *Session) DeclineInvitation(ctx context.Context, inv xmppclient.Invitation, reason string) error {
	return s.client.Decline(ctx, inv, strings.TrimSpace(reason))
}

// InviteOnce runs the session until it is online, sends the invitation
// (for a mediated one, entering the room first and leaving after), and
// ends it: `clove room invite`.
func (s *Session) InviteOnce(ctx context.Context, room, who jid.JID, reason string, viaRoom bool, timeout time.Duration) error {
	return s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		if viaRoom {
			if _, err := s.enterRoom(ctx, room, "", false); err != nil {
				return err
			}
			defer func() { _ = s.client.LeaveRoom(context.WithoutCancel(ctx), room) }()
		}
		return s.Invite(ctx, room.String(), who.String(), reason, viaRoom)
	})
}
