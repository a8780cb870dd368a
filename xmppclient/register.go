package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stanza"
)

// In-band registration (XEP-0077), which mellium lacks as a client: after
// STARTTLS, and instead of SASL, the client sets username and password in
// the jabber:iq:register namespace.

const (
	nsRegisterFeature = "http://jabber.org/features/iq-register"
	nsRegister        = "jabber:iq:register"
)

// RegisterError explains why the server refused to create the account.
type RegisterError struct {
	Condition stanza.Condition
	Text      string
}

func (e *RegisterError) Error() string {
	switch e.Condition {
	case stanza.Conflict:
		return "that name is already taken on this server"
	case stanza.NotAllowed, stanza.Forbidden:
		return "this server does not allow creating accounts here"
	case stanza.NotAcceptable, stanza.BadRequest:
		if e.Text != "" {
			return "the server did not accept the registration: " + e.Text
		}
		return "the server did not accept the name or password"
	}
	if e.Text != "" {
		return "registration failed: " + e.Text
	}
	return "registration failed: " + string(e.Condition)
}

// ErrNoRegistration: the server does not offer in-band registration.
var ErrNoRegistration = errors.New("this server does not offer account registration (XEP-0077)")

// Register creates the account cfg.JID with cfg.Password on its server. The
// connection goes through cfg.Dial and the same certificate policy as login.
func Register(ctx context.Context, cfg Config) error {
	c, err := New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	conn, err := cfg.Dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Drain events (certificate pinning) into the caller's log.
	v := &verifier{host: c.cfg.JID.Domainpart(), want: c.cfg.Pin, pins: cfg.Pins, trust: cfg.Trust, ctx: ctx,
		emit: func(ev Event) {
			if p, ok := ev.(CertPinned); ok && !p.Known {
				c.log.Info("certificate pinned", "host", p.Host, "sha256", p.Fingerprint)
			}
		}}
	done := false
	var failed error
	guard := &readGuard{}
	features := []xmpp.StreamFeature{
		registerFeature(c.cfg.JID.Localpart(), cfg.Password, &done),
		// Known but not negotiated: lets negotiation end cleanly (and
		// Register say so) when registration is not offered.
		xmpp.StreamFeature{
			Name:      xml.Name{Space: "urn:ietf:params:xml:ns:xmpp-sasl", Local: "mechanisms"},
			Necessary: xmpp.Secure,
			Parse: func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
				return false, nil, d.Skip()
			},
		},
	}
	var sess *xmpp.Session
	if c.cfg.DirectTLS || isDirectTLS(conn) {
		var rw net.Conn
		if rw, err = directTLS(ctx, conn, v.config(), &c.sm, guard, c.cfg.MaxStanzaSize); err == nil {
			sess, err = newDirectTLSSession(ctx, c.cfg.JID, rw, features...)
		}
	} else {
		sess, err = xmpp.NewClientSession(ctx, c.cfg.JID, conn,
			append([]xmpp.StreamFeature{startTLS(v.config(), &c.sm, &failed, nil, guard, c.cfg.MaxStanzaSize)}, features...)...)
	}
	if err == nil && failed != nil {
		err = failed
	}
	if err == nil && !done {
		_ = sess.Close()
		return ErrNoRegistration
	}
	if err == nil && sess.State()&xmpp.Secure == 0 {
		err = errors.New("the server did not offer an encrypted connection (STARTTLS is required)")
	}
	if err != nil {
		if failed != nil {
			err = failed
		}
		if tooLarge := guard.err(); tooLarge != nil {
			return tooLarge
		}
		var re *RegisterError
		if errors.As(err, &re) {
			return re
		}
		return explainLogin(c.cfg.JID.Domainpart(), err)
	}
	_ = sess.Close()
	if !done {
		return ErrNoRegistration
	}
	return nil
}

// iqReply is the reply to an IQ sent during stream negotiation, with its
// payload decoded into P.
type iqReply[P any] struct {
	ID      string        `xml:"id,attr"`
	Type    string        `xml:"type,attr"`
	Error   *stanza.Error `xml:"error"`
	Payload P             `xml:",any"`
}

// negotiationIQ sends an IQ set with payload while a stream feature holds
// the session (before Serve runs, so mellium's IQ tracking is not there)
// and reads elements until the matching reply.
func negotiationIQ[P any](s *xmpp.Session, payload xml.TokenReader) (iqReply[P], error) {
	w := s.TokenWriter()
	defer w.Close()
	id := randomID()
	if _, err := xmlstream.Copy(w, stanza.IQ{ID: id, Type: stanza.SetIQ}.Wrap(payload)); err != nil {
		return iqReply[P]{}, err
	}
	if err := w.Flush(); err != nil {
		return iqReply[P]{}, err
	}
	r := s.TokenReader()
	defer r.Close()
	d := xml.NewTokenDecoder(r)
	for {
		tok, err := d.Token()
		if err != nil {
			return iqReply[P]{}, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var reply iqReply[P]
		if err := d.DecodeElement(&reply, &start); err != nil {
			return iqReply[P]{}, err
		}
		if start.Name.Local == "iq" && reply.ID == id {
			return reply, nil
		}
	}
}

func textElement(local, text string) xml.TokenReader {
	return xmlstream.Wrap(xmlstream.Token(xml.CharData(text)), xml.StartElement{Name: xml.Name{Local: local}})
}

func registerFeature(user, password string, done *bool) xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:       xml.Name{Space: nsRegisterFeature, Local: "register"},
		Necessary:  xmpp.Secure,
		Prohibited: xmpp.Authn,
		Parse: func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			return true, nil, d.Skip()
		},
		Negotiate: func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
			payload := xmlstream.Wrap(xmlstream.MultiReader(
				textElement("username", user),
				textElement("password", password),
			), xml.StartElement{Name: xml.Name{Space: nsRegister, Local: "query"}})
			reply, err := negotiationIQ[struct{}](s, payload)
			if err != nil {
				return 0, nil, err
			}
			if reply.Type == "result" {
				*done = true
				return xmpp.Ready | xmpp.Authn, nil, nil
			}
			if reply.Error != nil {
				return 0, nil, &RegisterError{Condition: reply.Error.Condition, Text: errorText(*reply.Error)}
			}
			return 0, nil, fmt.Errorf("unexpected registration reply of type %q", reply.Type)
		},
	}
}
