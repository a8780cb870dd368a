package gui

import (
	"fmt"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Sink is what forward drives; an account's pane (*ui.Pane) is one.
type Sink interface {
	OnState(ui.ConnState, string)
	OnMessage(ui.Message)
	OnMessageState(key string, s ui.MsgState)
	// OnMessageFailed: one of ours was not delivered, and why.
	OnMessageFailed(key, reason string)
	OnPresence(jid string, p ui.Presence)
	OnRoster()
	OnSubscriptionRequest(jid string)
	OnRoomJoined(room, nick string)
	OnOccupant(room, nick string, left bool)
	OnRoomSubject(room, subject string)
	// OnSessionStarted: online in a new session, not a resumed one.
	OnSessionStarted()
	// OfferAction offers the user something to do about the state
	// ("Reconnect now", "Log in…").
	OfferAction(label string, act func())
}

// routerSink is a Sink that also shows an I2P account's router state.
type routerSink interface{ OnRouter(string) }

// encSink is a Sink that also marks our messages that went out encrypted.
type encSink interface {
	OnMessageEncrypted(key string)
	OnNewDevices(peer string, devices []uint32)
}

// stateSink is a Sink that also shows contacts' chat states (XEP-0085)
// and corrected messages (XEP-0308).
type stateSink interface {
	OnChatState(peer, state string)
	OnCorrection(peer, key, body string)
}

// avatarSink is a Sink that also shows avatars.
type avatarSink interface{ OnAvatar(jid string) }

// blockSink is a Sink that also shows who is blocked.
type blockSink interface{ OnBlocklist() }

// occupantPresenceSink is a Sink that also shows occupants' availability
// (XEP-0045 §7.7).
type occupantPresenceSink interface {
	OnOccupantPresence(room, nick, show, status string)
}

// roomExtrasSink is a Sink that also shows room invitations and notices
// in a room's view.
type roomExtrasSink interface {
	OnInvitation(ui.Invitation)
	OnRoomNotice(room, text string)
}

// nodeSink is a Sink that also shows the state of the node an account is
// on (the profile's own).
type nodeSink interface{ OnNode(ui.NodeState) }

// Forward shows an event a session told (saved already).
func Forward(w Sink, account string, ev chat.Event) {
	switch ev := ev.(type) {
	case chat.RoomsLoaded:
		w.OnRoster()
	case chat.RoomNotEntered:
		if r, ok := w.(roomExtrasSink); ok {
			r.OnRoomNotice(ev.Room.String(), "Could not enter the room: "+chat.OneLine(ev.Err.Error())+".")
		}
	case chat.RouterStatus:
		if n, ok := w.(nodeSink); ok && ev.Node != nil {
			// The status bar words the node's state itself: no router line
			// saying it twice.
			n.OnNode(ui.NodeState{Running: ev.Node.Running, Stage: ev.Node.Stage.String(), Reachable: ev.Node.Reachable()})
			return
		}
		if r, ok := w.(routerSink); ok {
			r.OnRouter(ev.Text)
		}
	case chat.Saved:
		forwardClient(w, account, ev.Event, ev.Fresh)
	case chat.ReactionsChanged:
		forwardReactions(w, ev)
	case chat.AvatarChanged:
		if s, ok := w.(avatarSink); ok {
			s.OnAvatar(ev.JID)
		}
	}
}

// forwardClient shows a client event. fresh is false for a message the
// profile already had.
func forwardClient(w Sink, account string, ev xmppclient.Event, fresh bool) {
	switch ev := ev.(type) {
	case xmppclient.StateChanged:
		errText := ""
		if ev.Err != nil {
			errText = chat.OneLine(ev.Err.Error())
		}
		switch ev.State {
		case xmppclient.Online:
			if !ev.Resumed {
				// Before the state: the presences the server sends now are
				// the only ones that hold.
				w.OnSessionStarted()
			}
			w.OnState(ui.Online, "")
		case xmppclient.Connecting:
			w.OnState(ui.Connecting, "")
		case xmppclient.Failed:
			w.OnState(ui.Error, errText)
		default:
			if errText != "" && ev.Retry > 0 {
				errText += fmt.Sprintf("; retrying in %s", ev.Retry.Round(time.Second))
			}
			w.OnState(ui.Offline, errText)
		}
	case xmppclient.MessageReceived:
		if !fresh {
			return
		}
		m := ev.Message
		peer, state := m.From.Bare().String(), ui.Received
		if m.Outgoing {
			peer, state = m.To.Bare().String(), ui.Sent
		}
		if m.Private { // a room's private message: the chat is room/nick
			if peer = m.From.String(); m.Outgoing {
				peer = m.To.String()
			}
		}
		key := m.OriginID
		if key == "" {
			key = m.ID
		}
		if m.Retract {
			// Replaces is "" for one the store did not apply (not the
			// sender's message, or none it holds): nothing to show.
			if rs, ok := w.(retractSink); ok && m.Replaces != "" {
				rs.OnRetraction(peer, m.Replaces, 0)
			}
			return
		}
		if ss, ok := w.(stateSink); ok && m.Replaces != "" {
			ss.OnCorrection(peer, m.Replaces, m.Body)
			return
		}
		ref := m.ID
		if ref == "" || m.Outgoing {
			ref = key
		}
		from := m.From.Bare().String()
		um := ui.Message{Key: key, Ref: ref, From: from, Peer: peer, Outgoing: m.Outgoing, Body: m.Body, Time: m.Time, State: state, Encrypted: m.Encrypted, File: uiFileRef(m.File)}
		if r := m.Reply; r != nil {
			um.Reply = &ui.ReplyInfo{ID: r.ID, To: r.To, Quote: r.Quote}
		}
		w.OnMessage(um)
	case xmppclient.MessageEncrypted:
		if e, ok := w.(encSink); ok {
			for _, id := range ev.IDs {
				e.OnMessageEncrypted(id)
			}
		}
	case xmppclient.DevicesChanged:
		if e, ok := w.(encSink); ok && len(ev.Added) > 0 {
			e.OnNewDevices(ev.JID.String(), ev.Added)
		}
	case xmppclient.ChatState:
		if ss, ok := w.(stateSink); ok {
			ss.OnChatState(ev.From.Bare().String(), ev.State)
		}
	case xmppclient.ChatDisplayedElsewhere:
		if rs, ok := w.(readSink); ok {
			rs.OnReadElsewhere(ev.Peer.String())
		}
	case xmppclient.MarkerReceived:
		// ID is "" for one naming no message of ours (persist).
		if rs, ok := w.(readSink); ok && ev.ID != "" && !ev.Outgoing {
			rs.OnRead(ev.From.Bare().String(), ev.ID)
		}
	case xmppclient.MessageAcked:
		w.OnMessageState(ev.ID, ui.Sent)
	case xmppclient.ReceiptReceived:
		w.OnMessageState(ev.ID, ui.Delivered)
	case xmppclient.MessageFailed:
		w.OnMessageFailed(ev.ID, chat.FailReason(ev))
	case xmppclient.PresenceChanged:
		from := ev.From.Bare().String()
		if from == account {
			return // our other devices
		}
		w.OnPresence(from, presenceOf(ev.Type, ev.Show))
	case xmppclient.RosterChanged, xmppclient.BookmarkChanged, xmppclient.BookmarkRemoved:
		w.OnRoster()
	case xmppclient.BlocklistChanged:
		if b, ok := w.(blockSink); ok {
			b.OnBlocklist()
		}
	case xmppclient.Invitation:
		if r, ok := w.(roomExtrasSink); ok {
			r.OnInvitation(uiInvitation(ev))
		}
	case xmppclient.InvitationDeclined:
		if r, ok := w.(roomExtrasSink); ok {
			text := ev.From.String() + " declined your invitation"
			if ev.Reason != "" {
				text += ": " + chat.OneLine(ev.Reason)
			}
			r.OnRoomNotice(ev.Room.String(), text+".")
		}
	case xmppclient.RoomRejoined:
		if r, ok := w.(roomExtrasSink); ok {
			r.OnRoomNotice(ev.Room.String(), "Rejoined the room after being disconnected (the room had lost you: "+string(ev.Condition)+").")
		}
	case xmppclient.RoomArchiveSynced:
		// A gap in the room's history: said where it is, in the room.
		if r, ok := w.(roomExtrasSink); ok {
			switch {
			case ev.Err != nil:
				r.OnRoomNotice(ev.Room.String(), "What was said while you were away could not be fetched: "+chat.OneLine(ev.Err.Error())+".")
			case ev.Capped:
				r.OnRoomNotice(ev.Room.String(), fmt.Sprintf("Only the newest %d messages said while you were away were fetched; older ones are still in the room's archive.", ev.Messages))
			}
		}
	case xmppclient.SubscriptionRequest:
		w.OnSubscriptionRequest(ev.From.Bare().String())
	case xmppclient.RoomJoined:
		w.OnRoomJoined(ev.Room.String(), ev.Nick)
		if ps, ok := w.(privacySink); ok {
			ps.OnRoomPrivacy(ev.Room.String(), ev.AddressesShown, ev.Logged)
		}
		if ss, ok := w.(subjectSink); ok {
			ss.OnSubjectOpen(ev.Room.String(), ev.SubjectOpen)
		}
	case xmppclient.RoomSubjectPolicy:
		if ss, ok := w.(subjectSink); ok {
			ss.OnSubjectOpen(ev.Room.String(), ev.Open)
		}
	case xmppclient.RoomConfigChanged:
		if ps, ok := w.(privacySink); ok {
			ps.OnRoomConfigChanged(ev.Room.String(), ev.Codes)
		}
	case xmppclient.Occupant:
		w.OnOccupant(ev.Room.String(), ev.Nick, ev.Left)
		if p, ok := w.(occupantPresenceSink); ok && !ev.Left {
			p.OnOccupantPresence(ev.Room.String(), ev.Nick, ev.Show, ev.Status)
		}
		if ev.NewNick != "" {
			// A nickname change (XEP-0045 §7.6): the presence as the new
			// nick follows and lists them again.
			if ev.Self {
				w.OnRoomJoined(ev.Room.String(), ev.NewNick)
			}
			if r, ok := w.(roomExtrasSink); ok {
				text := ev.Nick + " is now known as " + ev.NewNick + "."
				if ev.Self {
					text = "You are now known as " + ev.NewNick + " (were " + ev.Nick + ")."
				}
				r.OnRoomNotice(ev.Room.String(), text)
			}
		}
		if rk, ok := w.(rankSink); ok {
			switch {
			case ev.Left && ev.Removed != "":
				rk.OnRoomRemoval(ev.Room.String(), ev.Nick, ev.Self, ev.Removed == xmppclient.Destroyed, chat.RemovalText(ev))
			case !ev.Left:
				rk.OnOccupantRank(ev.Room.String(), ev.Nick, ev.Role, ev.Affiliation, ev.Self)
			}
		}
	case xmppclient.VoiceRequest:
		if rk, ok := w.(rankSink); ok {
			rk.OnVoiceRequest(ev.Room.String(), ev.Nick)
		}
	case xmppclient.GroupMessage:
		if ev.SubjectSet {
			// An empty one removes it (§8.1).
			w.OnRoomSubject(ev.Room.String(), ev.Subject)
			if ss, ok := w.(subjectSink); ok && ev.SubjectChange {
				ss.OnSubjectChanged(ev.Room.String(), ev.Nick, ev.Subject, ev.Self)
			}
		}
		if ev.Retracts != "" || ev.Body == "" {
			// A retraction or a moderation ("" Retracts: one the store
			// did not apply); ours from this window is shown already (not
			// fresh).
			if rs, ok := w.(retractSink); ok && ev.Retracts != "" && fresh {
				if ev.Moderated {
					rs.OnModeration(ev.Room.String(), ev.Retracts, ev.Body)
				} else {
					rs.OnRetraction(ev.Room.String(), ev.Retracts, 0)
				}
			}
			return
		}
		if ev.Self && ev.ID != "" {
			// The room's copy of ours: it is sent (stored already when we
			// sent it, so not fresh), and named by the room's stanza-id.
			w.OnMessageState(ev.ID, ui.Sent)
			if r, ok := w.(refSink); ok && ev.ArchiveID != "" {
				r.OnMessageRef(ev.ID, ev.ArchiveID)
			}
		}
		if ev.Body == "" || !fresh {
			return
		}
		state := ui.Received
		if ev.Self {
			state = ui.Sent
		}
		ref := ev.ArchiveID // the room's stanza-id names its messages
		if ref == "" {
			ref = ev.ID
		}
		um := ui.Message{Key: ev.ID, Ref: ref, From: ev.Room.String() + "/" + ev.Nick, Peer: ev.Room.String(), Outgoing: ev.Self, Nick: ev.Nick, Body: ev.Body, Time: ev.Time, State: state, History: ev.Delayed,
			File: uiFileRef(ev.File), Encrypted: ev.Encrypted}
		if r := ev.Reply; r != nil {
			um.Reply = &ui.ReplyInfo{ID: r.ID, To: r.To, Quote: r.Quote}
		}
		w.OnMessage(um)
	}
}

func presenceOf(typ, show string) ui.Presence {
	if typ != "" {
		return ui.Unavailable
	}
	switch show {
	case "away", "xa":
		return ui.Away
	case "dnd":
		return ui.Busy
	}
	return ui.Available
}

func uiInvitation(inv xmppclient.Invitation) ui.Invitation {
	return ui.Invitation{Room: inv.Room.String(), From: inv.From.String(), Reason: inv.Reason, Password: inv.Password, Mediated: inv.Mediated}
}
