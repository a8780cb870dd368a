package xmppclient

import (
	"bytes"
	"strconv"
)

// streamScanner follows one direction of an XML stream byte by byte and
// reports every element that starts directly below the stream root. Stream
// management (XEP-0198) counts stanzas in both directions, and mellium does
// not expose every stanza it reads or writes (IQ replies are routed to their
// waiters before any handler runs), so Clove counts on the wire instead:
// a small state machine fed from the connection's Read and Write, with no
// goroutine and no buffering beyond the tag being read.
//
// It understands what an XMPP stream may contain: tags with quoted
// attributes (which may hold '>'), character data, CDATA sections, the XML
// declaration and stream restarts (a new <stream:stream> resets the depth).
//
// With a limit, it also bounds what one top-level item may weigh — a
// stanza with everything in it, a run of text or a comment between
// stanzas — while the bytes go by, before the XML decoder above holds
// them: the decoder keeps a whole text (a body) or attribute in memory,
// and what mellium hands Clove is decoded again, so a 100 MB stanza took
// the client to 813 MiB.
type streamScanner struct {
	onTop func(local string, tag []byte)
	limit int64 // bytes in one top-level item; 0: no limit

	size int64 // bytes of the current top-level item so far
	over error // the limit was passed: the stream is refused from here

	state   scanState
	depth   int
	quote   byte
	tag     []byte // the current tag, from '<' to '>', capped
	tagLong bool
	tail    [2]byte // last two bytes seen inside a CDATA section or comment
}

type scanState uint8

const (
	scanText scanState = iota
	scanTag
	scanQuote
	scanCDATA
	scanComment
)

// maxTag bounds memory spent on one tag; top-level stanza tags are short,
// only their name and id are read.
const maxTag = 4096

// feed follows p; once the current top-level item passes the limit it
// returns a *StanzaTooLargeError, and the same error for any later p.
func (s *streamScanner) feed(p []byte) error {
	if s.over != nil {
		return s.over
	}
	for _, b := range p {
		if b == '<' && s.state == scanText && s.depth <= 1 {
			s.size = 0 // a new top-level item (or the stream header) starts
		}
		s.size++
		if s.limit > 0 && s.size > s.limit {
			s.over = &StanzaTooLargeError{Limit: s.limit}
			return s.over
		}
		switch s.state {
		case scanText:
			if b == '<' {
				s.state = scanTag
				s.tag = append(s.tag[:0], b)
				s.tagLong = false
			}
		case scanTag:
			s.push(b)
			switch b {
			case '"', '\'':
				s.quote = b
				s.state = scanQuote
			case '[':
				if bytes.Equal(s.tag, []byte("<![CDATA[")) {
					s.state = scanCDATA
					s.tail = [2]byte{}
				}
			case '-':
				if bytes.Equal(s.tag, []byte("<!--")) {
					s.state = scanComment
					s.tail = [2]byte{}
				}
			case '>':
				s.state = scanText
				s.endTag()
			}
		case scanQuote:
			s.push(b)
			if b == s.quote {
				s.state = scanTag
			}
		case scanCDATA:
			if b == '>' && s.tail == [2]byte{']', ']'} {
				s.state = scanText
			}
			s.tail[0], s.tail[1] = s.tail[1], b
		case scanComment:
			if b == '>' && s.tail == [2]byte{'-', '-'} {
				s.state = scanText
			}
			s.tail[0], s.tail[1] = s.tail[1], b
		}
	}
	return nil
}

func (s *streamScanner) push(b byte) {
	if len(s.tag) < maxTag {
		s.tag = append(s.tag, b)
	} else {
		s.tagLong = true
	}
}

func (s *streamScanner) endTag() {
	t := s.tag
	if len(t) < 2 || t[1] == '?' || t[1] == '!' {
		return
	}
	if t[1] == '/' {
		if s.depth > 0 {
			s.depth--
		}
		return
	}
	selfClosing := !s.tagLong && len(t) >= 3 && t[len(t)-2] == '/'
	name := tagName(t)
	local := name
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		local = name[i+1:]
	}
	if string(local) == "stream" {
		// Stream header, first or after a restart (STARTTLS, SASL).
		s.depth = 1
		return
	}
	if s.depth == 1 && s.onTop != nil {
		s.onTop(string(local), t)
	}
	if !selfClosing {
		s.depth++
	}
}

func tagName(t []byte) []byte {
	t = t[1:]
	for i, b := range t {
		switch b {
		case ' ', '\t', '\r', '\n', '/', '>':
			return t[:i]
		}
	}
	return t
}

// tagAttr returns the value of attribute name in a raw start tag, without
// unescaping (ids Clove generates never need it).
func tagAttr(tag []byte, name string) string {
	i := 0
	for {
		j := bytes.Index(tag[i:], []byte(name+"="))
		if j < 0 {
			return ""
		}
		j += i
		i = j + len(name) + 1
		if j == 0 || !isSpace(tag[j-1]) || i >= len(tag) {
			continue
		}
		q := tag[i]
		if q != '"' && q != '\'' {
			continue
		}
		end := bytes.IndexByte(tag[i+1:], q)
		if end < 0 {
			return ""
		}
		return string(tag[i+1 : i+1+end])
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func isStanza(local string) bool {
	return local == "message" || local == "presence" || local == "iq"
}

// StanzaTooLargeError: the server sent more than Config.MaxStanzaSize bytes
// in one stanza; the connection is dropped (and made again) without reading
// the rest.
type StanzaTooLargeError struct{ Limit int64 }

func (e *StanzaTooLargeError) Error() string {
	return "the server sent a stanza of more than " + sizeText(e.Limit) + "; disconnected"
}

// sizeText writes n bytes the way a user reads it: 1 MiB, 256 KiB, 1000 bytes.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
