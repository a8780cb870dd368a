package ui

import (
	"net/url"
	"regexp"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// linkPattern finds what a message body shows as a link: web addresses,
// xmpp: URIs, and bare I2P names ("stats.i2p/x", "….b32.i2p"), which people
// write without a scheme. It is a function, not a variable: no package
// state.
func linkPattern() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\bhttps?://[^\s<>"]+|\bxmpp:[^\s<>"]+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.i2p\b(?:[/?#][^\s<>"]*)?`)
}

// linkSpan is a link in a body: its text is body[start:end].
type linkSpan struct{ start, end int }

// mayHaveLinks is a cheap test before the pattern: most bodies have no
// colon and no dot (the 100k-message benchmark's rows pass here).
func mayHaveLinks(body string) bool {
	return strings.ContainsAny(body, ":.")
}

// findLinks returns the links in body, in order. Punctuation that ends a
// sentence is not part of a link ("see https://x.org/a." links to
// https://x.org/a), nor a closing bracket without its opening one.
func (a *Pane) findLinks(body string) []linkSpan {
	if !mayHaveLinks(body) {
		return nil
	}
	if a.links == nil {
		a.links = linkPattern()
	}
	var out []linkSpan
	for _, m := range a.links.FindAllStringIndex(body, -1) {
		s, e := m[0], m[1]
		for e > s {
			c := body[e-1]
			if strings.IndexByte(".,;:!?'\"", c) >= 0 ||
				(c == ')' && strings.Count(body[s:e], "(") < strings.Count(body[s:e], ")")) ||
				(c == ']' && strings.Count(body[s:e], "[") < strings.Count(body[s:e], "]")) {
				e--
				continue
			}
			break
		}
		if e > s && !strings.EqualFold(body[s:e], "xmpp:") {
			out = append(out, linkSpan{s, e})
		}
	}
	return out
}

// bodySegments is body as rich text: plain runs and links, each link
// opened by open with its text.
func bodySegments(body string, links []linkSpan, open func(string)) []widget.RichTextSegment {
	var segs []widget.RichTextSegment
	plain := func(s string) {
		if s != "" {
			segs = append(segs, &widget.TextSegment{Text: s, Style: widget.RichTextStyleInline})
		}
	}
	at := 0
	for _, l := range links {
		plain(body[at:l.start])
		text := body[l.start:l.end]
		u, _ := url.Parse(linkURL(text))
		segs = append(segs, &widget.HyperlinkSegment{Text: text, URL: u, OnTapped: func() { open(text) }})
		at = l.end
	}
	plain(body[at:])
	return segs
}

// linkURL is the address a link's text stands for: a bare I2P name is a
// web address (i2pd's HTTP proxy serves http).
func linkURL(text string) string {
	l := strings.ToLower(text)
	if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "xmpp:") {
		return text
	}
	return "http://" + text
}

// isI2PLink reports whether u names an I2P site: a browser opens it only
// through an I2P HTTP proxy, and would otherwise ask the clearnet's DNS
// for the name.
func isI2PLink(u *url.URL) bool {
	h := strings.ToLower(u.Hostname())
	return h == "i2p" || strings.HasSuffix(h, ".i2p")
}

// openLink is a tap on a link in a message: the user's own act. xmpp:
// links open the chat (or, with ?join, offer to join the room) in Clove;
// an I2P site is not handed to the browser without saying what it needs;
// other web links open in the browser.
func (a *Pane) openLink(text string) {
	raw := linkURL(text)
	u, err := url.Parse(raw)
	if err != nil {
		a.showNotice("This link is not a valid address: " + text)
		return
	}
	if strings.EqualFold(u.Scheme, "xmpp") {
		a.openXMPPLink(u)
		return
	}
	if isI2PLink(u) {
		a.askI2PLink(u)
		return
	}
	a.open(u)
}

// open hands u to the desktop's browser.
func (a *Pane) open(u *url.URL) {
	if err := a.openURL(u); err != nil {
		a.showNotice("Could not open " + u.String() + ": " + err.Error())
	}
}

// askI2PLink says what opening an I2P site needs, and offers to copy it
// instead: a browser not set up for I2P would send the name to the
// clearnet's DNS, in the open.
func (a *Pane) askI2PLink(u *url.URL) {
	var d *dialog.CustomDialog
	msg := widget.NewLabel("This is an I2P address. Your browser must be set up to use I2P's HTTP proxy " +
		"(127.0.0.1:4444 with i2pd) to open it; otherwise it asks the internet's DNS for this name, " +
		"where anyone on the way can see it.\n\n" + u.String())
	msg.Wrapping = fyne.TextWrapWord
	open := widget.NewButton("Open", func() { d.Hide(); a.open(u) })
	open.Importance = widget.HighImportance
	cp := widget.NewButton("Copy link", func() { d.Hide(); a.fa.Clipboard().SetContent(u.String()) })
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons("Open an I2P site?", msg, a.win)
	d.SetButtons([]fyne.CanvasObject{cancel, cp, open})
	d.Resize(fyne.NewSize(480, 240))
	showDialog(a.win, d)
}

// openXMPPLink opens the chat an xmpp: URI names (RFC 5122), or offers to
// join the room when it says ?join.
func (a *Pane) openXMPPLink(u *url.URL) {
	addr := u.Opaque
	if addr == "" {
		addr = strings.TrimPrefix(u.Path, "/")
	}
	addr, _ = url.PathUnescape(addr)
	if !strings.Contains(addr, "@") && !strings.Contains(addr, ".") {
		a.showNotice("This xmpp: link names no address: " + u.String())
		return
	}
	if strings.HasPrefix(u.RawQuery, "join") && a.roomBackend() != nil {
		if a.isRoom(addr) {
			a.openChat(addr)
			return
		}
		a.showJoinRoom(addr, "", false)
		return
	}
	if a.byJID[addr] == nil { // listed like someone who wrote: "Add to contacts"
		a.listStranger(addr)
	}
	a.openChat(addr)
	a.syncSelection()
}
