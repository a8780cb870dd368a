package xmppclient_test

import (
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// A mediated invitation continuing a chat (XEP-0045 §7.9) carries
// <continue thread='…'/> inside <invite/>; one without a thread none.
func TestMediatedInvitationContinues(t *testing.T) {
	room, bob := jid.MustParse("chat-1@muc.example.org"), jid.MustParse("bob@example.org/phone")
	for _, c := range []struct {
		thread string
		want   []string
		not    string
	}{
		{"t1", []string{`<invite to="bob@example.org">`, `<continue thread="t1"></continue></invite>`, `xmlns="http://jabber.org/protocol/muc#user"`, `to="chat-1@muc.example.org"`}, ""},
		{"", []string{`<invite to="bob@example.org"></invite>`}, "continue"},
	} {
		b, err := xmppclient.MediatedInviteXML(room, bob, xmppclient.InviteOptions{Mediated: true, Thread: c.thread})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("thread %q: %s lacks %s", c.thread, b, w)
			}
		}
		if c.not != "" && strings.Contains(string(b), c.not) {
			t.Errorf("thread %q: %s has %s", c.thread, b, c.not)
		}
	}
}
