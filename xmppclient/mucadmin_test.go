package xmppclient_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// Room administration (XEP-0045 §8–10) on a real prosody, with slixmpp's
// bob in the room to see it from outside and to act on Clove in turn:
// alice (the owner, Clove) takes carol's voice and gives it back, kicks
// her, bans and unbans her, makes bob a moderator, who kicks carol with
// slixmpp's own set_role; carol, without rights, is refused; at last
// alice destroys the room. Each removal reaches the removed Clove as its
// own Occupant with why, by whom, and the room no longer joined.
func TestRoomAdministration(t *testing.T) {
	r := newOwnedRoom(t, mucComponent, "staff", true)
	srv, ctx, a, c, room, bob := r.srv, r.ctx, r.a, r.c, r.room, r.bob
	var err error
	carolJoins := func() {
		t.Helper()
		if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
			t.Fatal(err)
		}
	}
	carolJoins()
	carolRole := func(what, role string) {
		t.Helper()
		a.wait(what, 10*time.Second, func(ev xmppclient.Event) bool {
			o, ok := ev.(xmppclient.Occupant)
			return ok && o.Nick == "carol" && !o.Left && o.Role == role
		})
		c.wait(what+" (her own)", 10*time.Second, func(ev xmppclient.Event) bool {
			o, ok := ev.(xmppclient.Occupant)
			return ok && o.Self && !o.Left && o.Role == role
		})
	}
	carolRole("carol in", "participant")

	// Voice taken and given back (§8.3, §8.4).
	if err := a.c.SetRole(ctx, room, "carol", "visitor", "quiet please"); err != nil {
		t.Fatal(err)
	}
	carolRole("carol a visitor", "visitor")
	if err := a.c.SetRole(ctx, room, "carol", "participant", ""); err != nil {
		t.Fatal(err)
	}
	carolRole("carol a participant", "participant")

	// Carol has no rights: refused, in words.
	err = c.c.SetRole(ctx, room, "bob", "none", "")
	if !errors.Is(err, xmppclient.ErrNotPermitted) || !strings.Contains(err.Error(), "remove bob") {
		t.Fatalf("carol kicking bob: %v, want ErrNotPermitted naming it", err)
	}
	if err := c.c.SetAffiliation(ctx, room, jid.MustParse("bob@"+srv.Domain), "outcast", ""); !errors.Is(err, xmppclient.ErrNotPermitted) {
		t.Fatalf("carol banning bob: %v, want ErrNotPermitted", err)
	}
	if err := a.c.SetRole(ctx, room, "nobody", "none", ""); err == nil || !strings.Contains(err.Error(), "no one called nobody") {
		t.Fatalf("kicking someone not there: %v", err)
	}
	if err := a.c.SetRole(ctx, room, "carol", "king", ""); err == nil {
		t.Fatal("a made-up role was sent")
	}

	removed := func(p *peer, what string, why xmppclient.Removal) xmppclient.Occupant {
		t.Helper()
		o := p.wait(what, 10*time.Second, func(ev xmppclient.Event) bool {
			o, ok := ev.(xmppclient.Occupant)
			return ok && o.Self && o.Left && o.Removed != ""
		}).(xmppclient.Occupant)
		if o.Removed != why {
			t.Fatalf("%s: removed as %q, want %q", what, o.Removed, why)
		}
		if _, in := p.c.RoomNick(room); in {
			t.Fatalf("%s: the room is still joined", what)
		}
		return o
	}

	// Kicked (§8.2): carol told why and by whom, bob sees status 307.
	seen := len(bob.Presences())
	if err := a.c.SetRole(ctx, room, "carol", "none", "spam"); err != nil {
		t.Fatal(err)
	}
	if o := removed(c, "carol kicked", xmppclient.Kicked); o.Reason != "spam" || o.Actor != "alice" {
		t.Fatalf("carol's removal: reason %q by %q", o.Reason, o.Actor)
	}
	if _, err := bob.WaitPresence(ctx, seen, func(p slixtest.Presence) bool {
		return p.Type == "unavailable" && strings.HasSuffix(p.From, "/carol") && strings.Contains(p.XML, `code="307"`)
	}); err != nil {
		t.Fatal(err)
	}

	// Banned (§9.1) by address, whether in the room or not; unbanned.
	carolJoins()
	if err := a.c.SetAffiliation(ctx, room, c.c.JID(), "outcast", "for good"); err != nil {
		t.Fatal(err)
	}
	if o := removed(c, "carol banned", xmppclient.Banned); o.Reason != "for good" {
		t.Fatalf("carol's ban: reason %q", o.Reason)
	}
	if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err == nil || !strings.Contains(err.Error(), "banned") {
		t.Fatalf("a banned carol joining: %v", err)
	}
	// The ban list (§9.1) is read with the member lists (prosody 0.12
	// keeps no ban reason: it says it in the removal only).
	banned := func() []string {
		ms, err := a.c.RoomMembers(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			if m.Affiliation == "outcast" {
				out = append(out, m.JID.String()+" "+m.Reason)
			}
		}
		return out
	}
	if got := banned(); !slices.Equal(got, []string{c.c.JID().Bare().String() + " "}) {
		t.Fatalf("the ban list: %q", got)
	}
	if err := a.c.SetAffiliation(ctx, room, c.c.JID(), "none", ""); err != nil {
		t.Fatal(err)
	}
	if got := banned(); len(got) != 0 {
		t.Fatalf("the ban list after the ban was lifted: %q", got)
	}
	carolJoins()

	// Bob made a moderator by Clove; slixmpp's bob kicks carol.
	if err := a.c.SetRole(ctx, room, "bob", "moderator", ""); err != nil {
		t.Fatal(err)
	}
	a.wait("bob a moderator", 10*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Nick == "bob" && o.Role == "moderator"
	})
	if err := bob.SetRole(ctx, room.String(), "carol", "none", "bob says bye"); err != nil {
		t.Fatal(err)
	}
	if o := removed(c, "carol kicked by bob", xmppclient.Kicked); o.Reason != "bob says bye" || o.Actor != "bob" {
		t.Fatalf("carol's removal by bob: reason %q by %q", o.Reason, o.Actor)
	}
	other := a.wait("alice sees carol kicked", 10*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Nick == "carol" && o.Left && o.Removed != ""
	}).(xmppclient.Occupant)
	if other.Removed != xmppclient.Kicked || other.Self {
		t.Fatalf("alice saw carol's removal as %+v", other)
	}

	// Destroyed (§10.9): by its owner only.
	carolJoins()
	if err := c.c.DestroyRoom(ctx, room, ""); !errors.Is(err, xmppclient.ErrNotPermitted) {
		t.Fatalf("carol destroying the room: %v, want ErrNotPermitted", err)
	}
	if err := a.c.DestroyRoom(ctx, room, "moving on"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{a, c} {
		if o := removed(p, p.c.JID().String()+" sees the room destroyed", xmppclient.Destroyed); o.Reason != "moving on" {
			t.Fatalf("the destruction's reason: %q", o.Reason)
		}
	}
}

// A room's settings after its creation (§10.2), on prosody 0.12: its owner
// reads the form (labelled fields of every kind), renames the room and
// makes it moderated; the form reads back so, and a newcomer is then a
// visitor. Someone else may not read it.
func TestRoomConfiguration(t *testing.T) {
	r := newOwnedRoom(t, mucComponent, "setup", false)
	ctx, a, c, room := r.ctx, r.a, r.c, r.room
	form, err := a.c.RoomConfig(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	byVar := map[string]*xmppclient.DataField{}
	for i := range form.Fields {
		f := &form.Fields[i]
		kinds[f.Type] = true
		byVar[f.Var] = f
	}
	for _, v := range []string{"muc#roomconfig_roomname", "muc#roomconfig_moderatedroom", "muc#roomconfig_whois", "muc#roomconfig_roomsecret"} {
		if byVar[v] == nil || byVar[v].Label == "" {
			t.Fatalf("the form lacks a labelled %s: %+v", v, form.Fields)
		}
	}
	for _, k := range []string{"text-single", "boolean", "list-single", "text-private"} {
		if !kinds[k] {
			t.Errorf("no %s field in prosody's form", k)
		}
	}
	if w := byVar["muc#roomconfig_whois"]; len(w.Options) < 2 {
		t.Errorf("whois has options %+v", w.Options)
	}
	byVar["muc#roomconfig_roomname"].Values = []string{"Tea room"}
	byVar["muc#roomconfig_moderatedroom"].Values = []string{"1"}
	if err := a.c.SetRoomConfig(ctx, room, form); err != nil {
		t.Fatal(err)
	}
	again, err := a.c.RoomConfig(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range again.Fields {
		switch f.Var {
		case "muc#roomconfig_roomname":
			if len(f.Values) != 1 || f.Values[0] != "Tea room" {
				t.Errorf("the name read back: %q", f.Values)
			}
		case "muc#roomconfig_moderatedroom":
			if f.Values[0] != "1" {
				t.Errorf("moderated read back: %q", f.Values)
			}
		}
	}
	if err := c.c.JoinRoom(ctx, room, "carol", xmppclient.JoinOptions{MustExist: true}); err != nil {
		t.Fatal(err)
	}
	c.wait("carol a visitor in the moderated room", 10*time.Second, func(ev xmppclient.Event) bool {
		o, ok := ev.(xmppclient.Occupant)
		return ok && o.Self && o.Role == "visitor"
	})
	if _, err := c.c.RoomConfig(ctx, room); !errors.Is(err, xmppclient.ErrNotPermitted) {
		t.Fatalf("carol reading the settings: %v, want ErrNotPermitted", err)
	}
}
