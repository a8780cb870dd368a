package omemo

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// NS is OMEMO 0.3's namespace, and the PEP node names built on it.
const (
	NS             = "eu.siacs.conversations.axolotl"
	NodeDeviceList = NS + ".devicelist"
	// NodeBundles is followed by the device id: "…bundles:12345".
	NodeBundles = NS + ".bundles:"
)

// Limits on what is parsed. The stanza holding the element is already
// bounded by the XMPP reader (1 MiB); these keep a hostile but well-formed
// element from costing more than it is worth, and say what was wrong.
const (
	// MaxDevices is the most devices a device list may hold. Deployed
	// accounts have a handful; lists bloated by old clients reach a few
	// hundred.
	MaxDevices = 1000
	// MaxPreKeys is the most one-time pre-keys a bundle may hold (clients
	// publish 100).
	MaxPreKeys = 1000
	// MaxKeys is the most <key> elements an <encrypted> header may hold:
	// one per recipient device.
	MaxKeys = 1000
	// MaxKeySize bounds one encrypted key (a Signal pre-key message holding
	// 32 bytes is about 200 bytes).
	MaxKeySize = 1024
	// MaxPayload bounds the encrypted payload (the stanza limit).
	MaxPayload = 1 << 20
)

// keyLen is the size of a Curve25519 public key; serialized by libsignal
// (and published in bundles) it is preceded by the type byte djbType.
const (
	keyLen  = 32
	djbType = 0x05
)

// DeviceList is a PEP device list: <list xmlns='…axolotl'><device id='…'/></list>.
type DeviceList struct {
	Devices []uint32
}

// PreKey is one published one-time pre-key.
type PreKey struct {
	ID  uint32
	Key [keyLen]byte
}

// Bundle is a device's published key bundle.
type Bundle struct {
	SignedPreKeyID uint32
	SignedPreKey   [keyLen]byte
	Signature      [64]byte // XEdDSA by IdentityKey over 0x05‖SignedPreKey
	IdentityKey    [keyLen]byte
	PreKeys        []PreKey
}

// Key is one recipient device's encrypted copy of the message key.
type Key struct {
	RID    uint32 // recipient device id
	PreKey bool   // Data is a Signal pre-key message (starts a session)
	Data   []byte
}

// Encrypted is an <encrypted> element. A nil Payload makes it a key
// transport message: no text, only session upkeep.
type Encrypted struct {
	SID     uint32 // sender device id
	Keys    []Key
	IV      []byte // 12 bytes when we send; 12 or 16 accepted
	Payload []byte
}

// ErrMalformed is wrapped by every parse error: the element is garbled,
// truncated, too large or not OMEMO 0.3.
var ErrMalformed = errors.New("malformed OMEMO element")

func malformed(what string, args ...any) error {
	return fmt.Errorf("omemo: %s: %w", fmt.Sprintf(what, args...), ErrMalformed)
}

// --- marshalling -----------------------------------------------------

func start(local string, attrs ...string) xml.StartElement {
	s := xml.StartElement{Name: xml.Name{Local: local}}
	for i := 0; i+1 < len(attrs); i += 2 {
		s.Attr = append(s.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	return s
}

// textElement appends <local attrs…>base64(data)</local>.
func textElement(toks []xml.Token, local string, data []byte, attrs ...string) []xml.Token {
	s := start(local, attrs...)
	return append(toks, s, xml.CharData(base64.StdEncoding.EncodeToString(data)), s.End())
}

func serializeKey(k [keyLen]byte) []byte {
	return append([]byte{djbType}, k[:]...)
}

func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// Tokens returns the element as XML tokens, the root in NS.
func (l DeviceList) Tokens() []xml.Token {
	root := start("list")
	root.Name.Space = NS
	toks := []xml.Token{root}
	for _, d := range l.Devices {
		s := start("device", "id", u32(d))
		toks = append(toks, s, s.End())
	}
	return append(toks, root.End())
}

// Tokens returns the element as XML tokens, the root in NS.
func (b *Bundle) Tokens() []xml.Token {
	root := start("bundle")
	root.Name.Space = NS
	toks := []xml.Token{root}
	toks = textElement(toks, "signedPreKeyPublic", serializeKey(b.SignedPreKey), "signedPreKeyId", u32(b.SignedPreKeyID))
	toks = textElement(toks, "signedPreKeySignature", b.Signature[:])
	toks = textElement(toks, "identityKey", serializeKey(b.IdentityKey))
	pks := start("prekeys")
	toks = append(toks, pks)
	for _, pk := range b.PreKeys {
		toks = textElement(toks, "preKeyPublic", serializeKey(pk.Key), "preKeyId", u32(pk.ID))
	}
	return append(toks, pks.End(), root.End())
}

// Tokens returns the element as XML tokens, the root in NS.
func (e *Encrypted) Tokens() []xml.Token {
	root := start("encrypted")
	root.Name.Space = NS
	header := start("header", "sid", u32(e.SID))
	toks := []xml.Token{root, header}
	for _, k := range e.Keys {
		if k.PreKey {
			toks = textElement(toks, "key", k.Data, "prekey", "true", "rid", u32(k.RID))
		} else {
			toks = textElement(toks, "key", k.Data, "rid", u32(k.RID))
		}
	}
	toks = textElement(toks, "iv", e.IV)
	toks = append(toks, header.End())
	if e.Payload != nil {
		toks = textElement(toks, "payload", e.Payload)
	}
	return append(toks, root.End())
}

// tokenSlice reads a slice of tokens, for TokenReader.
type tokenSlice []xml.Token

func (s *tokenSlice) Token() (xml.Token, error) {
	if len(*s) == 0 {
		return nil, io.EOF
	}
	t := (*s)[0]
	*s = (*s)[1:]
	return t, nil
}

// TokenReader returns the element as an xml.TokenReader (what mellium sends).
func (l DeviceList) TokenReader() xml.TokenReader { s := tokenSlice(l.Tokens()); return &s }

// TokenReader returns the element as an xml.TokenReader (what mellium sends).
func (b *Bundle) TokenReader() xml.TokenReader { s := tokenSlice(b.Tokens()); return &s }

// TokenReader returns the element as an xml.TokenReader (what mellium sends).
func (e *Encrypted) TokenReader() xml.TokenReader { s := tokenSlice(e.Tokens()); return &s }

func encodeTokens(enc *xml.Encoder, toks []xml.Token) error {
	for _, t := range toks {
		if err := enc.EncodeToken(t); err != nil {
			return err
		}
	}
	return nil
}

// MarshalXML writes the element (xml.Marshal works on it).
func (l DeviceList) MarshalXML(enc *xml.Encoder, _ xml.StartElement) error {
	return encodeTokens(enc, l.Tokens())
}

// MarshalXML writes the element (xml.Marshal works on it).
func (b *Bundle) MarshalXML(enc *xml.Encoder, _ xml.StartElement) error {
	return encodeTokens(enc, b.Tokens())
}

// MarshalXML writes the element (xml.Marshal works on it).
func (e *Encrypted) MarshalXML(enc *xml.Encoder, _ xml.StartElement) error {
	return encodeTokens(enc, e.Tokens())
}

// --- parsing -----------------------------------------------------------
//
// The parsers walk tokens themselves rather than xml.Decoder.DecodeElement
// into structs: DecodeElement would build a slice of every <device> of a
// 10,000-device list before any check could run, and could not bound each
// text. Walking stops at the first limit crossed.

// parser reads one element from a token reader.
type parser struct {
	r    xml.TokenReader
	what string // the element, for errors
}

// next returns the next token; the end of input inside the element is
// reported as truncation.
func (p *parser) next() (xml.Token, error) {
	t, err := p.r.Token()
	if t != nil {
		// A token reader may return a token together with io.EOF.
		return t, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return nil, malformed("%s: truncated", p.what)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("omemo: %s: %w (%w)", p.what, ErrMalformed, err)
	}
	return nil, fmt.Errorf("omemo: read %s: %w", p.what, err)
}

// root skips to the first start element and checks its name.
func (p *parser) root(local string) (xml.StartElement, error) {
	for {
		t, err := p.next()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if t.Name.Local != local || t.Name.Space != NS {
				return t, malformed("want <%s xmlns='%s'>, got <%s xmlns='%s'>", local, NS, t.Name.Local, t.Name.Space)
			}
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, malformed("%s: end tag before the element", p.what)
		}
	}
}

// child returns the next child start element, or nil at the parent's end.
// Text between children is skipped.
func (p *parser) child() (*xml.StartElement, error) {
	for {
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			return &t, nil
		case xml.EndElement:
			return nil, nil
		}
	}
}

// skip consumes the rest of an element whose start was read.
func (p *parser) skip() error {
	for depth := 1; depth > 0; {
		t, err := p.next()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// base64Text reads the text of an element whose start was read, up to its
// end, and decodes it as base64 of at most max bytes. Whitespace inside is
// ignored (some clients wrap lines).
func (p *parser) base64Text(name string, max int) ([]byte, error) {
	maxEncoded := base64.StdEncoding.EncodedLen(max)
	var sb strings.Builder
	for {
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.CharData:
			for _, c := range t {
				if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
					continue
				}
				if sb.Len() >= maxEncoded {
					return nil, malformed("%s: <%s> is longer than %d bytes", p.what, name, max)
				}
				sb.WriteByte(c)
			}
		case xml.StartElement:
			return nil, malformed("%s: <%s> holds an element", p.what, name)
		case xml.EndElement:
			b, err := base64.StdEncoding.DecodeString(sb.String())
			if err != nil {
				return nil, fmt.Errorf("omemo: %s: <%s> is not base64: %w (%w)", p.what, name, ErrMalformed, err)
			}
			if len(b) > max {
				return nil, malformed("%s: <%s> is longer than %d bytes", p.what, name, max)
			}
			return b, nil
		}
	}
}

// publicKey reads a serialized Curve25519 key: 0x05 and 32 bytes (as
// libsignal publishes it), or the 32 bytes alone.
func (p *parser) publicKey(name string) ([keyLen]byte, error) {
	var k [keyLen]byte
	b, err := p.base64Text(name, keyLen+1)
	if err != nil {
		return k, err
	}
	switch {
	case len(b) == keyLen+1 && b[0] == djbType:
		b = b[1:]
	case len(b) == keyLen:
	default:
		return k, malformed("%s: <%s> is not a Curve25519 public key (%d bytes)", p.what, name, len(b))
	}
	copy(k[:], b)
	return k, nil
}

func attr(s *xml.StartElement, local string) (string, bool) {
	for _, a := range s.Attr {
		if a.Name.Local == local && (a.Name.Space == "" || a.Name.Space == NS) {
			return a.Value, true
		}
	}
	return "", false
}

// idAttr reads a device, pre-key or signed pre-key id: an unsigned 32-bit
// number (device ids are 31-bit, but some clients' are not).
func (p *parser) idAttr(s *xml.StartElement, local string) (uint32, error) {
	v, ok := attr(s, local)
	if !ok {
		return 0, malformed("%s: <%s> has no %s", p.what, s.Name.Local, local)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, malformed("%s: <%s %s='%.20s'> is not a 32-bit number", p.what, s.Name.Local, local, v)
	}
	return uint32(n), nil
}

// ParseDeviceList reads a <list xmlns='eu.siacs.conversations.axolotl'>
// from r: its device ids, duplicates dropped, at most MaxDevices. A device
// id 0 or unparsable is an error (the list is the peer's own; a bad entry
// means a broken publisher).
func ParseDeviceList(r xml.TokenReader) (DeviceList, error) {
	p := &parser{r: r, what: "device list"}
	var l DeviceList
	if _, err := p.root("list"); err != nil {
		return l, err
	}
	seen := map[uint32]bool{}
	for {
		c, err := p.child()
		if err != nil {
			return DeviceList{}, err
		}
		if c == nil {
			return l, nil
		}
		if c.Name.Local != "device" {
			if err := p.skip(); err != nil {
				return DeviceList{}, err
			}
			continue
		}
		id, err := p.idAttr(c, "id")
		if err != nil {
			return DeviceList{}, err
		}
		if id == 0 {
			return DeviceList{}, malformed("device list: device id 0")
		}
		if err := p.skip(); err != nil {
			return DeviceList{}, err
		}
		if seen[id] {
			continue
		}
		if len(l.Devices) == MaxDevices {
			return DeviceList{}, malformed("device list: more than %d devices", MaxDevices)
		}
		seen[id] = true
		l.Devices = append(l.Devices, id)
	}
}

// ParseBundle reads a <bundle xmlns='eu.siacs.conversations.axolotl'> from
// r. It checks the form only; the signature is checked when a session is
// built from it (Account.ProcessBundle).
func ParseBundle(r xml.TokenReader) (*Bundle, error) {
	p := &parser{r: r, what: "bundle"}
	if _, err := p.root("bundle"); err != nil {
		return nil, err
	}
	b := &Bundle{}
	var have struct{ spk, sig, ik bool }
	for {
		c, err := p.child()
		if err != nil {
			return nil, err
		}
		if c == nil {
			break
		}
		switch c.Name.Local {
		case "signedPreKeyPublic":
			if b.SignedPreKeyID, err = p.idAttr(c, "signedPreKeyId"); err != nil {
				return nil, err
			}
			if b.SignedPreKey, err = p.publicKey(c.Name.Local); err != nil {
				return nil, err
			}
			have.spk = true
		case "signedPreKeySignature":
			sig, err := p.base64Text(c.Name.Local, len(b.Signature))
			if err != nil {
				return nil, err
			}
			if len(sig) != len(b.Signature) {
				return nil, malformed("bundle: signature of %d bytes, want %d", len(sig), len(b.Signature))
			}
			copy(b.Signature[:], sig)
			have.sig = true
		case "identityKey":
			if b.IdentityKey, err = p.publicKey(c.Name.Local); err != nil {
				return nil, err
			}
			have.ik = true
		case "prekeys":
			if err := p.preKeys(b); err != nil {
				return nil, err
			}
		default:
			if err := p.skip(); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case !have.spk:
		return nil, malformed("bundle: no signedPreKeyPublic")
	case !have.sig:
		return nil, malformed("bundle: no signedPreKeySignature")
	case !have.ik:
		return nil, malformed("bundle: no identityKey")
	case len(b.PreKeys) == 0:
		return nil, malformed("bundle: no pre-keys")
	}
	return b, nil
}

func (p *parser) preKeys(b *Bundle) error {
	for {
		c, err := p.child()
		if err != nil {
			return err
		}
		if c == nil {
			return nil
		}
		if c.Name.Local != "preKeyPublic" {
			if err := p.skip(); err != nil {
				return err
			}
			continue
		}
		if len(b.PreKeys) == MaxPreKeys {
			return malformed("bundle: more than %d pre-keys", MaxPreKeys)
		}
		var pk PreKey
		if pk.ID, err = p.idAttr(c, "preKeyId"); err != nil {
			return err
		}
		if pk.Key, err = p.publicKey(c.Name.Local); err != nil {
			return err
		}
		b.PreKeys = append(b.PreKeys, pk)
	}
}

// ParseEncrypted reads an <encrypted xmlns='eu.siacs.conversations.axolotl'>
// from r.
func ParseEncrypted(r xml.TokenReader) (*Encrypted, error) {
	p := &parser{r: r, what: "encrypted message"}
	if _, err := p.root("encrypted"); err != nil {
		return nil, err
	}
	e := &Encrypted{}
	var haveHeader bool
	for {
		c, err := p.child()
		if err != nil {
			return nil, err
		}
		if c == nil {
			break
		}
		switch c.Name.Local {
		case "header":
			if haveHeader {
				return nil, malformed("encrypted message: two headers")
			}
			haveHeader = true
			if e.SID, err = p.idAttr(c, "sid"); err != nil {
				return nil, err
			}
			if err := p.header(e); err != nil {
				return nil, err
			}
		case "payload":
			if e.Payload, err = p.base64Text(c.Name.Local, MaxPayload); err != nil {
				return nil, err
			}
		default:
			if err := p.skip(); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case !haveHeader:
		return nil, malformed("encrypted message: no header")
	case len(e.Keys) == 0:
		return nil, malformed("encrypted message: no keys")
	case len(e.IV) != 12 && len(e.IV) != 16:
		return nil, malformed("encrypted message: IV of %d bytes, want 12 or 16", len(e.IV))
	}
	return e, nil
}

func (p *parser) header(e *Encrypted) error {
	for {
		c, err := p.child()
		if err != nil {
			return err
		}
		if c == nil {
			return nil
		}
		switch c.Name.Local {
		case "key":
			if len(e.Keys) == MaxKeys {
				return malformed("encrypted message: more than %d keys", MaxKeys)
			}
			k := Key{}
			if k.RID, err = p.idAttr(c, "rid"); err != nil {
				return err
			}
			if v, ok := attr(c, "prekey"); ok {
				k.PreKey = v == "true" || v == "1"
			}
			if k.Data, err = p.base64Text("key", MaxKeySize); err != nil {
				return err
			}
			if len(k.Data) == 0 {
				return malformed("encrypted message: empty key for device %d", k.RID)
			}
			e.Keys = append(e.Keys, k)
		case "iv":
			if e.IV, err = p.base64Text("iv", 16); err != nil {
				return err
			}
		default:
			if err := p.skip(); err != nil {
				return err
			}
		}
	}
}
