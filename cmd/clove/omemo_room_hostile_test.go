package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// A hostile member of a private room (slixmpp logged in as bob, writing
// <encrypted> elements by hand): each garbled, misaddressed or oversized
// one, read back from the room's archive, is one "could not decrypt: …"
// line in the room, never the fallback text; a message claiming another
// sender in its own muc#user <x/> is not believed (the room's <x/>, which
// prosody adds after it, names the real one); nothing crashes, and a plain
// message after them shows. It found a race: the session's autojoin of the
// room beside the command's own join emptied the occupants' addresses
// between their presence and the history.
func TestOMEMORoomHostileSender(t *testing.T) {
	slixtest.Require(t)
	srv, alice, _, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM(), prosodytest.WithModule("private"),
		prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	room := strings.TrimSpace(alice.ok("room", "--account", aj, "start", bj))
	own := strings.Fields(alice.ok("omemo", "--account", aj, "fingerprints"))
	if len(own) != 3 {
		t.Fatalf("alice's own key: %q", own)
	}
	dev := own[0]
	mallory, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/hostile", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mallory.Close() })
	if err := mallory.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatal(err)
	}
	el := hostileElements(dev)
	const fallback = hostileFallback
	cases := []struct{ name, xml, want string }{
		{"garbage key", el["garbage key"], "could not decrypt: "},
		{"not for this device", el["not for this device"], "not encrypted for this device"},
		{"1,001 keys", el["1,001 keys"], "malformed"},
		{"empty element", el["empty element"], "malformed"},
		{"a forged sender", `<x xmlns='http://jabber.org/protocol/muc#user'><item jid='` + aj + `'/></x>` + el["garbage key"], "decrypt from " + bj},
	}
	for i, c := range cases {
		if err := mallory.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", Body: fallback, ID: fmt.Sprintf("bad%d", i), ExtraXML: c.xml}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	const plain = "still here, in plain text"
	if err := mallory.Send(ctx, slixtest.Outgoing{To: room, Type: "groupchat", Body: plain, ID: "good"}); err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == plain {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
	out := alice.ok("room", "--account", aj, "join", room, "--history", "20")
	var said []string
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, " bob: "); ok {
			said = append(said, rest)
		}
	}
	if len(said) != len(cases)+1 {
		t.Fatalf("alice's join shows %d messages of bob's, want %d:\n%s", len(said), len(cases)+1, out)
	}
	for i, c := range cases {
		t.Logf("%s: %s", c.name, said[i])
		if !strings.HasPrefix(said[i], "could not decrypt: ") || strings.Contains(said[i], fallback) || !strings.Contains(said[i], c.want) {
			t.Errorf("%s: %q; want \"could not decrypt: …%s…\"", c.name, said[i], c.want)
		}
	}
	if said[len(cases)] != plain {
		t.Errorf("the plain message after them: %q", said[len(cases)])
	}
	if strings.Contains(out, " alice: ") {
		t.Errorf("a message was taken as alice's:\n%s", out)
	}
}
