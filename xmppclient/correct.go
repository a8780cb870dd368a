package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"mellium.im/xmpp/jid"
)

// Last message correction (XEP-0308): a message that replaces the text of
// an earlier one, named by its id. Whether a correction may apply (the
// same sender, a message of theirs) is decided where the original is
// known: the store (store.Message.Replaces).

const nsCorrect = "urn:xmpp:message-correct:0"

// SendCorrection accepts a correction of our message replaces (its id,
// which is also its origin-id) to to: like Send (durable first, then sent;
// encrypted when messages to to are), with <replace/> naming it. The
// returned id is the correction's own.
func (c *Client) SendCorrection(ctx context.Context, to jid.JID, replaces, body string) (string, error) {
	if replaces == "" {
		return "", errors.New("no message to correct")
	}
	if to.Domainpart() == "" {
		return "", fmt.Errorf("%q is not a valid address", to.String())
	}
	if body == "" {
		return "", errors.New("empty message")
	}
	e := OutboxEntry{ID: randomID(), To: to.String(), Body: body, Created: time.Now().UTC(), Replace: replaces}
	return c.enqueueAndSend(ctx, e)
}

// replaceTokens is the <replace id='…'/> of a correction, or nothing.
func replaceTokens(id string) []xml.Token {
	if id == "" {
		return nil
	}
	r := xml.StartElement{Name: xml.Name{Space: nsCorrect, Local: "replace"}, Attr: []xml.Attr{xmlAttr("id", id)}}
	return []xml.Token{r, r.End()}
}
