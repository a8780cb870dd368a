package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stanza"
)

// Our own avatar's hash in our presence (XEP-0153 §4.2): every available
// presence carries <x xmlns='vcard-temp:x:update'><photo>SHA1</photo></x>
// (an empty <photo/> when we have no avatar), so clients that read only
// vCards (Pidgin, older Gajim) see it and fetch it. Until the vCard has
// been read at login the x is left out, as §4.2 says: an empty <photo/>
// would tell them the avatar was removed.

// ownPhoto is what our presence says of our avatar. The zero value is
// "not known yet": no x at all.
type ownPhoto struct {
	known bool
	hash  string // "" when known: no avatar
}

// element is the presence's x for p; nil when not known.
func (p ownPhoto) element() xml.TokenReader {
	if !p.known {
		return nil
	}
	var inner xml.TokenReader
	if p.hash != "" {
		inner = xmlstream.Token(xml.CharData(p.hash))
	}
	photo := xmlstream.Wrap(inner, xml.StartElement{Name: xml.Name{Local: "photo"}})
	return xmlstream.Wrap(photo, xml.StartElement{Name: xml.Name{Space: nsVCardUpdate, Local: "x"}})
}

// learnOwnPhoto reads our vCard's photo and, when its hash differs from
// what our presence said, sends the presence again with it. A vCard that
// cannot be read (a server without vCards) leaves the hash unknown: the
// presence goes without the x.
func (c *Client) learnOwnPhoto(ctx context.Context, sess *xmpp.Session) {
	hash, err := c.ownPhotoHash(ctx, sess)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Info("own vCard not read: presence without an avatar hash", "err", err)
		}
		return
	}
	c.setOwnPhoto(ctx, sess, hash)
}

// setOwnPhoto records hash ("" none) as our avatar's and sends our
// presence again when that changes it.
func (c *Client) setOwnPhoto(ctx context.Context, sess *xmpp.Session, hash string) {
	c.mu.Lock()
	c.photo = ownPhoto{known: true, hash: hash}
	c.mu.Unlock()
	if c.cfg.Passive {
		return
	}
	if err := c.applyPresence(ctx, sess, false); err != nil && ctx.Err() == nil {
		c.log.Info("presence with the new avatar hash not sent", "err", err)
	}
}

// ownPhotoHash is the SHA-1 of our vCard's photo ("" for none or no
// vCard).
func (c *Client) ownPhotoHash(ctx context.Context, sess *xmpp.Session) (string, error) {
	var v struct {
		Photo *struct {
			BinVal string `xml:"BINVAL"`
		} `xml:"PHOTO"`
	}
	q := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsVCard, Local: "vCard"}})
	err := sess.UnmarshalIQElement(ctx, q, stanza.IQ{Type: stanza.GetIQ}, &v)
	var se stanza.Error
	if errors.As(err, &se) && se.Condition == stanza.ItemNotFound {
		return "", nil // no vCard yet: no avatar
	}
	if err != nil {
		return "", err
	}
	if v.Photo == nil || strings.TrimSpace(v.Photo.BinVal) == "" {
		return "", nil
	}
	b, err := decodeBase64(v.Photo.BinVal)
	if err != nil {
		return "", err
	}
	return AvatarHash(b), nil
}
