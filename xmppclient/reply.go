package xmppclient

import (
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Replies (XEP-0461) and their readable fallback (XEP-0428). A reply
// names the message it answers by id; its body starts with a quote of it
// ("> first words…\n"), marked as a fallback so that a client that knows
// replies shows the quote its own way and the text once.

const (
	nsReply    = "urn:xmpp:reply:0"
	nsFallback = "urn:xmpp:fallback:0"
)

// Reply is what a message answers (XEP-0461).
type Reply struct {
	// To is the author of the message answered (a full or bare JID; in a
	// room, room/nick); "" when the sender did not say.
	To string
	// ID names the message answered: its id for a chat message, the
	// room's stanza-id for a room's.
	ID string
	// Quote is the fallback quote of it the body carried, without the
	// "> " marks ("" when none): what is shown when the original is not
	// at hand.
	Quote string
}

// maxQuote bounds the quote a reply's fallback carries, in runes: a
// reply quotes the first words, not a whole page.
const maxQuote = 120

// replyEl is an incoming <reply/>.
type replyEl struct {
	To string `xml:"to,attr"`
	ID string `xml:"id,attr"`
}

// fallbackEl is an incoming <fallback/> (XEP-0428): which feature the
// fallback text is for and where it lies in the body.
type fallbackEl struct {
	For    string `xml:"for,attr"`
	Bodies []struct {
		Start string `xml:"start,attr"`
		End   string `xml:"end,attr"`
	} `xml:"body"`
}

// replyOf reads a message's reply and strips its fallback from body: the
// ranges a <fallback for='urn:xmpp:reply:0'> names (in code points, as
// XEP-0426 counts) are cut out and kept as the quote. Ranges that do not
// fit the body are ignored (the body is shown whole): bad input loses
// nothing. A reply without an id is no reply.
func replyOf(r *replyEl, fbs []fallbackEl, body string) (*Reply, string) {
	if r == nil || r.ID == "" {
		return nil, body
	}
	out := &Reply{To: r.To, ID: r.ID}
	for _, fb := range fbs {
		if fb.For != nsReply {
			continue
		}
		if len(fb.Bodies) == 0 {
			continue // a whole-body fallback: keep the text rather than show nothing
		}
		runes := []rune(body)
		b := fb.Bodies[0]
		start, err1 := strconv.Atoi(b.Start)
		end, err2 := strconv.Atoi(b.End)
		if err1 != nil || err2 != nil || start < 0 || end <= start || end > len(runes) {
			continue
		}
		out.Quote = unquote(string(runes[start:end]))
		body = string(runes[:start]) + string(runes[end:])
		break
	}
	return out, body
}

// unquote turns "> a\n> b\n" into "a\nb".
func unquote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		l = strings.TrimPrefix(l, ">")
		lines[i] = strings.TrimPrefix(l, " ")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// QuoteFallback is the readable quote a reply's body starts with, for
// clients without replies: "> " before each line of quote (cut to
// maxQuote runes), then a newline. "" for an empty quote.
func QuoteFallback(quote string) string {
	quote = strings.TrimSpace(quote)
	if quote == "" {
		return ""
	}
	if utf8.RuneCountInString(quote) > maxQuote {
		quote = string([]rune(quote)[:maxQuote-1]) + "…"
	}
	var sb strings.Builder
	for _, l := range strings.Split(quote, "\n") {
		sb.WriteString("> ")
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// replyTokens are a reply's elements after the body: <reply to id/> and
// the <fallback/> naming the quote's range in body (fallbackLen runes
// from the start; none when 0).
func replyTokens(r *Reply, fallbackLen int) []xml.Token {
	if r == nil || r.ID == "" {
		return nil
	}
	attrs := []xml.Attr{xmlAttr("id", r.ID)}
	if r.To != "" {
		attrs = append([]xml.Attr{xmlAttr("to", r.To)}, attrs...)
	}
	rep := xml.StartElement{Name: xml.Name{Space: nsReply, Local: "reply"}, Attr: attrs}
	toks := []xml.Token{rep, rep.End()}
	if fallbackLen > 0 {
		fb := xml.StartElement{Name: xml.Name{Space: nsFallback, Local: "fallback"}, Attr: []xml.Attr{xmlAttr("for", nsReply)}}
		b := xml.StartElement{Name: xml.Name{Local: "body"}, Attr: []xml.Attr{xmlAttr("start", "0"), xmlAttr("end", strconv.Itoa(fallbackLen))}}
		toks = append(toks, fb, b, b.End(), fb.End())
	}
	return toks
}

// wireBody is what an outbox entry's <body> says: the quote's fallback,
// then the text; and the fallback's length in runes.
func wireBody(e OutboxEntry) (string, int) {
	if e.Reply == nil {
		return e.Body, 0
	}
	q := QuoteFallback(e.Reply.Quote)
	return q + e.Body, utf8.RuneCountInString(q)
}
