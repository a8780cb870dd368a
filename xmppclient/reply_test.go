package xmppclient

import (
	"encoding/xml"
	"strings"
	"testing"
)

// A reply's fallback is cut from the body only where it fits: the ranges
// count code points (XEP-0426), and a range that does not fit the body
// leaves it whole (bad input loses nothing).
func TestReplyOf(t *testing.T) {
	for _, tc := range []struct {
		name, xml     string
		wantID, quote string
		body          string
		wantNoReply   bool
	}{
		{"quote stripped", `<message><body>&gt; hi there
ok</body><reply xmlns='urn:xmpp:reply:0' to='b@x/r' id='m1'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='11'/></fallback></message>`,
			"m1", "hi there", "ok", false},
		{"code points, not bytes", `<message><body>&gt; héllo 🎉
dé</body><reply xmlns='urn:xmpp:reply:0' id='m2'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='10'/></fallback></message>`,
			"m2", "héllo 🎉", "dé", false},
		{"range past the end", `<message><body>short</body><reply xmlns='urn:xmpp:reply:0' id='m3'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='99999'/></fallback></message>`,
			"m3", "", "short", false},
		{"negative and reversed", `<message><body>abc</body><reply xmlns='urn:xmpp:reply:0' id='m4'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='2' end='1'/></fallback></message>`,
			"m4", "", "abc", false},
		{"not a number", `<message><body>abc</body><reply xmlns='urn:xmpp:reply:0' id='m5'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='x' end='2'/></fallback></message>`,
			"m5", "", "abc", false},
		{"another feature's fallback", `<message><body>&gt; q
abc</body><reply xmlns='urn:xmpp:reply:0' id='m6'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:other'><body start='0' end='4'/></fallback></message>`,
			"m6", "", "> q\nabc", false},
		{"the protoXEP's namespace (slixmpp 1.8)", `<message><body>&gt; q
abc</body><reply xmlns='urn:xmpp:reply:0' id='m8'/><fallback xmlns='urn:xmpp:feature-fallback:0' for='urn:xmpp:reply:0'><body start='0' end='4'/></fallback></message>`,
			"m8", "q", "abc", false},
		{"no fallback", `<message><body>plain</body><reply xmlns='urn:xmpp:reply:0' id='m7'/></message>`, "m7", "", "plain", false},
		{"reply without id", `<message><body>x</body><reply xmlns='urn:xmpp:reply:0' to='a@b'/></message>`, "", "", "x", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m inMessage
			if err := xml.Unmarshal([]byte(strings.Replace(tc.xml, "<message>", "<message xmlns='jabber:client'>", 1)), &m); err != nil {
				t.Fatal(err)
			}
			r, body := replyOf(m.Reply, m.fallbacks(), m.Body)
			if tc.wantNoReply {
				if r != nil {
					t.Fatalf("reply %+v, want none", r)
				}
			} else if r == nil || r.ID != tc.wantID || r.Quote != tc.quote {
				t.Fatalf("reply %+v, want id %q quote %q", r, tc.wantID, tc.quote)
			}
			if body != tc.body {
				t.Errorf("body %q, want %q", body, tc.body)
			}
		})
	}
}

// What Clove sends for a reply reads back as the same reply and text.
func TestReplyRoundTrip(t *testing.T) {
	e := OutboxEntry{ID: "x1", To: "b@example.org", Body: "Yes 👍", Reply: &Reply{To: "b@example.org", ID: "m1", Quote: "Shall we?\nAt noon 🕛"}}
	var sb strings.Builder
	enc := xml.NewEncoder(&sb)
	toks := chatTokens(e)
	for {
		tok, err := toks.Token()
		if err != nil {
			break
		}
		if err := enc.EncodeToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	var m inMessage
	if err := xml.Unmarshal([]byte(sb.String()), &m); err != nil {
		t.Fatalf("%v\n%s", err, sb.String())
	}
	if m.Body != "> Shall we?\n> At noon 🕛\nYes 👍" {
		t.Errorf("the body other clients read: %q", m.Body)
	}
	r, body := replyOf(m.Reply, m.Fallbacks, m.Body)
	if r == nil || r.ID != "m1" || r.To != "b@example.org" || r.Quote != "Shall we?\nAt noon 🕛" || body != "Yes 👍" {
		t.Errorf("read back: %+v %q\n%s", r, body, sb.String())
	}
}

// A long quote is cut; an empty one gives no fallback.
func TestQuoteFallback(t *testing.T) {
	if q := QuoteFallback(strings.Repeat("é", 500)); len([]rune(q)) != maxQuote+3 || !strings.HasSuffix(q, "…\n") {
		t.Errorf("a 500-rune quote: %d runes %q", len([]rune(q)), q)
	}
	if q := QuoteFallback("  "); q != "" {
		t.Errorf("an empty quote: %q", q)
	}
}

// Reactions are bounded, trimmed and deduplicated.
func TestCleanReactions(t *testing.T) {
	many := make([]string, 1000)
	for i := range many {
		many[i] = string(rune(0x1F600 + i%80))
	}
	for _, tc := range []struct {
		name string
		in   []string
		want int
	}{
		{"1,000 emoji", many, MaxReactions},
		{"duplicates", []string{"👍", "👍", " 👍 "}, 1},
		{"empty and blank", []string{"", " ", "\n"}, 0},
		{"too long", []string{strings.Repeat("a", 65), "ok"}, 1},
		{"invalid UTF-8", []string{"\xff\xfe", "🎉"}, 1},
		{"none", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanReactions(tc.in); len(got) != tc.want {
				t.Errorf("%d kept (%q), want %d", len(got), got, tc.want)
			}
		})
	}
}
