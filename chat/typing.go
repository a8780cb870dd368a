package chat

import (
	"context"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/xmppclient"
)

// Chat states (XEP-0085) as Gajim and Dino send them: "composing" once
// when the user starts typing in a chat, "paused" after pauseAfter without
// a key, "inactive" when they leave a chat they were typing in; every
// message carries <active/> (xmppclient). Typing for 30 s costs one
// stanza, not one per key.
//
// They go only to a contact who
//   - shares presence with us (subscription "from" or "both": they may see
//     that we are online, so may see that we type; nobody else may), and
//   - sent us a chat state (XEP-0085 §5.1: without a sign of support,
//     standalone notifications are not sent; remembered in the profile's
//     roster, so it holds after a restart). Our own messages
//     carry <active/>, so two Clove users, or Clove and Gajim, Dino or
//     Conversations, know after the first message either way. Unlike
//     Gajim we do not ask the contact's client for its features (disco):
//     a contact's message (all of these clients put a chat state in every
//     one) tells as much, without a query per contact.
//
// And never when the user switched them off (SetTypingNotifications).

// pauseAfter: no key for this long while composing sends "paused"
// (XEP-0085 suggests 5 s, as Gajim and Dino do).
const pauseAfter = 5 * time.Second

// maxSupporters bounds the memory a flood of chat states from strangers
// can take: past it, new senders are not remembered.
const maxSupporters = 4096

type typing struct {
	s   *Session
	mu  sync.Mutex
	off bool
	// supports: bare addresses that sent a chat state this session.
	supports map[string]bool
	// peers: our state in each chat we typed in (composing or paused).
	peers map[string]*typingPeer
	// sentCount counts standalone notifications sent (tests, the report).
	sentCount int
	// pause is pauseAfter; tests shorten it.
	pause time.Duration
}

type typingPeer struct {
	state string
	timer *time.Timer
}

func newTyping(s *Session) *typing {
	return &typing{s: s, supports: map[string]bool{}, peers: map[string]*typingPeer{}, pause: pauseAfter}
}

// seen notes a contact's chat state (the session's event loop): in
// memory, and the first time this session in the profile, so that it
// holds after a restart.
func (t *typing) seen(ev xmppclient.Event) {
	cs, ok := ev.(xmppclient.ChatState)
	if !ok {
		return
	}
	k := cs.From.Bare().String()
	t.mu.Lock()
	known := t.supports[k]
	if !known && len(t.supports) < maxSupporters {
		t.supports[k] = true
	}
	t.mu.Unlock()
	if !known {
		if err := t.s.p.st.SetChatStates(context.Background(), t.s.account.JID, k); err != nil {
			t.s.p.log.Debug("chat-state support not recorded", "peer", k, "err", err)
		}
	}
}

// SetTypingNotifications turns sending chat states on or off (the
// Preferences' "Send typing notifications"); off, a chat we were typing in
// is told "active" so that it does not show us typing for ever.
func (s *Session) SetTypingNotifications(on bool) {
	t := s.typing
	t.mu.Lock()
	t.off = !on
	var stop []string
	if !on {
		for k, p := range t.peers {
			p.timer.Stop()
			stop = append(stop, k)
		}
		clear(t.peers)
	}
	t.mu.Unlock()
	for _, k := range stop {
		t.send(jid.MustParse(k), xmppclient.StateActive)
	}
}

// Typing says that the user typed in the chat with peer (each change of
// the composer's text): "composing" goes out if it is not the state
// already, "paused" once no key came for 5 s. It never blocks.
func (s *Session) Typing(peer jid.JID) {
	t := s.typing
	k := peer.Bare().String()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.off {
		return
	}
	p := t.peers[k]
	if p == nil {
		p = &typingPeer{}
		t.peers[k] = p
		p.timer = time.AfterFunc(t.pause, func() { t.paused(k, p) })
	} else {
		p.timer.Reset(t.pause)
	}
	if p.state != xmppclient.StateComposing {
		p.state = xmppclient.StateComposing
		go t.send(peer.Bare(), xmppclient.StateComposing)
	}
}

// LeaveChat says that the user left the chat with peer (another chat
// opened, the chat closed, the text cleared): if we were typing there,
// "inactive" (left) or "active" (text cleared, still there) goes out.
func (s *Session) LeaveChat(peer jid.JID, left bool) {
	t := s.typing
	k := peer.Bare().String()
	t.mu.Lock()
	p := t.peers[k]
	delete(t.peers, k)
	t.mu.Unlock()
	if p == nil {
		return
	}
	p.timer.Stop()
	state := xmppclient.StateActive
	if left {
		state = xmppclient.StateInactive
	}
	go t.send(peer.Bare(), state)
}

// sent: a message to peer went (it carries <active/>).
func (t *typing) sent(peer jid.JID) {
	k := peer.Bare().String()
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.peers[k]; p != nil {
		p.timer.Stop()
		delete(t.peers, k)
	}
}

func (t *typing) paused(k string, p *typingPeer) {
	t.mu.Lock()
	if t.peers[k] != p || p.state != xmppclient.StateComposing {
		t.mu.Unlock()
		return
	}
	p.state = xmppclient.StatePaused
	t.mu.Unlock()
	t.send(jid.MustParse(k), xmppclient.StatePaused)
}

// send sends state to peer if they may have it (see the top of the file).
func (t *typing) send(peer jid.JID, state string) {
	k := peer.String()
	t.mu.Lock()
	off, seen := t.off, t.supports[k]
	t.mu.Unlock()
	if off {
		return
	}
	shares, known, err := t.s.p.st.ChatStatesTo(context.Background(), t.s.account.JID, k)
	if err != nil || !shares || !(seen || known) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.s.client.SendChatState(ctx, peer, state); err != nil {
		t.s.p.log.Debug("chat state not sent", "to", k, "state", state, "err", err)
		return
	}
	t.mu.Lock()
	t.sentCount++
	t.mu.Unlock()
}

// ChatStatesSent is how many standalone chat-state notifications the
// session sent.
func (s *Session) ChatStatesSent() int {
	s.typing.mu.Lock()
	defer s.typing.mu.Unlock()
	return s.typing.sentCount
}
