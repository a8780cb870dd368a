package chat

import (
	"context"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Displayed synchronisation (XEP-0490) between two devices of alice (two
// profiles, two resources) on a real prosody with PEP and MAM: the laptop
// shows bob's chat, the phone hears that the chat was read up to its
// newest message; an older message read elsewhere leaves the newer ones
// unread here (nothing told); one this device has not seen (newer) counts
// as all read. It goes whatever the read-markers preference (it is the
// account's own), and only once per message.
func TestDisplayedSyncBetweenDevices(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pp, pa := testAccount(t, srv, "alice")
	lp, la := testAccount(t, srv, "alice")
	phone := startRunning(t, ctx, pp, pa, "alice-pw", Options{})
	laptop := startRunning(t, ctx, lp, la, "alice-pw", Options{})
	for _, r := range []*running{phone, laptop} {
		if err := r.s.WaitOnline(ctx); err != nil {
			t.Fatal(err)
		}
	}
	bob := slixPeer(t, ctx, srv, "bob", "slix")
	bj := jid.MustParse("bob@" + srv.Domain)
	var onPhone []xmppclient.Message
	for _, text := range []string{"first", "second"} {
		if err := bob.Send(ctx, slixtest.Outgoing{To: pa.JID, Type: "chat", Body: text}); err != nil {
			t.Fatal(err)
		}
		onPhone = append(onPhone, phone.message(t, text))
		laptop.message(t, text)
	}
	if onPhone[1].ArchiveID == "" {
		t.Fatal("the server stamped no stanza-id on bob's message")
	}
	elsewhere := func(r *running, what string) xmppclient.ChatDisplayedElsewhere {
		t.Helper()
		return r.wait(t, what, func(ev xmppclient.Event) bool {
			_, ok := ev.(xmppclient.ChatDisplayedElsewhere)
			return ok
		}).(xmppclient.ChatDisplayedElsewhere)
	}

	laptop.s.SetReadMarkers(false) // the account's own devices are told all the same
	for range 2 {
		if err := laptop.s.Displayed(ctx, bj); err != nil {
			t.Fatal(err)
		}
	}
	if d := elsewhere(phone, "the laptop's reading"); !d.Peer.Equal(bj) || d.StanzaID != onPhone[1].ArchiveID {
		t.Errorf("the phone heard %+v, want bob's chat up to %s", d, onPhone[1].ArchiveID)
	}

	// Only the first read elsewhere (the laptop's client published it by
	// hand): the second stays unread here, nothing is told; then one the
	// phone has not seen: all read.
	if err := laptop.s.client.PublishDisplayed(ctx, bj, onPhone[0].ArchiveID); err != nil {
		t.Fatal(err)
	}
	if err := laptop.s.client.PublishDisplayed(ctx, bj, "a-newer-message"); err != nil {
		t.Fatal(err)
	}
	if d := elsewhere(phone, "a reading up to a message the phone has not seen"); d.StanzaID != "a-newer-message" {
		t.Errorf("the phone told %+v first; the reading up to an older message should not be told", d)
	}
	select {
	case ev := <-phone.events:
		if d, ok := ev.(xmppclient.ChatDisplayedElsewhere); ok {
			t.Errorf("one more reading told: %+v", d)
		}
	case <-time.After(time.Second):
	}
}
