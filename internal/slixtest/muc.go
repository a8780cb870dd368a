package slixtest

import "context"

// Rooms (XEP-0045) and invitations (XEP-0249, XEP-0045 §7.8) through
// slixmpp's own plugins: the client must be started with Plugins naming
// xep_0045 (and xep_0249 for direct invitations); OMEMO mode loads
// xep_0045 itself, where slixmpp-omemo finds a room sender's real JID.

// Invite is an invitation for Client.Invite.
type Invite struct {
	Room     string `json:"room"`
	To       string `json:"to"`
	Reason   string `json:"reason,omitempty"`
	Password string `json:"password,omitempty"`
	// Mediated sends it through the room (xep_0045's invite), which the
	// client must have joined; otherwise it is direct (xep_0249).
	Mediated bool `json:"mediated,omitempty"`
}

// JoinRoom enters room as nick (no history) and returns once the room
// confirmed it, or with an error naming the condition once it refused
// (registration-required: a members-only room, not a member).
func (c *Client) JoinRoom(ctx context.Context, room, nick string) error {
	return c.command(ctx, "muc_join", map[string]string{"room": room, "nick": nick}, nil)
}

// ConfigureRoom fetches room's configuration form (XEP-0045 §10.2; the
// client must own the room), sets fields in it by var and submits it; a
// multi-value field takes its values joined by "\n". A room the client has
// just created stays locked until this is done. Members-only with real JIDs
// shown, as OMEMO in a room needs:
//
//	map[string]string{"muc#roomconfig_membersonly": "1", "muc#roomconfig_whois": "anyone"}
//
// A var the form lacks is an error that lists the form's fields.
func (c *Client) ConfigureRoom(ctx context.Context, room string, fields map[string]string) error {
	return c.command(ctx, "muc_config", map[string]any{"room": room, "fields": fields}, nil)
}

// SetAffiliation gives the bare JID j the affiliation ("member", "admin",
// "owner", "outcast" or "none") in room, with xep_0045's set_affiliation:
// a members-only room lets j in after "member".
func (c *Client) SetAffiliation(ctx context.Context, room, j, affiliation string) error {
	return c.command(ctx, "muc_affiliation", map[string]string{"room": room, "jid": j, "affiliation": affiliation}, nil)
}

// Invite sends an invitation and returns once slixmpp wrote it.
func (c *Client) Invite(ctx context.Context, inv Invite) error {
	return c.command(ctx, "invite", inv, nil)
}

// SetRole gives the occupant nick of room the role ("moderator",
// "participant", "visitor", or "none": kicks them), with reason ("" for
// none), by xep_0045's set_role; the client must be a moderator there.
func (c *Client) SetRole(ctx context.Context, room, nick, role, reason string) error {
	return c.command(ctx, "muc_role", map[string]string{"room": room, "nick": nick, "role": role, "reason": reason}, nil)
}
