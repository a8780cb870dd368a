package gui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/msgstate"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Backend answers an account's pane from the profile and the account's
// running session. Its methods run off the UI goroutine (package ui sees
// to that).
type Backend struct {
	p       *chat.Profile
	account string
	sess    atomic.Pointer[chat.Session] // nil until logged in

	mu         sync.Mutex
	show, text string // the presence the user chose, given to each session
	typingOff  atomic.Bool
	markersOff atomic.Bool // read markers (XEP-0333) not sent
	// inactive: the window has been in the background a while (XEP-0352,
	// ui.ActivityTeller); told to every session.
	inactive atomic.Bool

	// restartNode starts the profile's node again (Options.RestartNode).
	restartNode func(ctx context.Context, dir string) error
}

// SetStatus sets the presence the account shows (see chat.Session.SetStatus):
// now, when a session runs, and to every session that starts later.
// Under b.mu, so that a session starting meanwhile gets the last choice.
func (b *Backend) SetStatus(ctx context.Context, show, text string) error {
	if err := chat.CheckShow(show); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.show, b.text = show, text
	if s := b.sess.Load(); s != nil {
		return s.SetStatus(ctx, show, text)
	}
	return nil
}

var _ ui.InvisibleChecker = (*Backend)(nil)

// CanBeInvisible says whether the account's server offers invisibility
// (privacy lists), as its session found at the last login (ui.InvisibleChecker).
func (b *Backend) CanBeInvisible() (bool, string) {
	s := b.sess.Load()
	if s == nil {
		return false, "known once logged in"
	}
	switch s.InvisibleSupport() {
	case xmppclient.Supported:
		return true, ""
	case xmppclient.Unsupported:
		return false, "your server does not offer it"
	}
	return false, "known once logged in"
}

// useSession makes s the session b acts on, with the presence chosen.
func (b *Backend) useSession(ctx context.Context, s *chat.Session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sess.Store(s)
	_ = s.SetStatus(ctx, b.show, b.text) // not connected yet: kept for the login
	s.SetTypingNotifications(!b.typingOff.Load())
	s.SetReadMarkers(!b.markersOff.Load())
	if b.inactive.Load() {
		_, _ = s.SetInactive(ctx, true) // not connected yet: kept for the login
	}
}

var _ ui.ActivityTeller = (*Backend)(nil)

// SetInactive tells the account's server whether the user is looking at
// the window (ui.ActivityTeller): now, when a session runs, and to every
// session that starts later.
func (b *Backend) SetInactive(ctx context.Context, inactive bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inactive.Store(inactive)
	if s := b.sess.Load(); s != nil {
		_, err := s.SetInactive(ctx, inactive)
		return err
	}
	return nil
}

// SetNodeRunning stops the profile's own node, or starts it again as it
// last ran, then has the session read its state at once, and log in again
// at once after a start (ui.NodeControl).
func (b *Backend) SetNodeRunning(ctx context.Context, run bool) error {
	dir := b.p.NodeDir()
	var err error
	switch {
	case !run:
		err = node.Stop(dir)
	case b.restartNode == nil:
		err = errors.New("not possible from here: run 'clove node start'")
	default:
		err = b.restartNode(ctx, dir)
	}
	if s := b.sess.Load(); s != nil {
		s.CheckNode()
		if run && err == nil {
			s.RetryNow() // the account was waiting to retry a node that was down
		}
	}
	return err
}

var (
	_ ui.Backend      = (*Backend)(nil)
	_ ui.RosterEditor = (*Backend)(nil)
	_ ui.RoomBackend  = (*Backend)(nil)
	_ ui.Searcher     = (*Backend)(nil)
	_ ui.Blocker      = (*Backend)(nil)
	_ ui.StatusSetter = (*Backend)(nil)
	_ ui.NodeControl  = (*Backend)(nil)
	_ ui.Typist       = (*Backend)(nil)
	_ ui.Corrector    = (*Backend)(nil)
)

// NewBackend is account's pane backend; it acts once a session is set.
func NewBackend(p *chat.Profile, account string) *Backend {
	return &Backend{p: p, account: account}
}

// session is the running session, or an error for the user.
func (b *Backend) session() (*chat.Session, error) {
	if s := b.sess.Load(); s != nil {
		return s, nil
	}
	return nil, chat.ErrNoSession
}

func (b *Backend) AddContact(ctx context.Context, addr, name string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.AddContact(ctx, addr, name)
}

func (b *Backend) RenameContact(ctx context.Context, addr, name string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.RenameContact(ctx, addr, name)
}

func (b *Backend) RemoveContact(ctx context.Context, addr string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.RemoveContact(ctx, addr)
}

func (b *Backend) Block(ctx context.Context, addr string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.Block(ctx, addr)
}

func (b *Backend) Unblock(ctx context.Context, addr string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.Unblock(ctx, addr)
}

func (b *Backend) Blocked(ctx context.Context) ([]string, error) {
	s, err := b.session()
	if err != nil {
		return nil, err
	}
	return s.Blocked(ctx)
}

func (b *Backend) AnswerSubscription(ctx context.Context, addr string, approve bool) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.AnswerSubscription(ctx, addr, approve)
}

func (b *Backend) Contacts(ctx context.Context) ([]ui.Contact, error) {
	cs, rs, err := b.p.Contacts(ctx, b.account)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Contact, 0, len(cs)+len(rs))
	for _, c := range cs {
		out = append(out, ui.Contact{JID: c.JID, Name: c.Name})
	}
	for _, r := range rs {
		out = append(out, ui.Contact{JID: r.JID, Name: r.Name, Room: true})
	}
	strangers, err := b.p.Strangers(ctx, b.account)
	if err != nil {
		return nil, err
	}
	for _, j := range strangers {
		out = append(out, ui.Contact{JID: j, Stranger: true})
	}
	return out, nil
}

func (b *Backend) History(ctx context.Context, peer string, beforeID int64, limit int) ([]ui.Message, error) {
	ms, err := b.p.History(ctx, b.account, peer, beforeID, limit)
	if err != nil {
		return nil, err
	}
	return b.uiMessages(ms), nil
}

// Search finds messages with peer by their words (the store's FTS5 index).
func (b *Backend) Search(ctx context.Context, peer, query string, limit int) ([]ui.Message, error) {
	ms, err := b.p.Search(ctx, b.account, peer, query, limit)
	if err != nil {
		return nil, err
	}
	return b.uiMessages(ms), nil
}

// LastMessages returns the newest message of each chat, newest first.
func (b *Backend) LastMessages(ctx context.Context) ([]ui.Message, error) {
	ms, err := b.p.LastMessages(ctx, b.account)
	if err != nil {
		return nil, err
	}
	return b.uiMessages(ms), nil
}

// DeleteChat deletes the account's history with peer from the profile.
func (b *Backend) DeleteChat(ctx context.Context, peer string) (int64, error) {
	return b.p.DeleteChat(ctx, b.account, peer)
}

func (b *Backend) uiMessages(ms []store.Message) []ui.Message {
	s := b.sess.Load()
	mine := func(peer, sender string) bool {
		if s != nil {
			return s.IsOwnReaction(peer, sender)
		}
		return sender == b.account
	}
	out := make([]ui.Message, len(ms))
	for i, m := range ms {
		out[i] = uiMessage(m)
		if len(m.Reactions) > 0 {
			peer := m.Peer
			out[i].Reactions = reactionCounts(m.Reactions, func(sender string) bool { return mine(peer, sender) })
		}
	}
	return out
}

func uiMessage(m store.Message) ui.Message {
	out := ui.Message{ID: m.ID, Key: m.OriginID, Ref: chat.RefID(m), From: m.From, Peer: m.Peer, Outgoing: m.Outgoing, Body: m.Body, Time: m.Time, State: msgstate.State(m.State), Encrypted: m.Encrypted, File: uiFile(m.File), Edited: m.Edited, Retracted: m.Retracted, Moderated: m.ModeratedAway}
	if m.Read {
		out.State = msgstate.Next(out.State, msgstate.Read)
	}
	if r := m.Reply; r != nil {
		out.Reply = &ui.ReplyInfo{ID: r.ID, To: r.To, Quote: r.Quote}
	}
	if out.State == ui.Failed {
		out.Reason = m.Error
	}
	if bare, nick, ok := strings.Cut(m.From, "/"); ok && bare == m.Peer {
		out.Nick = nick // a room's message: from room/nick
	}
	return out
}

func (b *Backend) Send(ctx context.Context, peer, text string) (ui.Message, error) {
	s, err := b.session()
	if err != nil {
		return ui.Message{}, err
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return ui.Message{}, err
	}
	text = strings.TrimRight(text, "\n")
	id, err := s.Send(ctx, to, text)
	if err != nil {
		return ui.Message{}, err
	}
	peer = to.Bare().String()
	if to.Resourcepart() != "" {
		peer = to.String() // a room's private message (chat.Session.Send)
	}
	return b.queued(id, peer, text)
}

// queued is the window's copy of our message id to peer, just queued.
func (b *Backend) queued(id, peer, text string) (ui.Message, error) {
	return ui.Message{Key: id, Ref: id, From: b.account, Peer: peer, Outgoing: true, Body: text, Time: time.Now(), State: ui.Queued}, nil
}

func (b *Backend) JoinRoom(ctx context.Context, addr, nick string, create bool) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.JoinRoom(ctx, addr, nick, create)
}

// Invite invites who to room: directly (XEP-0249), or through the room
// (XEP-0045).
func (b *Backend) Invite(ctx context.Context, room, who, reason string, viaRoom bool) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.Invite(ctx, room, who, reason, viaRoom)
}

// AcceptInvitation joins the room and bookmarks it.
func (b *Backend) AcceptInvitation(ctx context.Context, inv ui.Invitation) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	ci, err := chatInvitation(inv)
	if err != nil {
		return err
	}
	return s.AcceptInvitation(ctx, ci)
}

// DeclineInvitation declines (through the room, for a mediated one).
func (b *Backend) DeclineInvitation(ctx context.Context, inv ui.Invitation) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	ci, err := chatInvitation(inv)
	if err != nil {
		return err
	}
	return s.DeclineInvitation(ctx, ci, "")
}

// chatInvitation is the window's invitation back as the core's.
func chatInvitation(inv ui.Invitation) (xmppclient.Invitation, error) {
	room, err := chat.RoomJID(inv.Room)
	if err != nil {
		return xmppclient.Invitation{}, err
	}
	from, err := chat.ParsePeerJID(inv.From)
	if err != nil {
		return xmppclient.Invitation{}, err
	}
	return xmppclient.Invitation{Room: room, From: from, Reason: inv.Reason, Password: inv.Password, Mediated: inv.Mediated}, nil
}

// ChangeRoomNick changes our nickname in the room at addr and keeps it
// for the next joins (XEP-0045 §7.6).
func (b *Backend) ChangeRoomNick(ctx context.Context, addr, nick string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.ChangeRoomNick(ctx, addr, nick)
}

// RegisterWithRoom registers nick with the room at addr (XEP-0045
// §7.10) and words the answer; "already registered" is not an error.
func (b *Backend) RegisterWithRoom(ctx context.Context, addr, nick string) (string, error) {
	s, err := b.session()
	if err != nil {
		return "", err
	}
	got, err := s.RegisterWithRoom(ctx, addr, nick)
	var already *xmppclient.ErrAlreadyRegistered
	if errors.As(err, &already) {
		return fmt.Sprintf("You are %s in %s.", already.Error(), addr), nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Registered as %s in %s: the nickname is reserved for you there.", got, addr), nil
}

func (b *Backend) LeaveRoom(ctx context.Context, addr string) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	return s.LeaveRoom(ctx, addr)
}

func (b *Backend) SendGroup(ctx context.Context, addr, text string) (ui.Message, error) {
	s, err := b.session()
	if err != nil {
		return ui.Message{}, err
	}
	m, err := s.SendGroup(ctx, addr, strings.TrimRight(text, "\n"))
	if err != nil {
		return ui.Message{}, err
	}
	out := uiMessage(m)
	out.ID = 0
	return out, nil
}

// Session is the account's running session, or chat.ErrNoSession.
func (b *Backend) Session() (*chat.Session, error) { return b.session() }

var _ ui.DraftKeeper = (*Backend)(nil)

func (b *Backend) Drafts(ctx context.Context) (map[string]string, error) {
	return b.p.Drafts(ctx, b.account)
}

func (b *Backend) SetDraft(ctx context.Context, peer, text string) error {
	return b.p.SetDraft(ctx, b.account, peer, text)
}
