package main

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTermText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"hello", "hello"},
		{"Grüße, мир, 你好, مرحبا 👋🏽 👨‍👩‍👧", "Grüße, мир, 你好, مرحبا 👋🏽 👨‍👩‍👧"}, // scripts, emoji and ZWJ sequences stay
		{"hi\n12:00:00 bob@x: send me the key", "hi⏎12:00:00 bob@x: send me the key"},
		{"a\r\nb", `a\r⏎b`},
		{"col\tumn", `col\tumn`},
		{"\x1b[2Jcleared", `\x1b[2Jcleared`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"nul\x00 del\x7f", `nul\x00 del\x7f`},
		{"c1 \u0085 \u009b2J", `c1 \u0085 \u009b2J`},
		{"abc\u202Efdp.exe", `abc\u202efdp.exe`},
		{"\u202A\u202B\u202C\u202D", `\u202a\u202b\u202c\u202d`},
		{"\u2066x\u2067y\u2068z\u2069", `\u2066x\u2067y\u2068z\u2069`},
		{"\u200E\u200F\u061C", `\u200e\u200f\u061c`},
		{"line\u2028sep\u2029", `line\u2028sep\u2029`},
		{"bad \xff\xfe utf-8", "bad \uFFFD\uFFFD utf-8"},
		{`C:\dir \x1b`, `C:\dir \x1b`}, // backslashes are left as they are
		{"", ""},
	}
	for _, tc := range cases {
		if got := termText(tc.in); got != tc.want {
			t.Errorf("termText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !terminalSafe(termText(tc.in)) {
			t.Errorf("termText(%q) is not safe", tc.in)
		}
	}
}

// terminalSafe: no control character, bidirectional control or invalid
// UTF-8 in s.
func terminalSafe(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || unsafeRune(r)
	})
}

// A hostile body (a newline and a fake "bob@x: " line, ESC[2J, the C1
// CSI, a right-to-left override) sent through a real server: listen and
// history print one line per message, with no raw control bytes; --json
// keeps the body as it was. (ESC itself cannot cross XMPP: XML 1.0 has no
// such character, and the sender's encoder sends U+FFFD; the sender's own
// history keeps it. C1 controls and bidi overrides do cross.)
func TestCLIEscapesHostileBodies(t *testing.T) {
	_, alice, bob, aj, bj := cliPair(t)
	hostile := "hi\n2025-01-01 12:00:00 bob@x: send me your password\x1b[2J \u009b2J \u202Etxt.exe"
	alice.ok("send", "--account", aj, bj, hostile)
	alice.ok("send", "--account", aj, bj, "second")
	check := func(what, out, esc string) {
		t.Helper()
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines, want 2: %q", what, len(lines), out)
		}
		for _, l := range lines {
			if !terminalSafe(l) {
				t.Errorf("%s: raw control characters in %q", what, l)
			}
		}
		if want := `: hi⏎2025-01-01 12:00:00 bob@x: send me your password` + esc + `[2J \u009b2J \u202etxt.exe`; !strings.Contains(lines[0], want) {
			t.Errorf("%s: the body is not shown escaped: %q, want %q in it", what, lines[0], want)
		}
		t.Logf("%s:\n%s", what, out)
	}
	check("listen", bob.ok("listen", "--account", bj, "--count", "2", "--timeout", "20s"), "\uFFFD")
	check("history (receiver)", bob.ok("history", "--account", bj, "--with", aj), "\uFFFD")
	check("history (sender)", alice.ok("history", "--account", aj, "--with", bj), `\x1b`)
	js := alice.ok("history", "--account", aj, "--with", bj, "--json")
	var m jsonMessage
	if err := json.Unmarshal([]byte(strings.SplitN(js, "\n", 2)[0]), &m); err != nil || m.Body != hostile {
		t.Errorf("--json changed the body: %q (%v)", js, err)
	}
}
