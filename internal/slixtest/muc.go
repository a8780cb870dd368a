package slixtest

import "context"

// Rooms (XEP-0045) and invitations (XEP-0249, XEP-0045 §7.8) through
// slixmpp's own plugins: the client must be started with Plugins naming
// xep_0045 (and xep_0249 for direct invitations).

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
// confirmed it.
func (c *Client) JoinRoom(ctx context.Context, room, nick string) error {
	return c.command(ctx, "muc_join", map[string]string{"room": room, "nick": nick}, nil)
}

// Invite sends an invitation and returns once slixmpp wrote it.
func (c *Client) Invite(ctx context.Context, inv Invite) error {
	return c.command(ctx, "invite", inv, nil)
}
