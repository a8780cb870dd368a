package xmppclient

import (
	"context"
	"encoding/xml"

	"mellium.im/xmpp"
	"mellium.im/xmpp/carbons"
	"mellium.im/xmpp/stanza"
)

// enableCarbons is carbons.Enable (XEP-0280), except that it tells when the
// request is written (see iqWritten).
func enableCarbons(ctx context.Context, sess *xmpp.Session) (written <-chan struct{}, answered <-chan error) {
	var v struct{ XMLName xml.Name }
	return iqWritten(ctx, sess, stanza.SetIQ, xml.Name{Space: carbons.NS, Local: "enable"}, &v)
}
