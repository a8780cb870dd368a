package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Issue 18, interoperability: OMEMO 0.3 between Clove (alice, a CLI
// profile) and an implementation that is not ours, slixmpp-omemo with
// python-omemo (bob, internal/slixtest in OMEMO mode), through a real
// prosody with PEP and MAM. Clove's first message is a pre-key message
// bob decrypts; bob's answer reaches Clove while it is offline and
// `listen` decrypts it; one reaches Clove's running session live; Clove's
// next message is a normal one. Clove's history marks all of them
// encrypted, the fingerprints each side shows for the other are the keys
// the other reports for itself, and none of the texts is anywhere in the
// server's files.
func TestOMEMOInteropSlixmpp(t *testing.T) {
	slixtest.RequireOMEMO(t)
	srv, alice, _, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t0 := time.Now()
	bob := startOMEMOSlix(t, ctx, srv, bj+"/slixmpp-omemo", slixtest.Params{})
	// Start returned after bob's device list and bundle were published:
	// Clove's send, which reads them from PEP, now finds his device (it
	// would send plaintext to a contact without one).
	t.Logf("slixmpp-omemo logged in and published in %v: device %d", time.Since(t0).Round(time.Millisecond), bob.OMEMO.ID)

	secrets := []string{
		"interop secret one: the heron waits at the weir",
		"interop secret two: bring the brass key",
		"interop secret three: the lantern is lit",
		"interop secret four: meet by the old mill",
	}
	const plain = "interop plain words: visible to the server"

	// 1. Clove → slixmpp, the first message: a pre-key message. Clove
	// publishes its new device beside this send, and python-omemo needs
	// alice's bundle to decrypt even this one: a "SenderNotFound" here is
	// the race docs/omemo.md describes, not a harness fault.
	t1 := time.Now()
	alice.ok("send", "--account", aj, bj, secrets[0])
	sent := time.Since(t1)
	m := atBob(t, ctx, bob, secrets[0])
	t.Logf("first message: clove send (login, publish, fetch bob's bundle, encrypt, acked) %v, decrypted by slixmpp-omemo %v after it returned", sent.Round(time.Millisecond), (time.Since(t1) - sent).Round(time.Millisecond))
	own := strings.Fields(alice.ok("omemo", "--account", aj, "fingerprints"))
	if len(own) != 3 || own[2] != "own" {
		t.Fatalf("alice's own fingerprint line: %q", own)
	}
	aliceDev := own[0]
	checkFromClove(t, m, secrets[0], aliceDev, true)

	// 2. slixmpp → Clove while Clove is offline: offline storage keeps it,
	// listen decrypts it. Bob answers in the session alice started: a
	// normal message, not a pre-key one. Before it, python-omemo sent an
	// empty message (keys, no payload) to complete the session alice's
	// pre-key message started: listen must not count that one as the
	// message.
	stanzas, err := bob.SendStanzas(ctx, slixtest.Outgoing{To: aj, Body: secrets[1], Encrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	checkFromBob(t, stanzas, secrets[1], aliceDev)
	t2 := time.Now()
	got := listenJSON(t, alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "30s", "--json"))
	if len(got) != 1 || got[0].Body != secrets[1] || !got[0].Encrypted || !strings.HasPrefix(got[0].From, bj) {
		t.Fatalf("alice's listen after bob wrote while she was offline: %+v; want %q, encrypted, from %s", got, secrets[1], bj)
	}
	t.Logf("the message kept while Clove was offline: listen had it decrypted in %v", time.Since(t2).Round(time.Millisecond))

	// 3. slixmpp → Clove's running session, live.
	var t3 time.Time
	live := liveMessage(t, ctx, alice, aj, func() {
		t3 = time.Now()
		stanzas, err := bob.SendStanzas(ctx, slixtest.Outgoing{To: aj, Body: secrets[2], Encrypt: true})
		if err != nil {
			t.Fatal(err)
		}
		checkFromBob(t, stanzas, secrets[2], aliceDev)
	}, secrets[2])
	t.Logf("a live message: slixmpp-omemo's encrypt and send to Clove's session's decrypted event %v", time.Since(t3).Round(time.Millisecond))
	if !live.Encrypted || live.Delayed || live.Archived {
		t.Errorf("the live message at Clove: %+v; want encrypted, neither delayed nor from the archive", live)
	}

	// 4. Clove → slixmpp again: Clove has had bob's answers, so no longer a
	// pre-key message. Then a --plain one, the control for the search of
	// the server's files below.
	alice.ok("send", "--account", aj, bj, secrets[3])
	checkFromClove(t, atBob(t, ctx, bob, secrets[3]), secrets[3], aliceDev, false)
	alice.ok("send", "--account", aj, "--plain", bj, plain)
	if m := atBob(t, ctx, bob, plain); m.Encrypted {
		t.Errorf("the --plain message reached slixmpp as encrypted: %+v", m)
	}

	// Clove's history: the four encrypted, the plain one not.
	hist := map[string]bool{}
	for _, h := range listenJSON(t, alice.ok("history", "--account", aj, "--with", bj, "--json")) {
		hist[h.Body] = h.Encrypted
	}
	for _, s := range secrets {
		if enc, ok := hist[s]; !ok || !enc {
			t.Errorf("alice's history: %q present %v, encrypted %v; want encrypted", s, ok, enc)
		}
	}
	if enc, ok := hist[plain]; !ok || enc {
		t.Errorf("alice's history: the plain message present %v, encrypted %v", ok, enc)
	}
	if len(hist) != len(secrets)+1 {
		t.Errorf("alice's history with bob has %d messages, want %d: %v", len(hist), len(secrets)+1, hist)
	}

	// Fingerprints: bob's device as Clove shows it is the identity key
	// python-omemo reports for itself (its Curve25519 form, as both show
	// it), trusted blindly; alice's as bob's side knows it is the one
	// Clove shows as its own.
	theirs := strings.TrimSpace(alice.ok("omemo", "--account", aj, "fingerprints", bj))
	if want := fmt.Sprintf("%d %s blind", bob.OMEMO.ID, bob.OMEMO.Fingerprint); theirs != want {
		t.Errorf("Clove shows bob's devices as %q; slixmpp-omemo's own: %q", theirs, want)
	} else {
		t.Logf("bob's key, as Clove shows it and as python-omemo reports its own: %s", theirs)
	}
	devs, err := bob.OMEMODevices(ctx, aj)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || fmt.Sprint(devs[0].ID) != aliceDev || devs[0].Fingerprint != own[1] || devs[0].Trust != "BLINDLY_TRUSTED" {
		t.Errorf("slixmpp-omemo knows alice's devices as %+v; Clove's own: %s %s", devs, aliceDev, own[1])
	}

	// Nothing of the encrypted texts at rest on the server; the plain one
	// is in its archive (the search works).
	bob.Close()
	srv.Stop(t)
	found := srv.AtRest(t, append(slices.Clone(secrets), plain)...)
	for _, s := range secrets {
		if found[s] {
			t.Errorf("%q is on the server in plaintext", s)
		}
	}
	if !found[plain] {
		t.Error("the plain message is not in the server's files: the search is broken")
	}
}

// atBob waits (30 s at most) for the message with body at slixmpp; an
// encrypted message it could not decrypt ends the wait as a failure.
func atBob(t *testing.T, ctx context.Context, bob *slixtest.Client, body string) slixtest.Message {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var hit slixtest.Message
	_, err := bob.Wait(wctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == body || m.DecryptError != "" {
				hit = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("waiting for %q at slixmpp: %v\nslixmpp's log: %s", body, err, bob.Stderr())
	}
	if hit.DecryptError != "" {
		t.Fatalf("slixmpp-omemo could not decrypt a message: %s\n%s", hit.DecryptError, hit.XML)
	}
	return hit
}

// checkFromClove checks what slixmpp-omemo got from Clove: decrypted,
// from alice's device, a pre-key message or not, the text not on the wire.
func checkFromClove(t *testing.T, m slixtest.Message, body, aliceDev string, preKey bool) {
	t.Helper()
	if !m.Encrypted || m.Body != body || fmt.Sprint(m.SenderDevice) != aliceDev || m.PreKey != preKey {
		t.Errorf("at slixmpp: %+v; want %q encrypted by device %s, pre-key %v", m, body, aliceDev, preKey)
	}
	if strings.Contains(m.XML, body) {
		t.Errorf("the text %q is readable in the stanza slixmpp received: %s", body, m.XML)
	}
}

// checkFromBob checks the stanza slixmpp-omemo sent: one, OMEMO 0.3, for
// alice's device, not a pre-key message, the text not in it.
func checkFromBob(t *testing.T, stanzas []string, body, aliceDev string) {
	t.Helper()
	if len(stanzas) != 1 {
		t.Fatalf("slixmpp sent %d stanzas: %q", len(stanzas), stanzas)
	}
	x := stanzas[0]
	if !strings.Contains(x, "eu.siacs.conversations.axolotl") || !strings.Contains(x, `rid="`+aliceDev+`"`) ||
		strings.Contains(x, "prekey") || strings.Contains(x, body) {
		t.Errorf("slixmpp sent %s; want OMEMO 0.3 for device %s, no pre-key, without %q", x, aliceDev, body)
	}
}

// liveMessage runs a session of c's profile, calls send once it is online
// with its OMEMO device published (the publication's answers came after
// the initial presence was handled: messages now reach it live), and
// returns the received message with body (30 s at most). The session is
// over when it returns.
func liveMessage(t *testing.T, ctx context.Context, c cli, account string, send func(), body string) xmppclient.Message {
	t.Helper()
	sctx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	s := c.session(t, sctx, account, nil)
	ready, msgs := make(chan error, 1), make(chan xmppclient.Message, 16)
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		for ev := range s.Events() {
			sv, ok := ev.(chat.Saved)
			if !ok {
				continue
			}
			switch e := sv.Event.(type) {
			case xmppclient.OMEMOReady:
				select {
				case ready <- e.Err:
				default:
				}
			case xmppclient.MessageReceived:
				if sv.Fresh && !e.Outgoing {
					select {
					case msgs <- e.Message:
					default:
					}
				}
			}
		}
	}()
	defer func() {
		stop()
		<-pumped
		s.done()
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("Clove's session: OMEMO not published: %v", err)
		}
	case <-sctx.Done():
		t.Fatalf("Clove's session: not online with OMEMO: %v", sctx.Err())
	}
	send()
	for {
		select {
		case m := <-msgs:
			if m.Body == body {
				return m
			}
			t.Logf("Clove's session also got: %+v", m)
		case <-sctx.Done():
			t.Fatalf("Clove's session: no %q: %v", body, sctx.Err())
		}
	}
}

// listenJSON parses the lines of listen --json or history --json.
func listenJSON(t *testing.T, out string) []jsonMessage {
	t.Helper()
	var ms []jsonMessage
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var m jsonMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ms = append(ms, m)
	}
	return ms
}

// Issue 18, a second own device: alice has Clove (a CLI profile) and
// "alice's phone", slixmpp-omemo logged in as alice on another resource
// with its own OMEMO store and carbons (XEP-0280) enabled; bob is
// slixmpp-omemo. Clove's message to bob is encrypted also for the phone,
// which decrypts the sent carbon; bob's message to alice, encrypted for
// both of her devices, is decrypted by Clove's `listen` and by the phone
// from a received carbon.
//
// The phone's presence has priority -1, so that prosody, with Clove
// offline, keeps bob's message to alice's bare JID in offline storage for
// `listen` (a message to the bare JID goes to the resources of
// non-negative priority; with none it is stored), and sends the phone a
// received carbon of it (mod_carbons copies a message to the bare JID to
// every carbons-enabled resource that is not of the top priority).
func TestOMEMOInteropSecondOwnDevice(t *testing.T) {
	slixtest.RequireOMEMO(t)
	srv, alice, _, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t0 := time.Now()
	bob := startOMEMOSlix(t, ctx, srv, bj+"/slixmpp-omemo", slixtest.Params{})
	t.Logf("bob (slixmpp-omemo) logged in and published in %v: device %d", time.Since(t0).Round(time.Millisecond), bob.OMEMO.ID)
	// The phone before Clove's first login: Clove learns its own other
	// devices from its device list, fetched at login (or a PEP
	// notification), and Start returned once the phone's device was in it.
	t0 = time.Now()
	phone := startOMEMOSlix(t, ctx, srv, aj+"/phone", slixtest.Params{Carbons: true, Priority: -1})
	phoneDev := fmt.Sprint(phone.OMEMO.ID)
	t.Logf("alice's phone (slixmpp-omemo, carbons on) logged in and published in %v: device %s", time.Since(t0).Round(time.Millisecond), phoneDev)

	secrets := []string{
		"second device secret one: the ferry leaves at dawn",
		"second device secret two: the orchard gate is open",
	}

	// 1. Clove → bob: encrypted for bob's device and for the phone; bob
	// decrypts the message, the phone its sent carbon. Both get a pre-key
	// message: Clove starts a session with each.
	t1 := time.Now()
	alice.ok("send", "--account", aj, bj, secrets[0])
	sent := time.Since(t1)
	m := atBob(t, ctx, bob, secrets[0])
	atBobAfter := time.Since(t1) - sent
	// Clove lists its own device, then the account's other ones: the
	// phone, with the key python-omemo reports for itself.
	lines := strings.Split(strings.TrimSpace(alice.ok("omemo", "--account", aj, "fingerprints")), "\n")
	own := strings.Fields(lines[0])
	if len(own) != 3 || own[2] != "own" {
		t.Fatalf("alice's own fingerprint line: %q", lines)
	}
	aliceDev := own[0]
	if want := fmt.Sprintf("%s %s blind", phoneDev, phone.OMEMO.Fingerprint); len(lines) != 2 || strings.TrimSpace(lines[1]) != want {
		t.Errorf("Clove shows alice's devices as %q; want its own, then the phone's %q", lines, want)
	}
	checkFromClove(t, m, secrets[0], aliceDev, true)
	c := atPhone(t, ctx, phone, secrets[0], phoneDev)
	t.Logf("Clove's send (login, publish, bob's and the phone's bundles, encrypt, acked) %v; after it returned, bob decrypted it in %v, the phone its carbon in %v",
		sent.Round(time.Millisecond), atBobAfter.Round(time.Millisecond), (time.Since(t1) - sent).Round(time.Millisecond))
	if c.Carbon != "sent" || !strings.HasPrefix(c.From, aj+"/") || !strings.HasPrefix(c.To, bj) {
		t.Errorf("at the phone: %+v; want a sent carbon of alice's message to bob", c)
	}
	checkFromClove(t, c, secrets[0], aliceDev, true)
	if !strings.Contains(c.XML, `rid="`+phoneDev+`"`) || !strings.Contains(c.XML, "urn:xmpp:carbons:2") {
		t.Errorf("the phone's carbon has no key for device %s, or is no carbon: %s", phoneDev, c.XML)
	}

	// 2. bob → alice: his python-omemo must know both of her devices. He
	// fetched her device list when he decrypted Clove's message, after
	// Clove had published its device next to the phone's.
	t2 := time.Now()
	for {
		devs, err := bob.OMEMODevices(ctx, aj)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, d := range devs {
			ids[fmt.Sprint(d.ID)] = true
		}
		if len(devs) == 2 && ids[aliceDev] && ids[phoneDev] {
			break
		}
		if time.Since(t2) > 30*time.Second {
			t.Fatalf("bob's view of alice's devices after 30 s: %+v; want %s (Clove) and %s (phone)", devs, aliceDev, phoneDev)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("bob knew both of alice's devices %v after the first exchange", time.Since(t2).Round(time.Millisecond))
	t3 := time.Now()
	stanzas, err := bob.SendStanzas(ctx, slixtest.Outgoing{To: aj, Body: secrets[1], Encrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	// A normal key for Clove's device, a pre-key one for the phone's.
	if len(stanzas) != 1 || keyTag(stanzas[0], aliceDev) == "" || strings.Contains(keyTag(stanzas[0], aliceDev), "prekey") ||
		!strings.Contains(keyTag(stanzas[0], phoneDev), `prekey="true"`) || strings.Contains(stanzas[0], secrets[1]) {
		t.Fatalf("bob sent %q; want one stanza with keys for devices %s (normal) and %s (pre-key), without the text", stanzas, aliceDev, phoneDev)
	}
	c = atPhone(t, ctx, phone, secrets[1], phoneDev)
	t.Logf("bob's message to alice: the phone decrypted its received carbon %v after bob's send began", time.Since(t3).Round(time.Millisecond))
	// Bob has a session with Clove's device (Clove started it) but none
	// with the phone's: his key for the phone starts one.
	if c.Carbon != "received" || !c.Encrypted || c.SenderDevice != bob.OMEMO.ID || !strings.HasPrefix(c.From, bj+"/") || !c.PreKey {
		t.Errorf("at the phone: %+v; want a received carbon from bob's device %d, encrypted, a pre-key message", c, bob.OMEMO.ID)
	}
	t4 := time.Now()
	got := listenJSON(t, alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "30s", "--json"))
	if len(got) != 1 || got[0].Body != secrets[1] || !got[0].Encrypted || !strings.HasPrefix(got[0].From, bj) {
		t.Fatalf("alice's listen: %+v; want %q, encrypted, from %s", got, secrets[1], bj)
	}
	t.Logf("Clove's listen had bob's message (offline storage) decrypted in %v", time.Since(t4).Round(time.Millisecond))

	// Nothing of the texts at rest on the server.
	bob.Close()
	phone.Close()
	srv.Stop(t)
	for s, ok := range srv.AtRest(t, secrets...) {
		if ok {
			t.Errorf("%q is on the server in plaintext", s)
		}
	}
}

// atPhone waits (30 s at most) for the message with body at a slixmpp
// client; a message it could not decrypt although it had a key for its
// device dev ends the wait as a failure. One without a key for it (bob's
// empty message completing his session with Clove, carbon-copied to it) is
// only logged.
func atPhone(t *testing.T, ctx context.Context, c *slixtest.Client, body, dev string) slixtest.Message {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var hit slixtest.Message
	ms, err := c.Wait(wctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == body || (m.DecryptError != "" && strings.Contains(m.XML, `rid="`+dev+`"`)) {
				hit = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("waiting for %q at %s: %v\nits messages: %+v\nits log: %s", body, c.JID, err, ms, c.Stderr())
	}
	if hit.DecryptError != "" {
		t.Fatalf("%s could not decrypt a message with a key for it: %s\n%s", c.JID, hit.DecryptError, hit.XML)
	}
	for _, m := range ms {
		if m.DecryptError != "" && m.Body != body {
			t.Logf("%s also got, without a key for it: %s", c.JID, m.DecryptError)
		}
	}
	return hit
}

// keyTag returns the start tag of the OMEMO <key> for device dev in the
// stanza x, "" if there is none.
func keyTag(x, dev string) string {
	for _, tag := range strings.SplitAfter(x, ">") {
		if i := strings.LastIndexByte(tag, '<'); i >= 0 {
			tag = tag[i:]
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(tag, "<"), " ")
		if (name == "key" || strings.HasSuffix(name, ":key")) && strings.Contains(tag, ` rid="`+dev+`"`) {
			return tag
		}
	}
	return ""
}

// startOMEMOSlix starts slixmpp-omemo logged in as jid (password "pw") on
// srv with an OMEMO store of its own, and the other settings of p; it
// returns once its device list and bundle are published.
func startOMEMOSlix(t *testing.T, ctx context.Context, srv *prosodytest.Server, jid string, p slixtest.Params) *slixtest.Client {
	t.Helper()
	p.JID, p.Password, p.Addr, p.CertPEM = jid, "pw", srv.C2SAddr, srv.CertPEM
	p.OMEMO, p.OMEMOStore = true, t.TempDir()
	c, err := slixtest.Start(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
