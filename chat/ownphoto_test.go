package chat

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// vcardUpdateOf reads a presence's XEP-0153 x: whether it has one, and
// its photo's hash ("" for an empty <photo/>).
func vcardUpdateOf(t *testing.T, stanza string) (hash string, has bool) {
	t.Helper()
	var p struct {
		X *struct {
			Photo *string `xml:"photo"`
		} `xml:"vcard-temp:x:update x"`
	}
	if err := xml.Unmarshal([]byte(stanza), &p); err != nil {
		t.Fatalf("presence %q: %v", stanza, err)
	}
	if p.X == nil || p.X.Photo == nil {
		return "", false
	}
	return strings.TrimSpace(*p.X.Photo), true
}

// XEP-0153 §4.2, Clove's own hash: slixmpp, subscribed to alice, sees in
// her presence an empty <photo/> once her (empty) vCard is read, the
// avatar's SHA-1 once she sets one, and an empty <photo/> again once she
// removes it. On a server that converts PEP avatars itself (XEP-0398,
// mod_vcard_legacy) and on one that does not (mod_vcard alone).
func TestOwnAvatarHashInPresence(t *testing.T) {
	slixtest.Require(t)
	for _, module := range []string{"vcard", "vcard_legacy"} {
		t.Run(module, func(t *testing.T) {
			srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule(module))
			srv.CreateUser(t, "alice", "alice-pw")
			srv.CreateUser(t, "bob", "bob-pw")
			ap, aa := testAccount(t, srv, "alice")
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			bj := "bob@" + srv.Domain
			bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slixmpp", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { bob.Close() })
			run := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
			if err := run.s.WaitOnline(ctx); err != nil {
				t.Fatal(err)
			}
			if err := run.s.AddContact(ctx, bj, "Bob"); err != nil {
				t.Fatal(err)
			}
			run.wait(t, "bob's subscription request", func(ev xmppclient.Event) bool {
				r, ok := ev.(xmppclient.SubscriptionRequest)
				return ok && r.From.String() == bj
			})
			if err := run.s.AnswerSubscription(ctx, bj, true); err != nil {
				t.Fatal(err)
			}
			fromAlice := func(want string) func(slixtest.Presence) bool {
				return func(p slixtest.Presence) bool {
					if !strings.HasPrefix(p.From, aa.JID+"/") || p.Type != "" {
						return false
					}
					h, has := vcardUpdateOf(t, p.XML)
					return has && h == want
				}
			}
			if _, err := bob.WaitPresence(ctx, 0, fromAlice("")); err != nil {
				t.Fatalf("no presence of alice with an empty <photo/>: %v (got %+v)", err, bob.Presences())
			}

			path := filepath.Join(t.TempDir(), "alice.png")
			if err := os.WriteFile(path, testPNG(t, 100, 100), 0o600); err != nil {
				t.Fatal(err)
			}
			img, err := OwnAvatar(path)
			if err != nil {
				t.Fatal(err)
			}
			id := xmppclient.AvatarHash(img.Data)
			n := len(bob.Presences())
			start := time.Now()
			if err := run.s.SetAvatar(ctx, img); err != nil {
				t.Fatal(err)
			}
			if _, err := bob.WaitPresence(ctx, n, fromAlice(id)); err != nil {
				t.Fatalf("no presence of alice with her avatar's hash %s: %v (got %+v)", id, err, bob.Presences()[n:])
			}
			t.Logf("%s: the hash reached slixmpp %v after SetAvatar began", module, time.Since(start).Round(time.Millisecond))

			n = len(bob.Presences())
			if err := run.s.SetAvatar(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := bob.WaitPresence(ctx, n, fromAlice("")); err != nil {
				t.Fatalf("no presence of alice with an empty <photo/> after removing: %v (got %+v)", err, bob.Presences()[n:])
			}
			// Every available presence of alice's carries one x, never two
			// (the server's mod_vcard_legacy leaves ours alone).
			for _, p := range bob.Presences() {
				if strings.HasPrefix(p.From, aa.JID+"/") && strings.Count(p.XML, "vcard-temp:x:update") > 1 {
					t.Errorf("two vcard-temp:x:update in %s", p.XML)
				}
			}
		})
	}
}
