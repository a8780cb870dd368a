package xmppclient

import (
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// What an incoming message's chat state and correction decode to,
// including malformed ones (ignored, never an error for the stanza).
func TestChatStateAndReplaceDecode(t *testing.T) {
	const cs = "http://jabber.org/protocol/chatstates"
	for _, tc := range []struct {
		name, inner   string
		state, replac string
	}{
		{"composing alone", `<composing xmlns='` + cs + `'/>`, StateComposing, ""},
		{"active with a body", `<body>hi</body><active xmlns='` + cs + `'/>`, StateActive, ""},
		{"gone", `<gone xmlns='` + cs + `'/>`, StateGone, ""},
		{"two states: composing wins", `<active xmlns='` + cs + `'/><composing xmlns='` + cs + `'/>`, StateComposing, ""},
		{"wrong namespace", `<composing xmlns='urn:example'/>`, "", ""},
		{"an unknown state", `<shouting xmlns='` + cs + `'/>`, "", ""},
		{"a correction", `<body>x</body><replace xmlns='urn:xmpp:message-correct:0' id='abc'/>`, "", "abc"},
		{"a correction without id", `<body>x</body><replace xmlns='urn:xmpp:message-correct:0'/>`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m inMessage
			src := `<message xmlns='jabber:client' from='bob@example.org/x' type='chat'>` + tc.inner + `</message>`
			if err := xml.NewDecoder(strings.NewReader(src)).Decode(&m); err != nil {
				t.Fatal(err)
			}
			if got := m.chatStates.state(); got != tc.state {
				t.Errorf("state %q, want %q", got, tc.state)
			}
			got := ""
			if m.Replace != nil {
				got = m.Replace.ID
			}
			if got != tc.replac {
				t.Errorf("replaces %q, want %q", got, tc.replac)
			}
		})
	}
}

// A standalone chat state carries the no-store hint and no body; a chat
// message carries <active/> and, correcting, <replace id/>.
func TestChatStateAndCorrectionEncode(t *testing.T) {
	var sb strings.Builder
	enc := xml.NewEncoder(&sb)
	for _, r := range []xml.TokenReader{
		chatStateTokens(jid.MustParse("bob@example.org"), StateComposing),
		chatTokens(OutboxEntry{ID: "n1", To: "bob@example.org", Body: "fixed", Replace: "o1"}),
	} {
		for {
			tok, err := r.Token()
			if err != nil {
				break
			}
			if err := enc.EncodeToken(tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	enc.Flush()
	out := sb.String()
	for _, want := range []string{
		`<composing xmlns="http://jabber.org/protocol/chatstates"></composing><no-store xmlns="urn:xmpp:hints"></no-store></message>`,
		`<active xmlns="http://jabber.org/protocol/chatstates"></active><replace xmlns="urn:xmpp:message-correct:0" id="o1"></replace>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("encoded:\n%s\nlacks %s", out, want)
		}
	}
	if strings.Count(out, "<body>") != 1 {
		t.Errorf("a body in the chat state: %s", out)
	}
	for _, f := range []string{nsChatStates, nsCorrect} {
		if !strings.Contains(strings.Join(clientFeatures(), " "), f) {
			t.Errorf("disco features lack %s", f)
		}
	}
}
