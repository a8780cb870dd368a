package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// Turning a chat into a room from the CLI (XEP-0045 §7.9), with slixmpp
// as the invitee through a real prosody: `room start` makes a new private
// room on the account's MUC service (found by disco) and prints its
// address; slixmpp gets the mediated invitation from the room naming
// alice, the room is members-only, hidden, persistent and non-anonymous,
// and slixmpp, made a member by the invitation, joins it. Bad addresses
// are usage errors. `room members` then lists alice as owner and the
// invited as members (XEP-0045 §7.11); someone with no affiliation gets
// one line saying the room does not show it.
func TestCLIRoomStart(t *testing.T) {
	prosodytest.Require(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.Config("Component \"muc.clove.test\" \"muc\""))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, "pw")
	}
	alice := newCLI(t, "pw")
	aj := "alice@" + srv.Domain
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: "bob@clove.test/slix", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM, Plugins: []string{"xep_0045"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })

	alice.fails(2, "addresses to invite", "room", "--account", aj, "start")
	alice.fails(2, "not", "room", "--account", aj, "start", "@@bad")

	begin := time.Now()
	room := strings.TrimSpace(alice.ok("room", "--account", aj, "start", "bob@clove.test", "carol@clove.test"))
	took := time.Since(begin)
	if !strings.HasPrefix(room, "chat-") || !strings.HasSuffix(room, "@muc.clove.test") {
		t.Fatalf("room start printed %q, want a new room on muc.clove.test", room)
	}
	ms, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.From == room && strings.Contains(m.XML, "invite") {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.From != room {
			continue
		}
		if !strings.Contains(m.XML, `from="`+aj) {
			t.Errorf("the invitation does not name alice: %s", m.XML)
		}
		// Clove sends <continue thread=…/> (TestMediatedInvitationContinues);
		// prosody 0.12 rebuilds the invitation without it.
		t.Logf("continue forwarded by prosody: %v", strings.Contains(m.XML, "continue"))
	}
	info, cond, err := bob.IQ(ctx, "get", room, `<query xmlns='http://jabber.org/protocol/disco#info'/>`)
	if err != nil || cond != "" {
		t.Fatalf("disco#info of %s: %v %s", room, err, cond)
	}
	for _, f := range []string{"muc_membersonly", "muc_hidden", "muc_persistent", "muc_nonanonymous"} {
		if !strings.Contains(info, `"`+f+`"`) {
			t.Errorf("the room lacks %s: %s", f, info)
		}
	}
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatalf("bob, invited, could not join the members-only room: %v", err)
	}
	t.Logf("room start (log in, disco, create, configure, bookmark, 2 invitations, leave): %v", took.Round(time.Millisecond))

	// carol, invited, joins with Clove: the room shows her address to
	// everyone (status 100, §7.2.3), and her join says so.
	carol := newCLI(t, "pw")
	carol.ok("account", "add", "carol@"+srv.Domain, "--server", srv.C2SAddr)
	if out := carol.ok("room", "--account", "carol@"+srv.Domain, "join", room, "--history", "0"); !strings.Contains(out, "* everyone in "+room+" can see your address\n") {
		t.Errorf("carol's join of the private (non-anonymous) room printed %q", out)
	}

	// The member list (§7.11): the owner reads all three lists; the
	// invited are members.
	begin = time.Now()
	got := alice.ok("room", "--account", aj, "members", room)
	t.Logf("room members: %v", time.Since(begin).Round(time.Millisecond))
	want := aj + "\towner\t\nbob@clove.test\tmember\t\ncarol@clove.test\tmember\t\n"
	if got != want {
		t.Errorf("room members printed\n%q, want\n%q", got, want)
	}
	// A member of this members-only, non-anonymous room may read it too
	// (prosody 0.12); slixmpp asks as bob.
	answer, cond, err := bob.IQ(ctx, "get", room, `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query>`)
	if err != nil || cond != "" || !strings.Contains(answer, "carol@clove.test") {
		t.Errorf("bob asking for the members: %v %q %s", err, cond, answer)
	}
	// Someone with no affiliation gets one clear line.
	dave := newCLI(t, "pw")
	srv.CreateUser(t, "dave", "pw")
	dave.ok("account", "add", "dave@"+srv.Domain, "--server", srv.C2SAddr)
	r := dave.fails(1, "does not show its member list to you", "room", "--account", "dave@"+srv.Domain, "members", room)
	t.Logf("the refusal: %s", strings.TrimSpace(r.stderr))
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
		t.Errorf("the refusal took %d lines: %q", n+1, r.stderr)
	}
	dave.fails(1, "does not exist", "room", "--account", "dave@"+srv.Domain, "members", "nowhere@muc.clove.test")
	dave.fails(2, "one room address", "room", "--account", "dave@"+srv.Domain, "members", room, "extra")
}
