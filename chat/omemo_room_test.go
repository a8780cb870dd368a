package chat

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// groupMessage waits for a room message with body.
func (r *running) groupMessage(t testing.TB, body string) xmppclient.GroupMessage {
	t.Helper()
	return r.wait(t, "room message "+body, func(ev xmppclient.Event) bool {
		m, ok := ev.(xmppclient.GroupMessage)
		// Not for this device: the room's history from before dave was
		// a member, as it should.
		if ok && strings.HasPrefix(m.Body, "could not decrypt") && !strings.Contains(m.Body, "not encrypted for this device") {
			t.Errorf("room message from %s: %s", m.Nick, m.Body)
		}
		return ok && m.Body == body
	}).(xmppclient.GroupMessage)
}

// OMEMO in a private room between three Clove sessions on a real prosody:
// alice starts a group chat with bob and carol (members-only, real
// addresses shown); her message is encrypted for both, who decrypt it, and
// her own copy from the room shows her text; bob's reaches alice and
// carol; a message sent while carol is out of the room, by someone who
// left too, decrypts from the room's archive when she comes back (the
// sender's address from the archive, not from who is present); a file
// goes encrypted, its link inside the encrypted message; someone invited
// while away (a member by the invitation) gets what is said meanwhile.
// An open room
// stays plaintext and says why. None of the secrets is on the server.
//
// Twice: with the rooms' archive (XEP-0313: the sender's address is in
// the archive's copy), and without (the history sent on joining names only
// the nick: the sender is the member whose device list holds the sending
// device).
func TestOMEMOInAPrivateRoom(t *testing.T) {
	for _, tc := range []struct {
		name, muc string
		archive   bool
	}{
		{"room archive", roomWithArchive, true},
		{"history on joining", "Component \"muc.clove.test\" \"muc\"", false},
	} {
		t.Run(tc.name, func(t *testing.T) { testOMEMOInAPrivateRoom(t, tc.muc, tc.archive) })
	}
}

// testOMEMOInAPrivateRoom: archive, the room keeps an archive on disk
// (where the open room's words must be found, and no secret).
func testOMEMOInAPrivateRoom(t *testing.T, muc string, archive bool) {
	// The MUC component is listed in the domain's disco#items, where
	// StartGroupChat looks for it.
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithMAM(), prosodytest.WithModule("private"), prosodytest.WithHTTPUpload(), prosodytest.Config(muc))
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	ap, aa := testAccount(t, srv, "alice")
	bp, ba := testAccount(t, srv, "bob")
	cp, ca := testAccount(t, srv, "carol")
	dp, da := testAccount(t, srv, "dave")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	as := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
	bs := startRunning(t, ctx, bp, ba, "bob-pw", Options{})
	cs := startRunning(t, ctx, cp, ca, "carol-pw", Options{})
	ds := startRunning(t, ctx, dp, da, "dave-pw", Options{})
	for _, r := range []*running{as, bs, cs, ds} {
		r.ready(t)
	}

	room, err := as.s.StartGroupChat(ctx, []string{ba.JID, ca.JID})
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.s.JoinRoom(ctx, room, "bob", false); err != nil {
		t.Fatal(err)
	}
	if err := cs.s.JoinRoom(ctx, room, "carol", false); err != nil {
		t.Fatal(err)
	}
	st, err := as.s.RoomEncryption(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Encrypted || !slices.Equal(st.Members, []string{ba.JID, ca.JID}) {
		t.Fatalf("alice's room encryption: %+v, want encrypted for bob and carol", st)
	}

	var secrets []string
	say := func(from *running, body string, to ...*running) {
		t.Helper()
		secrets = append(secrets, body)
		m, err := from.s.SendGroup(ctx, room, body)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Encrypted {
			t.Errorf("%q: kept as not encrypted", body)
		}
		for _, r := range to {
			if g := r.groupMessage(t, body); !g.Encrypted {
				t.Errorf("%q: received as not encrypted", body)
			}
		}
	}
	begin := time.Now()
	say(as, "room secret one: the owl flies at nine", bs, cs)
	t.Logf("alice's first room message: encrypted for 2 members and decrypted by both in %v", time.Since(begin).Round(time.Millisecond))
	// The room's copy of alice's own message: her text, marked sent.
	if g := as.groupMessage(t, "room secret one: the owl flies at nine"); !g.Self || !g.Encrypted {
		t.Errorf("alice's own copy: self=%v encrypted=%v", g.Self, g.Encrypted)
	}
	say(bs, "room secret two: bring the red map", as, cs)
	// A reply (XEP-0461): its quote and text inside the encrypted body,
	// the reference in the clear; carol sees what it answers.
	h, err := cp.History(ctx, ca.JID, room, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ref string
	for _, m := range h {
		if m.Body == "room secret one: the owl flies at nine" {
			ref = RefID(m)
		}
	}
	secrets = append(secrets, "room secret reply: at nine sharp")
	if _, err := cs.s.SendGroupReply(ctx, room, "room secret reply: at nine sharp", ref); err != nil {
		t.Fatal(err)
	}
	if g := as.groupMessage(t, "room secret reply: at nine sharp"); !g.Encrypted || g.Reply == nil || g.Reply.ID != ref || !strings.Contains(g.Reply.Quote, "the owl flies") {
		t.Errorf("alice got carol's reply as %+v (reply %+v)", g, g.Reply)
	}
	for _, who := range []struct {
		p       *Profile
		account string
	}{{ap, aa.JID}, {bp, ba.JID}, {cp, ca.JID}} {
		stored(t, who.p, who.account, room, "room secret one: the owl flies at nine", true)
		stored(t, who.p, who.account, room, "room secret two: bring the red map", true)
	}

	// A file: uploaded encrypted (XEP-0454), its aesgcm:// link only
	// inside the encrypted message; carol fetches the same bytes.
	const fileSecret = "THE-ROOM-FILE-PLAINTEXT-"
	path := filepath.Join(t.TempDir(), "plan.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat(fileSecret, 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	sent, err := as.s.SendFile(ctx, jid.MustParse(room), path, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !sent.File.Encrypted || !strings.HasPrefix(sent.File.URL, "aesgcm://") {
		t.Fatalf("sent %+v, want an encrypted file", sent.File)
	}
	secrets = append(secrets, fileSecret, strings.TrimPrefix(sent.File.URL, "aesgcm://"))
	if g := cs.groupMessage(t, sent.File.URL); !g.Encrypted || g.File == nil || !g.File.Encrypted {
		t.Errorf("carol got the file as %+v (file %+v)", g, g.File)
	}
	var got bytes.Buffer
	if _, err := cp.FetchFile(ctx, ca.JID, sent.File.URL, &got, nil); err != nil {
		t.Fatal(err)
	}
	if got.String() != strings.Repeat(fileSecret, 100) {
		t.Errorf("carol fetched %d bytes, not the file", got.Len())
	}
	stored(t, ap, aa.JID, room, sent.File.URL, true)

	// carol out of the room; bob says something and leaves; carol comes
	// back and reads it from the room's archive, bob no longer present.
	if err := cs.s.LeaveRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	say(bs, "room secret three: the gate code is 4711", as)
	if err := bs.s.LeaveRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if err := cs.s.JoinRoom(ctx, room, "carol", false); err != nil {
		t.Fatal(err)
	}
	if g := cs.groupMessage(t, "room secret three: the gate code is 4711"); !g.Encrypted || g.Nick != "bob" {
		t.Errorf("carol's copy from the archive: encrypted=%v nick=%q", g.Encrypted, g.Nick)
	}

	// dave, invited through the room (which makes him a member) while
	// he is away: the room tells alice, her next message is encrypted
	// for him too, and he reads it when he comes.
	if err := as.s.Invite(ctx, room, da.JID, "", true); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(20 * time.Second); ; {
		st, err := as.s.RoomEncryption(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(st.Members, da.JID) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("dave invited, but alice encrypts for %v only", st.Members)
		}
		time.Sleep(50 * time.Millisecond)
	}
	say(as, "room secret four: dave brings the cake")
	if err := ds.s.JoinRoom(ctx, room, "dave", false); err != nil {
		t.Fatal(err)
	}
	if g := ds.groupMessage(t, "room secret four: dave brings the cake"); !g.Encrypted {
		t.Error("dave's copy is not marked encrypted")
	}

	// An open room: plaintext, and why.
	open := "lounge@muc." + srv.Domain
	if err := as.s.JoinRoom(ctx, open, "alice", true); err != nil {
		t.Fatal(err)
	}
	st, err = as.s.RoomEncryption(ctx, open)
	if err != nil {
		t.Fatal(err)
	}
	if st.Encrypted || !strings.Contains(st.Why, "not private") {
		t.Errorf("an open room's encryption: %+v", st)
	}
	const plain = "open room words: everyone may read them"
	m, err := as.s.SendGroup(ctx, open, plain)
	if err != nil {
		t.Fatal(err)
	}
	if m.Encrypted {
		t.Error("the open room's message is kept as encrypted")
	}
	as.groupMessage(t, plain)

	as.close()
	bs.close()
	cs.close()
	ds.close()
	srv.Stop(t)
	found := srv.AtRest(t, append(slices.Clone(secrets), plain)...)
	for _, s := range secrets {
		if found[s] {
			t.Errorf("%q is on the server in plaintext", s)
		}
	}
	if archive && !found[plain] {
		t.Error("the open room's message is not in the server's data: the search is broken")
	}
}
