package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Turning a one-to-one chat into a room (XEP-0045 §7.9), as Gajim's
// "Invite to group chat" and Dino's "Start group chat with…" do: a new
// private room (members-only, not listed, persistent; see
// xmppclient.PrivateRoomConfig) on the account's own chat room service,
// entered, kept (profile and bookmark, autojoin) and each contact invited
// through it, which makes them members, with <continue thread='…'/>.

// maxGroupInvitees bounds how many a room is started with at once: each
// is one invitation.
const maxGroupInvitees = 50

// StartGroupChat makes a private room with the contacts in with (one at
// least: the chat's contact, then the others chosen) and returns its
// address. The room is named after those in it.
func (s *Session) StartGroupChat(ctx context.Context, with []string) (string, error) {
	people, err := s.groupInvitees(with)
	if err != nil {
		return "", err
	}
	services, err := s.client.RoomServices(ctx)
	if err != nil {
		return "", err
	}
	if len(services) == 0 {
		return "", fmt.Errorf("%s offers no chat room service to make the room on", s.client.JID().Domainpart())
	}
	room, err := jid.New("chat-"+randomHex(5), services[0].Domainpart(), "")
	if err != nil {
		return "", err
	}
	nick := s.client.JID().Localpart()
	jctx, cancel := context.WithTimeout(ctx, s.RoomTimeout())
	defer cancel()
	name := groupName(nick, people)
	opts := xmppclient.JoinOptions{History: -1, Config: xmppclient.PrivateRoomConfig(name)}
	if err := s.client.JoinRoom(jctx, room, nick, opts); err != nil {
		return "", fmt.Errorf("making the room %s: %w", room, err)
	}
	if err := s.keepRoom(ctx, room, nick, name, ""); err != nil {
		return room.String(), err
	}
	thread := randomHex(16) // the chat had no thread id of its own: a new one names it
	var failed []error
	for _, p := range people {
		if err := s.client.Invite(ctx, room, p, xmppclient.InviteOptions{Mediated: true, Thread: thread}); err != nil {
			failed = append(failed, fmt.Errorf("inviting %s: %w", p, err))
		}
	}
	if err := errors.Join(failed...); err != nil {
		return room.String(), fmt.Errorf("made %s, but: %w", room, err)
	}
	return room.String(), nil
}

// StartGroupChatOnce runs the session until it is online, starts the
// room and leaves it again (it stays, bookmarked with autojoin, for the
// next login): `clove room start`.
func (s *Session) StartGroupChatOnce(ctx context.Context, with []string, timeout time.Duration) (string, error) {
	var room string
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		room, err = s.StartGroupChat(ctx, with)
		if r, perr := jid.Parse(room); perr == nil && room != "" {
			_ = s.client.LeaveRoom(context.WithoutCancel(ctx), r)
		}
		return err
	})
	return room, err
}

// groupInvitees parses and de-duplicates the addresses to invite,
// leaving out our own.
func (s *Session) groupInvitees(with []string) ([]jid.JID, error) {
	var people []jid.JID
	seen := map[string]bool{s.client.JID().Bare().String(): true}
	for _, w := range with {
		j, err := ContactJID(strings.TrimSpace(w))
		if err != nil {
			return nil, err
		}
		if k := j.Bare().String(); !seen[k] {
			seen[k] = true
			people = append(people, j.Bare())
		}
	}
	switch {
	case len(people) == 0:
		return nil, errors.New("a group chat needs someone to invite besides you")
	case len(people) > maxGroupInvitees:
		return nil, fmt.Errorf("at most %d people can be invited at once", maxGroupInvitees)
	}
	return people, nil
}

// groupName is the new room's name: who is in it, as Gajim names one.
func groupName(nick string, people []jid.JID) string {
	names := []string{nick}
	for _, p := range people {
		names = append(names, p.Localpart())
	}
	name := strings.Join(names, ", ")
	if r := []rune(name); len(r) > 60 {
		name = string(r[:59]) + "…"
	}
	return name
}

// keepRoom keeps a room we are in: in the profile and as the server's
// bookmark (named name, "" for none), with autojoin, so that each login
// enters it again.
func (s *Session) keepRoom(ctx context.Context, room jid.JID, nick, name, password string) error {
	r := store.Room{Account: s.account.JID, JID: room.String(), Name: name, Nick: nick, Autojoin: true}
	if err := s.p.st.PutRoom(ctx, r); err != nil {
		return fmt.Errorf("joined %s, but could not keep it in the profile: %w", room, err)
	}
	if err := s.client.SetBookmark(ctx, xmppclient.Bookmark{Room: room, Name: name, Nick: nick, Autojoin: true, Password: password}); err != nil {
		// Kept in the profile; the server's copy is what other devices see.
		s.p.log.Warn("room joined but not bookmarked on the server", "room", room, "nick", nick, "err", err)
	}
	return nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24)
	return hex.EncodeToString(b)
}

// RoomMembers is the room's owners, admins and members as far as it lets
// us read them (XEP-0045 §7.11); a room that shows us none gives an error
// wrapping xmppclient.ErrMembersForbidden.
func (s *Session) RoomMembers(ctx context.Context, addr string) ([]xmppclient.RoomMember, error) {
	room, err := RoomJID(strings.TrimSpace(addr))
	if err != nil {
		return nil, err
	}
	return s.client.RoomMembers(ctx, room)
}

// RoomMembersOnce runs the session until it is online, asks for the
// room's member list and ends: `clove room members`.
func (s *Session) RoomMembersOnce(ctx context.Context, addr string, timeout time.Duration) ([]xmppclient.RoomMember, error) {
	var ms []xmppclient.RoomMember
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		ms, err = s.RoomMembers(ctx, addr)
		return err
	})
	return ms, err
}
