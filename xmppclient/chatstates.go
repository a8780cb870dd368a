package xmppclient

import (
	"context"
	"encoding/xml"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"
)

// Chat states (XEP-0085): "Bob is typing…". They are sent as deployed
// clients send them: <active/> in every chat message we send (chatTokens),
// and standalone notifications (composing, paused, inactive, gone) only
// when the front end asks (SendChatState) — whether the contact wants them
// is the app core's rule (chat.Session.Typing), not this package's.

const nsChatStates = "http://jabber.org/protocol/chatstates"

// Chat states, as XEP-0085 names its elements.
const (
	StateActive    = "active"
	StateComposing = "composing"
	StatePaused    = "paused"
	StateInactive  = "inactive"
	StateGone      = "gone"
)

// ChatState reports a contact's chat state: a standalone notification or
// one carried by a message (that message comes next as MessageReceived).
// It is never stored.
type ChatState struct {
	From  jid.JID // the contact's full address
	State string  // one of the State constants
}

func (ChatState) isEvent() {}

// chatStates is the chat-state element of an incoming message, if any.
type chatStates struct {
	Active    *struct{} `xml:"http://jabber.org/protocol/chatstates active"`
	Composing *struct{} `xml:"http://jabber.org/protocol/chatstates composing"`
	Paused    *struct{} `xml:"http://jabber.org/protocol/chatstates paused"`
	Inactive  *struct{} `xml:"http://jabber.org/protocol/chatstates inactive"`
	Gone      *struct{} `xml:"http://jabber.org/protocol/chatstates gone"`
}

// state is the one chat state named ("" for none). A message naming more
// than one is not what XEP-0085 allows: the first in the order below wins.
func (s chatStates) state() string {
	switch {
	case s.Composing != nil:
		return StateComposing
	case s.Paused != nil:
		return StatePaused
	case s.Active != nil:
		return StateActive
	case s.Inactive != nil:
		return StateInactive
	case s.Gone != nil:
		return StateGone
	}
	return ""
}

// onChatState emits the chat state of a contact's direct message (not a
// carbon, archive copy or delayed one: an old "typing" means nothing).
func (c *Client) onChatState(m *inMessage) {
	st := m.chatStates.state()
	if st == "" || m.Delay != nil || m.From == "" || (m.Type != "chat" && m.Type != "" && m.Type != "normal") {
		return
	}
	from, err := jid.Parse(m.From)
	if err != nil || from.Bare().Equal(c.JID().Bare()) {
		return
	}
	c.emit(ChatState{From: from, State: st})
}

// SendChatState sends a standalone chat-state notification to to: a
// message with no body, the state and the no-store hint (XEP-0334: servers
// neither archive nor keep it offline). It is not queued: offline, or
// with no session, it is dropped (a late "typing" is worse than none).
func (c *Client) SendChatState(ctx context.Context, to jid.JID, state string) error {
	switch state {
	case StateActive, StateComposing, StatePaused, StateInactive, StateGone:
	default:
		return fmt.Errorf("%q is not a chat state", state)
	}
	c.mu.Lock()
	sess := c.sess
	online := c.state == Online
	c.mu.Unlock()
	if sess == nil || !online {
		return ErrNotOnline
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if err := sess.Send(ctx, chatStateTokens(to, state)); err != nil {
		return fmt.Errorf("sending chat state %s: %w", state, err)
	}
	return nil
}

func chatStateTokens(to jid.JID, state string) xml.TokenReader {
	msg := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "message"},
		Attr: []xml.Attr{xmlAttr("id", randomID()), xmlAttr("to", to.String()), xmlAttr("type", "chat")}}
	st := xml.StartElement{Name: xml.Name{Space: nsChatStates, Local: state}}
	hint := xml.StartElement{Name: xml.Name{Space: nsHints, Local: "no-store"}}
	return &tokenList{toks: []xml.Token{msg, st, st.End(), hint, hint.End(), msg.End()}}
}

// activeTokens is the <active/> every chat message of ours carries
// (XEP-0085 §5.1: it also tells the contact that we support chat states).
func activeTokens() []xml.Token {
	a := xml.StartElement{Name: xml.Name{Space: nsChatStates, Local: StateActive}}
	return []xml.Token{a, a.End()}
}
