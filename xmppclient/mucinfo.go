package xmppclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// A room's information (XEP-0045 §6.4): its disco#info — identity name,
// features (muc_public/muc_hidden, muc_open/muc_membersonly,
// muc_moderated, muc_nonanonymous/muc_semianonymous, muc_persistent,
// muc_passwordprotected, the archive's urn:xmpp:mam:2) and the
// muc#roominfo form (description, subject, occupants, language). Asked of
// the room itself, over the account's own stream: safe in I2P mode.

// RoomDetails is what a room says of itself.
type RoomDetails struct {
	Room        jid.JID
	Name        string
	Description string
	Subject     string
	Language    string
	Occupants   int // -1: not said
	// Settings, as its features say them.
	Public, MembersOnly, Moderated, PasswordProtected, Persistent bool
	// AddressesShown: everyone sees everyone's real address
	// (non-anonymous); else only moderators do (semi-anonymous).
	AddressesShown bool
	// Archived: the room keeps an archive of messages (XEP-0313).
	Archived bool
}

// maxInfoText bounds each text a room sends of itself (a hostile room
// could send megabytes).
const maxInfoText = 2048

// RoomDetails asks room for its information.
func (c *Client) RoomDetails(ctx context.Context, room jid.JID) (RoomDetails, error) {
	d := RoomDetails{Room: room.Bare(), Occupants: -1}
	sess, err := c.session()
	if err != nil {
		return d, err
	}
	if d.Room.Localpart() == "" {
		return d, fmt.Errorf("%s is not a room address (expected room@service)", d.Room)
	}
	info, err := discoInfoOf(ctx, sess, d.Room)
	var se stanza.Error
	switch {
	case errors.As(err, &se) && se.Condition == stanza.ItemNotFound:
		return d, fmt.Errorf("the room %s does not exist", d.Room)
	case errors.As(err, &se) && se.Condition == stanza.Gone:
		return d, errors.New(goneText(d.Room, errorText(se)))
	case err != nil:
		return d, fmt.Errorf("asking %s about itself: %w", d.Room, err)
	}
	for _, id := range info.Identity {
		if id.Category == "conference" && d.Name == "" {
			d.Name = clipTo(id.Name, maxInfoText)
		}
	}
	fs := info.features()
	d.Public = slices.Contains(fs, "muc_public")
	d.MembersOnly = slices.Contains(fs, "muc_membersonly")
	d.Moderated = slices.Contains(fs, "muc_moderated")
	d.PasswordProtected = slices.Contains(fs, "muc_passwordprotected")
	d.Persistent = slices.Contains(fs, "muc_persistent")
	d.AddressesShown = slices.Contains(fs, featNonAnonymous)
	d.Archived = slices.Contains(fs, nsMAM)
	for i := range info.Forms {
		f := &info.Forms[i]
		if v := f.value("muc#roominfo_description"); v != "" {
			d.Description = clipTo(v, maxInfoText)
		}
		if v := f.value("muc#roominfo_subject"); v != "" {
			d.Subject = clipTo(v, maxInfoText)
		}
		if v := f.value("muc#roominfo_lang"); v != "" {
			d.Language = clipTo(v, maxInfoText)
		}
		if v := f.value("muc#roomconfig_roomname"); v != "" && d.Name == "" {
			d.Name = clipTo(v, maxInfoText)
		}
		if n, err := strconv.Atoi(strings.TrimSpace(f.value("muc#roominfo_occupants"))); err == nil && n >= 0 {
			d.Occupants = n
		}
	}
	return d, nil
}
