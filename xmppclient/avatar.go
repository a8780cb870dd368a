package xmppclient

import (
	"context"
	"crypto/sha1" // #nosec G505 -- XEP-0084 and XEP-0153 name avatars by SHA-1
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Avatars: XEP-0084 (User Avatar over PEP) with the vCard fallback of
// XEP-0153/XEP-0054, and XEP-0398 (the server converting between the two).
// This file parses and sends; package chat decides what to fetch, checks
// and keeps it. An avatar is always fetched over XMPP: a metadata <info>
// with a url attribute (an HTTP address the contact chose) is ignored.

const (
	// NSAvatarMetadata and NSAvatarData are XEP-0084's PEP nodes.
	NSAvatarMetadata = "urn:xmpp:avatar:metadata"
	NSAvatarData     = "urn:xmpp:avatar:data"
	nsVCard          = "vcard-temp"
	nsVCardUpdate    = "vcard-temp:x:update"
	// nsVCardConversion: the server turns a PEP avatar into the vCard
	// photo and the presence hash (XEP-0398; prosody's mod_vcard_legacy).
	nsVCardConversion = "urn:xmpp:pep-vcard-conversion:0"
)

// MaxAvatarBytes bounds an avatar's data: announced bigger, it is not
// fetched; received bigger, it is dropped. (One stanza is limited to 1 MiB
// anyway, which its base64 must fit.)
const MaxAvatarBytes = 1 << 20

// ErrAvatarTooLarge: an avatar's data is over MaxAvatarBytes.
var ErrAvatarTooLarge = errors.New("avatar over 1 MiB")

// AvatarAnnounced: a contact (or the account itself) published avatar
// metadata over PEP. ID is the SHA-1 (hex) of the data, "" when the avatar
// was removed; Bytes, Type, Width and Height are what the publisher claims.
type AvatarAnnounced struct {
	JID           jid.JID
	ID            string
	Bytes         int
	Type          string
	Width, Height int
}

// AvatarHinted: a contact's presence named its vCard photo's SHA-1
// (XEP-0153); Hash is "" when it said it has none.
type AvatarHinted struct {
	JID  jid.JID
	Hash string
}

func (AvatarAnnounced) isEvent() {}
func (AvatarHinted) isEvent()    {}

// avatarMetadata is <metadata xmlns='urn:xmpp:avatar:metadata'>.
type avatarMetadata struct {
	XMLName xml.Name `xml:"urn:xmpp:avatar:metadata metadata"`
	Infos   []struct {
		Bytes  string `xml:"bytes,attr"`
		ID     string `xml:"id,attr"`
		Type   string `xml:"type,attr"`
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		URL    string `xml:"url,attr"`
	} `xml:"info"`
}

// vcardUpdate is presence's <x xmlns='vcard-temp:x:update'>: Photo nil
// means "not ready to say" (XEP-0153 §4.3), "" means no photo.
type vcardUpdate struct {
	Photo *string `xml:"photo"`
}

// announced picks the metadata's avatar to fetch: the first <info> served
// over PEP (no url), with a well-formed SHA-1 id.
func (m *avatarMetadata) announced(from jid.JID) (AvatarAnnounced, bool) {
	ev := AvatarAnnounced{JID: from.Bare()}
	if len(m.Infos) == 0 {
		return ev, true // removed
	}
	for _, in := range m.Infos {
		if in.URL != "" || !isSHA1Hex(in.ID) {
			continue
		}
		ev.ID = strings.ToLower(in.ID)
		ev.Bytes, _ = strconv.Atoi(in.Bytes)
		ev.Width, _ = strconv.Atoi(in.Width)
		ev.Height, _ = strconv.Atoi(in.Height)
		ev.Type = in.Type
		return ev, true
	}
	return ev, false
}

func isSHA1Hex(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// AvatarHash is the id of data: its SHA-1 in lower-case hex.
func AvatarHash(data []byte) string {
	sum := sha1.Sum(data) // #nosec G401 -- the XEPs' hash
	return hex.EncodeToString(sum[:])
}

// onAvatarMetadata handles a metadata notification (on the read loop).
func (c *Client) onAvatarMetadata(from jid.JID, ev *pepEvent) {
	if len(ev.Items.Items) == 0 {
		return
	}
	m, err := parseInner(ev.Items.Items[len(ev.Items.Items)-1].Inner, decodeAvatarMetadata)
	if err != nil {
		c.log.Debug("avatar metadata ignored", "from", from, "err", err)
		return
	}
	if a, ok := m.announced(from); ok {
		c.emit(a)
	}
}

func decodeAvatarMetadata(r xml.TokenReader) (*avatarMetadata, error) {
	var m avatarMetadata
	if err := xml.NewTokenDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("avatar metadata: %w", err)
	}
	return &m, nil
}

// onVCardUpdate emits a presence's photo hash, if it gave one.
func (c *Client) onVCardUpdate(from jid.JID, u *vcardUpdate) {
	if u == nil || u.Photo == nil {
		return
	}
	h := strings.ToLower(strings.TrimSpace(*u.Photo))
	if h != "" && !isSHA1Hex(h) {
		return
	}
	c.emit(AvatarHinted{JID: from.Bare(), Hash: h})
}

// decodeBase64 decodes XEP-0084 data or a vCard BINVAL (which is often
// folded over lines), refusing what would exceed MaxAvatarBytes.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if base64.StdEncoding.DecodedLen(len(s)) > MaxAvatarBytes+3 {
		return nil, ErrAvatarTooLarge
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("avatar data is not base64: %w", err)
	}
	if len(b) > MaxAvatarBytes {
		return nil, ErrAvatarTooLarge
	}
	return b, nil
}

// FetchAvatar asks owner's PEP for the avatar data item id (XEP-0084).
// The data is not checked against id: the caller does that.
func (c *Client) FetchAvatar(ctx context.Context, owner jid.JID, id string) ([]byte, error) {
	sess, err := c.session()
	if err != nil {
		return nil, err
	}
	q := xmlstream.Wrap(
		xmlstream.Wrap(
			xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "item"}, Attr: []xml.Attr{xmlAttr("id", id)}}),
			xml.StartElement{Name: xml.Name{Local: "items"}, Attr: []xml.Attr{xmlAttr("node", NSAvatarData)}}),
		xml.StartElement{Name: xml.Name{Space: nsPubsub, Local: "pubsub"}},
	)
	inner, err := c.pubsubIQ(ctx, sess, stanza.IQ{Type: stanza.GetIQ, To: owner.Bare()}, q)
	if err != nil {
		return nil, fmt.Errorf("avatar of %s: %w", owner.Bare(), err)
	}
	if inner == nil {
		return nil, fmt.Errorf("avatar of %s: %w", owner.Bare(), stanza.Error{Type: stanza.Cancel, Condition: stanza.ItemNotFound})
	}
	var d struct {
		XMLName xml.Name `xml:"urn:xmpp:avatar:data data"`
		Data    string   `xml:",chardata"`
	}
	if err := xml.NewTokenDecoder(&tokenList{toks: inner}).Decode(&d); err != nil {
		return nil, fmt.Errorf("avatar of %s: %w", owner.Bare(), err)
	}
	return decodeBase64(d.Data)
}

// FetchVCardPhoto asks for owner's vCard (XEP-0054) and returns its photo
// (nil when it has none) and the type it claims.
func (c *Client) FetchVCardPhoto(ctx context.Context, owner jid.JID) ([]byte, string, error) {
	sess, err := c.session()
	if err != nil {
		return nil, "", err
	}
	var v struct {
		Photo *struct {
			Type   string `xml:"TYPE"`
			BinVal string `xml:"BINVAL"`
		} `xml:"PHOTO"`
	}
	q := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsVCard, Local: "vCard"}})
	if err := sess.UnmarshalIQElement(ctx, q, stanza.IQ{Type: stanza.GetIQ, To: owner.Bare()}, &v); err != nil {
		return nil, "", fmt.Errorf("vCard of %s: %w", owner.Bare(), err)
	}
	if v.Photo == nil || strings.TrimSpace(v.Photo.BinVal) == "" {
		return nil, "", nil
	}
	b, err := decodeBase64(v.Photo.BinVal)
	if err != nil {
		return nil, "", fmt.Errorf("vCard of %s: %w", owner.Bare(), err)
	}
	return b, strings.TrimSpace(v.Photo.Type), nil
}

// AvatarImage is an avatar to publish: the image's bytes (PNG, as Clove
// makes them), its type and size in pixels.
type AvatarImage struct {
	Data          []byte
	Type          string
	Width, Height int
}

// PublishAvatar publishes img as the account's avatar (XEP-0084: data
// first, then the metadata that announces it) and puts it in the vCard
// for clients that only read that (XEP-0153), unless the server converts
// PEP avatars itself (XEP-0398). A nil img removes the avatar. It returns
// the avatar's id.
func (c *Client) PublishAvatar(ctx context.Context, img *AvatarImage) (string, error) {
	sess, err := c.session()
	if err != nil {
		return "", err
	}
	if img == nil {
		meta := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: NSAvatarMetadata, Local: "metadata"}})
		if err := c.publishAs(ctx, sess, NSAvatarMetadata, "", meta); err != nil {
			return "", fmt.Errorf("removing the avatar: %w", err)
		}
		c.vcardPhoto(ctx, sess, nil, "")
		return "", nil
	}
	if len(img.Data) > MaxAvatarBytes {
		return "", ErrAvatarTooLarge
	}
	id := AvatarHash(img.Data)
	data := xmlstream.Wrap(xmlstream.Token(xml.CharData(base64.StdEncoding.EncodeToString(img.Data))),
		xml.StartElement{Name: xml.Name{Space: NSAvatarData, Local: "data"}})
	if err := c.publishAs(ctx, sess, NSAvatarData, id, data); err != nil {
		return "", fmt.Errorf("publishing the avatar's data: %w", err)
	}
	info := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "info"}, Attr: []xml.Attr{
		xmlAttr("bytes", strconv.Itoa(len(img.Data))), xmlAttr("id", id), xmlAttr("type", img.Type),
		xmlAttr("width", strconv.Itoa(img.Width)), xmlAttr("height", strconv.Itoa(img.Height)),
	}})
	meta := xmlstream.Wrap(info, xml.StartElement{Name: xml.Name{Space: NSAvatarMetadata, Local: "metadata"}})
	if err := c.publishAs(ctx, sess, NSAvatarMetadata, id, meta); err != nil {
		return "", fmt.Errorf("publishing the avatar's metadata: %w", err)
	}
	c.vcardPhoto(ctx, sess, img, id)
	return id, nil
}

// vcardPhoto puts img in the vCard for older clients. The avatar is
// published already (PEP): a server without vCards (no mod_vcard, as the
// tests' I2P server) only means old clients do not see it, so it is
// logged, not an error. Once the vCard has it, our presence announces
// its hash (id; "" for none, XEP-0153).
func (c *Client) vcardPhoto(ctx context.Context, sess *xmpp.Session, img *AvatarImage, id string) {
	c.vcardMu.Lock()
	err := c.setVCardPhotoUnlessConverted(ctx, sess, img)
	c.vcardMu.Unlock()
	if err != nil {
		c.log.Info("avatar published over PEP only", "err", err)
		return
	}
	c.setOwnPhoto(ctx, sess, id)
}

// setVCardPhotoUnlessConverted writes img (nil: none) as the vCard's
// photo, keeping the vCard's other fields, when the server does not
// convert PEP avatars to vCards (XEP-0398) itself.
func (c *Client) setVCardPhotoUnlessConverted(ctx context.Context, sess *xmpp.Session, img *AvatarImage) error {
	var info struct {
		Features []struct {
			Var string `xml:"var,attr"`
		} `xml:"feature"`
	}
	err := sess.UnmarshalIQElement(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}),
		stanza.IQ{To: c.JID().Bare(), Type: stanza.GetIQ}, &info)
	if err == nil {
		for _, f := range info.Features {
			if f.Var == nsVCardConversion {
				return nil
			}
		}
	}
	vc, err := getVCard(ctx, sess, jid.JID{})
	if err != nil {
		return fmt.Errorf("reading the vCard: %w", err)
	}
	if vc == nil {
		vc = &vnode{name: xml.Name{Space: nsVCard, Local: "vCard"}}
	}
	// The other fields (the profile's, vcard.go) are written back as read.
	vc.without("PHOTO")
	if img != nil {
		photo := vc.add("PHOTO", "")
		photo.add("TYPE", img.Type)
		photo.add("BINVAL", base64.StdEncoding.EncodeToString(img.Data))
	}
	if err := setIQ(ctx, sess, vc.tokens()); err != nil {
		return fmt.Errorf("writing the vCard: %w", err)
	}
	return nil
}
