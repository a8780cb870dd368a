package xmppclient_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Requesting voice (XEP-0045 §7.13) in a moderated room on a real prosody:
// carol joins as a visitor, asks for voice, and the room passes her
// request (its muc#request form, naming her) on to slixmpp's bob, a
// moderator (an admin of the MUC service).
func TestRoomRequestVoice(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config(`Component "muc.clove.test" "muc"
    muc_room_default_moderated = true
    admins = { "bob@clove.test" }`))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, "pw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a := start(t, config(srv, "alice", "pw"))
	c := start(t, config(srv, "carol", "pw"))
	a.wait("alice online", 15*time.Second, online)
	c.wait("carol online", 15*time.Second, online)
	lounge := jid.MustParse("lounge@muc.clove.test")
	if err := a.c.JoinRoom(ctx, lounge, "alice", xmppclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if err := bob.JoinRoom(ctx, lounge.String(), "bob"); err != nil {
		t.Fatal(err)
	}
	if err := c.c.JoinRoom(ctx, lounge, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	self := c.wait("carol's own presence", 10*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Self && o.Nick == "carol"
	}).(xmppclient.Occupant)
	if self.Role != "visitor" {
		t.Fatalf("carol's role in a moderated room: %q, want visitor", self.Role)
	}
	if err := c.c.RequestVoice(ctx, lounge); err != nil {
		t.Fatal(err)
	}
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if strings.Contains(m.XML, "muc#request") {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if strings.Contains(m.XML, "muc#request") {
			if m.From != lounge.String() || !strings.Contains(m.XML, "carol") {
				t.Fatalf("the voice request bob got: from %q: %s", m.From, m.XML)
			}
			t.Logf("bob got: %s", m.XML)
		}
	}
	// Alice, the room's owner (a moderator), is told too (Clove as the
	// moderator: §8.6), and gives carol voice.
	vr := a.wait("alice told of carol's request", 10*time.Second, func(ev xmppclient.Event) bool {
		_, ok := ev.(xmppclient.VoiceRequest)
		return ok
	}).(xmppclient.VoiceRequest)
	if vr.Nick != "carol" || !vr.Room.Equal(lounge) || vr.JID.String() != "carol@clove.test" {
		t.Fatalf("alice's voice request: %+v", vr)
	}
	if err := a.c.SetRole(ctx, lounge, vr.Nick, "participant", ""); err != nil {
		t.Fatal(err)
	}
	c.wait("carol given voice", 10*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Self && o.Role == "participant"
	})
	if err := c.c.RequestVoice(ctx, jid.MustParse("elsewhere@muc.clove.test")); err == nil {
		t.Error("a voice request to a room carol is not in was sent")
	}
}
