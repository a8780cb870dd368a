package xmppclient

import (
	"context"
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
)

// Client State Indication (XEP-0352): the window tells the server when
// nobody is looking at it, and the server may then hold back what is not
// urgent (prosody's mod_csi_simple holds presence updates and chat states,
// not messages with a body) and send it in one go later: fewer wake-ups
// and fewer round trips on a slow link. Only when the server offers the
// urn:xmpp:csi:0 stream feature; never from the command line (not a user
// interface). CSI is a stream feature: nothing in disco#info or caps.

const nsCSI = "urn:xmpp:csi:0"

// csiFeature is an informational feature: it records that the server
// offers CSI (sess.Feature(nsCSI) then tells).
func csiFeature() xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:      xml.Name{Space: nsCSI, Local: "csi"},
		Necessary: xmpp.Authn,
		Parse: func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			return false, true, d.Skip()
		},
	}
}

// SetInactive tells the server that the user is not looking at the
// client (inactive) or is again. The state is kept and told again at each
// login while inactive (a new session starts active). It reports whether
// it went to the server: not when offline (sent at the next login) or
// when the server does not offer CSI.
func (c *Client) SetInactive(ctx context.Context, inactive bool) (bool, error) {
	c.mu.Lock()
	changed := c.inactive != inactive
	c.inactive = inactive
	c.mu.Unlock()
	sess, err := c.session()
	if err != nil || !changed {
		return false, nil
	}
	return c.sendCSI(ctx, sess, inactive)
}

// sendCSI writes <inactive/> or <active/> if the server offers CSI.
func (c *Client) sendCSI(ctx context.Context, sess *xmpp.Session, inactive bool) (bool, error) {
	if _, ok := sess.Feature(nsCSI); !ok {
		return false, nil
	}
	name := "active"
	if inactive {
		name = "inactive"
	}
	if err := sess.Send(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsCSI, Local: name}})); err != nil {
		return false, err
	}
	c.log.Debug("client state told to the server (XEP-0352)", "state", name)
	return true, nil
}

// csiAfterLogin tells a new session that we are inactive, and a resumed
// one our state whatever it is (it may have changed while disconnected).
func (c *Client) csiAfterLogin(ctx context.Context, sess *xmpp.Session, resumed bool) error {
	c.mu.Lock()
	inactive := c.inactive
	c.mu.Unlock()
	if !inactive && !resumed {
		return nil
	}
	_, err := c.sendCSI(ctx, sess, inactive)
	return err
}
