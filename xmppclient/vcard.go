package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// Profiles: the text fields of a vCard (XEP-0054) as Gajim's Profile
// window and Dino's contact details show them. Always an XMPP query to
// the contact's bare JID, never an HTTP fetch (the URL field is only
// shown). Writing one's own reads the vCard first and changes only the
// fields asked for, so the PHOTO (the avatar's copy, avatar.go) and
// everything Clove does not edit stay.

// Profile is a vCard's fields that Clove shows and edits ("" absent).
type Profile struct {
	FullName string `json:"fullname,omitempty"`
	Nickname string `json:"nickname,omitempty"`
	Birthday string `json:"birthday,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	URL      string `json:"url,omitempty"`
	Org      string `json:"org,omitempty"`
	Role     string `json:"role,omitempty"`
	Locality string `json:"locality,omitempty"`
	Country  string `json:"country,omitempty"`
	Note     string `json:"note,omitempty"`
	// Cut names the fields that were longer than their bound and are
	// shown cut (MaxProfileField, MaxProfileNote).
	Cut []string `json:"cut,omitempty"`
}

// Bounds on a profile field, in characters: a longer one read from the
// network is cut (and named in Profile.Cut); a longer one to write is
// refused.
const (
	MaxProfileField = 500
	MaxProfileNote  = 4000
)

// ErrNoProfile: the account or contact has published no vCard.
var ErrNoProfile = errors.New("no profile published")

// ErrNoProfileService: the server answered that it keeps no vCards
// (service-unavailable or feature-not-implemented: prosody without
// mod_vcard, as Clove's own I2P test server).
var ErrNoProfileService = errors.New("the server does not keep profiles (vcard-temp)")

// profileServiceErr words a refusal that means "no vCards here".
func profileServiceErr(err error) error {
	var se stanza.Error
	if errors.As(err, &se) && (se.Condition == stanza.ServiceUnavailable || se.Condition == stanza.FeatureNotImplemented) {
		return ErrNoProfileService
	}
	return err
}

// ProfileField names a field: Key for the command line and JSON, Label
// for people.
type ProfileField struct {
	Key, Label string
}

// ProfileFields lists the fields in the order they are shown.
func ProfileFields() []ProfileField {
	return []ProfileField{
		{"fullname", "Full name"}, {"nickname", "Nickname"}, {"birthday", "Birthday"},
		{"email", "E-mail"}, {"phone", "Phone"}, {"url", "Website"},
		{"org", "Organisation"}, {"role", "Role"},
		{"locality", "City"}, {"country", "Country"}, {"note", "About"},
	}
}

// Field returns the field named key, or nil for an unknown key.
func (p *Profile) Field(key string) *string {
	switch key {
	case "fullname":
		return &p.FullName
	case "nickname":
		return &p.Nickname
	case "birthday":
		return &p.Birthday
	case "email":
		return &p.Email
	case "phone":
		return &p.Phone
	case "url":
		return &p.URL
	case "org":
		return &p.Org
	case "role":
		return &p.Role
	case "locality":
		return &p.Locality
	case "country":
		return &p.Country
	case "note":
		return &p.Note
	}
	return nil
}

// Empty reports whether no field is set.
func (p Profile) Empty() bool {
	for _, f := range ProfileFields() {
		if *p.Field(f.Key) != "" {
			return false
		}
	}
	return true
}

// fieldBound is key's bound in characters.
func fieldBound(key string) int {
	if key == "note" {
		return MaxProfileNote
	}
	return MaxProfileField
}

// vcardPath is where a field lives in the vCard: a top-level element
// (sub == "") or a child of the first such element that has one.
type vcardPath struct {
	top, sub string
	// also: other top-level names read as this field (mod_vcard_legacy
	// answers DESC as NOTE), removed when it is written.
	also []string
	// marker: children a new top element gets (EMAIL's INTERNET).
	marker []string
}

func pathOf(key string) vcardPath {
	switch key {
	case "fullname":
		return vcardPath{top: "FN"}
	case "nickname":
		return vcardPath{top: "NICKNAME"}
	case "birthday":
		return vcardPath{top: "BDAY"}
	case "email":
		return vcardPath{top: "EMAIL", sub: "USERID", marker: []string{"INTERNET"}}
	case "phone":
		return vcardPath{top: "TEL", sub: "NUMBER"}
	case "url":
		return vcardPath{top: "URL"}
	case "org":
		return vcardPath{top: "ORG", sub: "ORGNAME"}
	case "role":
		return vcardPath{top: "ROLE"}
	case "locality":
		return vcardPath{top: "ADR", sub: "LOCALITY"}
	case "country":
		return vcardPath{top: "ADR", sub: "CTRY"}
	}
	return vcardPath{top: "DESC", also: []string{"NOTE"}}
}

// profileOf reads the fields from a vCard, cutting long ones.
func profileOf(vc *vnode) Profile {
	var p Profile
	if vc == nil {
		return p
	}
	for _, f := range ProfileFields() {
		v := strings.TrimSpace(pathOf(f.Key).read(vc))
		if n := fieldBound(f.Key); utf8.RuneCountInString(v) > n {
			v = string([]rune(v)[:n]) + "…"
			p.Cut = append(p.Cut, f.Key)
		}
		*p.Field(f.Key) = v
	}
	return p
}

func (pa vcardPath) read(vc *vnode) string {
	for _, k := range vc.kids {
		switch {
		case pa.sub == "" && (k.name.Local == pa.top || contains(pa.also, k.name.Local)):
			if strings.TrimSpace(k.text) != "" {
				return k.text
			}
		case pa.sub != "" && k.name.Local == pa.top:
			if t := k.childText(pa.sub); strings.TrimSpace(t) != "" {
				return t
			}
		}
	}
	return ""
}

// write sets the field to v ("" removes it) in vc.
func (pa vcardPath) write(vc *vnode, v string) {
	if pa.sub == "" {
		vc.without(append([]string{pa.top}, pa.also...)...)
		if v != "" {
			vc.add(pa.top, v)
		}
		return
	}
	// The element the field is read from, else the first of its kind.
	var el *vnode
	for _, k := range vc.kids {
		if k.name.Local != pa.top {
			continue
		}
		if el == nil || strings.TrimSpace(k.childText(pa.sub)) != "" {
			el = k
			if strings.TrimSpace(k.childText(pa.sub)) != "" {
				break
			}
		}
	}
	if el == nil {
		if v == "" {
			return
		}
		el = vc.add(pa.top, "")
		for _, m := range pa.marker {
			el.add(m, "")
		}
	}
	el.without(pa.sub)
	if v != "" {
		el.add(pa.sub, v)
		return
	}
	for _, k := range el.kids {
		if strings.TrimSpace(k.text) != "" {
			return // other parts of it stay (ORGUNIT, STREET…)
		}
	}
	vc.kids = deleteNode(vc.kids, el)
}

func deleteNode(ns []*vnode, n *vnode) []*vnode {
	out := ns[:0]
	for _, k := range ns {
		if k != n {
			out = append(out, k)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// CheckProfileChange says what is wrong with setting key to v: an
// unknown field, a value over its bound, a control character.
func CheckProfileChange(key, v string) error {
	var p Profile
	if p.Field(key) == nil {
		return fmt.Errorf("unknown profile field %q (fields: %s)", key, fieldKeys())
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s: not valid UTF-8", key)
	}
	if n := fieldBound(key); utf8.RuneCountInString(v) > n {
		return fmt.Errorf("%s: over %d characters", key, n)
	}
	for _, r := range v {
		if r < 0x20 && !(key == "note" && (r == '\n' || r == '\t')) || r == 0x7f {
			return fmt.Errorf("%s: control character %U", key, r)
		}
	}
	return nil
}

func fieldKeys() string {
	var ks []string
	for _, f := range ProfileFields() {
		ks = append(ks, f.Key)
	}
	return strings.Join(ks, ", ")
}

// FetchProfile asks for owner's vCard (the account's own when owner is
// the zero JID) and returns its fields; ErrNoProfile when there is none.
func (c *Client) FetchProfile(ctx context.Context, owner jid.JID) (Profile, error) {
	sess, err := c.session()
	if err != nil {
		return Profile{}, err
	}
	vc, err := getVCard(ctx, sess, owner)
	if err != nil {
		return Profile{}, fmt.Errorf("profile of %s: %w", c.profileOwner(owner), profileServiceErr(err))
	}
	if vc == nil {
		return Profile{}, ErrNoProfile
	}
	p := profileOf(vc)
	if len(p.Cut) > 0 {
		c.log.Info("profile fields cut to their bound", "jid", c.profileOwner(owner), "fields", p.Cut)
	}
	return p, nil
}

func (c *Client) profileOwner(owner jid.JID) jid.JID {
	if owner.Equal(jid.JID{}) {
		return c.JID().Bare()
	}
	return owner.Bare()
}

// SetProfile changes the account's own vCard: each key of changes (a
// ProfileFields key) gets its value, "" removing it; everything else in
// the vCard (the PHOTO above all) is written back as it was read. It
// returns the profile as written.
func (c *Client) SetProfile(ctx context.Context, changes map[string]string) (Profile, error) {
	for k, v := range changes {
		if err := CheckProfileChange(k, v); err != nil {
			return Profile{}, err
		}
	}
	sess, err := c.session()
	if err != nil {
		return Profile{}, err
	}
	c.vcardMu.Lock() // the avatar's write of the same vCard waits
	defer c.vcardMu.Unlock()
	vc, err := getVCard(ctx, sess, jid.JID{})
	if err != nil {
		return Profile{}, fmt.Errorf("reading your vCard: %w", profileServiceErr(err))
	}
	if vc == nil {
		vc = &vnode{name: xml.Name{Space: nsVCard, Local: "vCard"}}
	}
	for _, f := range ProfileFields() { // a fixed order: ADR's parts land alike
		if v, ok := changes[f.Key]; ok {
			pathOf(f.Key).write(vc, strings.TrimSpace(v))
		}
	}
	if err := setIQ(ctx, sess, vc.tokens()); err != nil {
		return Profile{}, fmt.Errorf("writing your vCard: %w", profileServiceErr(err))
	}
	return profileOf(vc), nil
}

// getVCard fetches to's vCard (the zero JID: our own) as a tree; nil,
// nil when there is none (item-not-found, or a result without one).
func getVCard(ctx context.Context, sess *xmpp.Session, to jid.JID) (*vnode, error) {
	iq := stanza.IQ{Type: stanza.GetIQ}
	if !to.Equal(jid.JID{}) {
		iq.To = to.Bare()
	}
	q := xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsVCard, Local: "vCard"}})
	resp, err := sess.SendIQ(ctx, iq.Wrap(q))
	if err != nil {
		return nil, err
	}
	defer resp.Close()
	var r struct {
		Type  string        `xml:"type,attr"`
		Error *stanza.Error `xml:"error"`
		VCard *vcardElem    `xml:"vcard-temp vCard"`
	}
	if err := xml.NewTokenDecoder(resp).Decode(&r); err != nil {
		return nil, err
	}
	if r.Type == "error" {
		if r.Error == nil {
			return nil, errors.New("the server refused it")
		}
		if r.Error.Condition == stanza.ItemNotFound {
			return nil, nil
		}
		return nil, *r.Error
	}
	if r.VCard == nil {
		return nil, nil // a result without a vCard
	}
	return r.VCard.n, r.VCard.err
}

// vcardElem decodes a vCard into a tree. A malformed one is kept as its
// error rather than failing the decoding of the whole IQ (whose error, if
// it is one, says more).
type vcardElem struct {
	n   *vnode
	err error
}

func (v *vcardElem) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	// Whole first (the stanza is at most MaxStanzaSize), so a tree cut
	// short still leaves the decoder after the vCard.
	toks, err := collect(d, start)
	if err != nil {
		return err
	}
	v.n, v.err = decodeVNode(&tokenList{toks: toks[1:]}, start)
	return nil
}

// setIQ sends payload in an IQ set to our own account and waits for the
// answer: nil for a result, the stanza error for an error.
func setIQ(ctx context.Context, sess *xmpp.Session, payload xml.TokenReader) error {
	return setIQTo(ctx, sess, jid.JID{}, payload)
}

// setIQTo is setIQ to the address to (zero: our own account).
func setIQTo(ctx context.Context, sess *xmpp.Session, to jid.JID, payload xml.TokenReader) error {
	resp, err := sess.SendIQ(ctx, stanza.IQ{To: to, Type: stanza.SetIQ}.Wrap(payload))
	if err != nil {
		return err
	}
	defer resp.Close()
	var r struct {
		Type  string        `xml:"type,attr"`
		Error *stanza.Error `xml:"error"`
	}
	if err := xml.NewTokenDecoder(resp).Decode(&r); err != nil {
		return err
	}
	if r.Type == "error" {
		if r.Error != nil {
			return *r.Error
		}
		return errors.New("the server refused it")
	}
	return nil
}
