package main

import "strings"

// actionLine is how a terminal line shows a message body from who: an
// action (XEP-0245, a body starting with "/me ") as "* who rest", as
// Gajim and Dino show it; any other body as "who: body". Both escaped.
// --json keeps the body as sent.
func actionLine(who, body string) string {
	if rest, ok := strings.CutPrefix(body, "/me "); ok {
		return "* " + termText(who) + " " + termText(rest)
	}
	return termText(who) + ": " + termText(body)
}
