package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// OMEMO in a private room between Clove (alice, the CLI) and a client that
// is not ours, slixmpp-omemo (bob), through a real prosody with PEP and the
// rooms' archive: `room start` makes the room (members-only, real
// addresses shown) and invites bob, which makes him a member, and `room
// encryption` says it is encrypted for him (an open room: not, and why); what alice
// says there bob decrypts, and the room's copy never holds the text; what
// bob says, encrypted for alice, Clove's `room join` shows decrypted (from
// the room's archive), beside her own message's text; the history marks both encrypted; neither text is
// in the server's files.
func TestOMEMORoomInteropSlixmpp(t *testing.T) {
	slixtest.RequireOMEMO(t)
	srv, alice, _, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM(), prosodytest.WithModule("private"),
		prosodytest.Config("Component \"muc.clove.test\" \"muc\"\n\tmodules_enabled = { \"muc_mam\" }"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bob := startOMEMOSlix(t, ctx, srv, bj+"/slixmpp-omemo", slixtest.Params{})

	room := strings.TrimSpace(alice.ok("room", "--account", aj, "start", bj))
	if !strings.HasSuffix(room, "@muc.clove.test") {
		t.Fatalf("room start printed %q", room)
	}
	if err := bob.JoinRoom(ctx, room, "bob"); err != nil {
		t.Fatalf("bob, invited, could not join: %v", err)
	}
	if got, want := strings.TrimSpace(alice.ok("room", "--account", aj, "encryption", room)), "encrypted (OMEMO) for: "+bj; got != want {
		t.Errorf("room encryption: %q, want %q", got, want)
	}
	// An open room (bob makes it and stays in it): plaintext, and why.
	if err := bob.JoinRoom(ctx, "lounge@muc.clove.test", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := bob.ConfigureRoom(ctx, "lounge@muc.clove.test", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if got := alice.ok("room", "--account", aj, "encryption", "lounge@muc.clove.test"); !strings.HasPrefix(got, "not encrypted: the room is not private") {
		t.Errorf("room encryption of an open room: %q", got)
	}

	secrets := []string{
		"room interop one: the fox is in the henhouse",
		"room interop two: leave by the side door",
	}
	t1 := time.Now()
	alice.ok("room", "--account", aj, "send", room, secrets[0])
	sent := time.Since(t1)
	m := atBob(t, ctx, bob, secrets[0])
	t.Logf("clove room send (login, join, member list, bob's devices and bundle, encrypt, the room's copy back) %v", sent.Round(time.Millisecond))
	if !m.Encrypted || m.Type != "groupchat" || m.From != room+"/alice" {
		t.Errorf("bob got %+v; want an encrypted groupchat message from %s/alice", m, room)
	}
	if strings.Contains(m.XML, secrets[0]) {
		t.Errorf("the room's copy to bob holds the text: %s", m.XML)
	}

	if _, err := bob.SendStanzas(ctx, slixtest.Outgoing{To: room, Type: "groupchat", Body: secrets[1], Encrypt: true, Recipients: []string{aj}}); err != nil {
		t.Fatal(err)
	}
	// Wait for the room's copy to bob: the room has it then.
	if _, err := bob.Wait(ctx, func(ms []slixtest.Message) bool {
		return slices.ContainsFunc(ms, func(m slixtest.Message) bool { return m.Reflected && m.Body == secrets[1] })
	}); err != nil {
		t.Fatal(err)
	}
	out := alice.ok("room", "--account", aj, "join", room, "--history", "20")
	// Her own message too: this device cannot decrypt the room's copy of
	// it (OMEMO never encrypts for the sender), the history has its text.
	for _, want := range []string{"bob: " + secrets[1], "alice: " + secrets[0]} {
		if !strings.Contains(out, want) {
			t.Errorf("alice's join does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "could not decrypt") {
		t.Errorf("alice's join:\n%s", out)
	}

	hist := map[string]bool{}
	for _, h := range listenJSON(t, alice.ok("history", "--account", aj, "--with", room, "--json")) {
		hist[h.Body] = h.Encrypted
	}
	for _, s := range secrets {
		if enc, ok := hist[s]; !ok || !enc {
			t.Errorf("alice's history of the room: %q present %v, encrypted %v", s, ok, enc)
		}
	}
	bob.Close()
	srv.Stop(t)
	for s, at := range srv.AtRest(t, secrets...) {
		if at {
			t.Errorf("%q is in the server's files", s)
		}
	}
}
