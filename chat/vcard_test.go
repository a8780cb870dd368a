package chat

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// bobVCard is a vCard with every field Clove shows, as slixmpp publishes
// it (XEP-0054 §3.1's shapes).
const bobVCard = `<vCard xmlns='vcard-temp'><FN>Bob Builder</FN><N><FAMILY>Builder</FAMILY><GIVEN>Bob</GIVEN></N>` +
	`<NICKNAME>bobby</NICKNAME><BDAY>1990-04-01</BDAY>` +
	`<EMAIL><INTERNET/><PREF/><USERID>bob@example.org</USERID></EMAIL>` +
	`<TEL><VOICE/><WORK/><NUMBER>+44 20 7946 0000</NUMBER></TEL>` +
	`<URL>https://bob.example.org/</URL><ORG><ORGNAME>Builders Ltd</ORGNAME></ORG><ROLE>Foreman</ROLE>` +
	`<ADR><WORK/><LOCALITY>Bristol</LOCALITY><CTRY>UK</CTRY></ADR><DESC>Can we fix it? Yes we can.</DESC></vCard>`

var bobProfile = xmppclient.Profile{FullName: "Bob Builder", Nickname: "bobby", Birthday: "1990-04-01",
	Email: "bob@example.org", Phone: "+44 20 7946 0000", URL: "https://bob.example.org/", Org: "Builders Ltd",
	Role: "Foreman", Locality: "Bristol", Country: "UK", Note: "Can we fix it? Yes we can."}

// TestProfileWithSlixmpp: slixmpp publishes a vCard with every field and
// Clove reads it (and keeps it); Clove sets alice's profile and slixmpp
// reads it back with her avatar's photo, and her avatar set afterwards
// keeps the text. On mod_vcard (the vCard stored as is) and
// mod_vcard_legacy (turned into PEP: XEP-0292 and the avatar).
func TestProfileWithSlixmpp(t *testing.T) {
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
			bobJID := jid.MustParse(bj)

			// Nothing published yet: "none", kept as such.
			cp, err := run.s.FetchProfile(ctx, bobJID)
			if err != nil || !cp.None {
				t.Fatalf("before bob published: %+v %v, want none", cp, err)
			}

			if _, cond, err := bob.IQ(ctx, "set", "", bobVCard); err != nil || cond != "" {
				t.Fatalf("bob's vCard: %v %s", err, cond)
			}
			start := time.Now()
			cp, err = run.s.FetchProfile(ctx, bobJID)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: bob's profile read in %v", module, time.Since(start).Round(time.Microsecond))
			if cp.None || !reflect.DeepEqual(cp.Profile, bobProfile) {
				t.Errorf("read %+v\nwant %+v", cp.Profile, bobProfile)
			}
			kept, ok, err := ap.CachedProfile(ctx, aa.JID, bj)
			if err != nil || !ok || !reflect.DeepEqual(kept.Profile, bobProfile) || kept.None {
				t.Errorf("kept %+v %v %v", kept, ok, err)
			}

			// Alice's avatar, then her profile: slixmpp reads both.
			img := aliceAvatar(t, 100, 80)
			if err := run.s.SetAvatar(ctx, img); err != nil {
				t.Fatal(err)
			}
			set := map[string]string{"fullname": "Alice Liddell", "nickname": "ally", "email": "alice@example.org",
				"url": "https://alice.example.org", "locality": "Oxford", "country": "UK", "note": "Curiouser\nand curiouser"}
			start = time.Now()
			if _, err := run.s.SetProfile(ctx, set); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: alice's profile written in %v", module, time.Since(start).Round(time.Microsecond))
			got := readVCard(t, ctx, bob, aa.JID)
			for k, v := range set {
				if got.field(k) != v {
					t.Errorf("slixmpp read %s = %q, want %q", k, got.field(k), v)
				}
			}
			if got.photoHash(t) != xmppclient.AvatarHash(img.Data) {
				t.Errorf("the avatar's photo was lost when the profile was saved (photo hash %q)", got.photoHash(t))
			}
			// The other way: a new avatar keeps the text fields.
			img2 := aliceAvatar(t, 60, 60)
			if err := run.s.SetAvatar(ctx, img2); err != nil {
				t.Fatal(err)
			}
			got = readVCard(t, ctx, bob, aa.JID)
			if got.FN != "Alice Liddell" || got.field("note") != set["note"] || got.field("locality") != "Oxford" {
				t.Errorf("the profile was lost when the avatar was set: %+v", got)
			}
			if got.photoHash(t) != xmppclient.AvatarHash(img2.Data) {
				t.Errorf("photo %q, want the new avatar's", got.photoHash(t))
			}
			// Own profile read back by Clove; a field removed.
			if _, err := run.s.SetProfile(ctx, map[string]string{"email": ""}); err != nil {
				t.Fatal(err)
			}
			own, err := run.s.FetchProfile(ctx, jid.MustParse(aa.JID))
			if err != nil || own.FullName != "Alice Liddell" || own.Email != "" || own.Nickname != "ally" {
				t.Errorf("own profile %+v %v", own, err)
			}
			if _, err := run.s.SetProfile(ctx, map[string]string{"colour": "red"}); err == nil {
				t.Error("an unknown field was accepted")
			}
		})
	}
}

// TestProfileBadInput: a vCard with a huge field is cut (one line), a
// malformed one is refused with one error, one over the stanza limit
// (1.2 MB) costs a reconnection and an error, never a panic; the session
// stays usable.
func TestProfileBadInput(t *testing.T) {
	slixtest.Require(t)
	// Let slixmpp store vCards bigger than prosody's 256 KiB default.
	srv := prosodytest.Start(t, prosodytest.WithModule("vcard"), prosodytest.Config("c2s_stanza_size_limit = 4*1024*1024"))
	srv.CreateUser(t, "alice", "alice-pw")
	ap, aa := testAccount(t, srv, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
	if err := run.s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user  string
		vcard string
		check func(t *testing.T, cp ContactProfile, err error)
	}{
		{"huge", `<vCard xmlns='vcard-temp'><FN>Huge</FN><DESC>` + strings.Repeat("words ", 40_000) + `</DESC></vCard>`,
			func(t *testing.T, cp ContactProfile, err error) {
				if err != nil || cp.FullName != "Huge" || len([]rune(cp.Note)) != xmppclient.MaxProfileNote+1 || strings.Join(cp.Cut, ",") != "note" {
					t.Errorf("got %q… (%d chars) cut %v, %v; want the note cut to %d", cp.FullName, len([]rune(cp.Note)), cp.Cut, err, xmppclient.MaxProfileNote)
				}
			}},
		{"deep", `<vCard xmlns='vcard-temp'><FN>x</FN>` + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + `</vCard>`,
			func(t *testing.T, cp ContactProfile, err error) {
				if err == nil || !strings.Contains(err.Error(), "malformed vCard") {
					t.Errorf("got %+v %v, want malformed", cp, err)
				}
			}},
		{"shapes", `<vCard xmlns='vcard-temp'><FN><GIVEN>x</GIVEN></FN><EMAIL>flat@example.org</EMAIL><ORG>Flat Ltd</ORG><BDAY>1990&#x202e;</BDAY></vCard>`,
			func(t *testing.T, cp ContactProfile, err error) {
				// Fields in shapes the XEP does not have are not shown;
				// what is shown is escaped where it is printed.
				if err != nil || cp.FullName != "" || cp.Email != "" || cp.Org != "" || cp.Birthday != "1990\u202e" {
					t.Errorf("got %+v %v", cp, err)
				}
			}},
		{"megabyte", `<vCard xmlns='vcard-temp'><FN>Mega</FN><DESC>` + strings.Repeat("x", 1_200_000) + `</DESC></vCard>`,
			func(t *testing.T, cp ContactProfile, err error) {
				if err == nil || !strings.Contains(err.Error(), "larger than Clove reads (1 MiB)") {
					t.Errorf("a 1.2 MB vCard: %d chars, %v", len(cp.Note), err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.user, func(t *testing.T) {
			srv.CreateUser(t, tc.user, "pw")
			j := tc.user + "@" + srv.Domain
			c, err := slixtest.Start(ctx, slixtest.Params{JID: j + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if tc.vcard != "" {
				if _, cond, err := c.IQ(ctx, "set", "", tc.vcard); err != nil || cond != "" {
					t.Fatalf("slixmpp's vCard: %v %s", err, cond)
				}
			}
			if err := run.s.WaitOnline(ctx); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			cp, err := run.s.FetchProfile(ctx, jid.MustParse(j))
			t.Logf("%s: %v after %v", tc.user, err, time.Since(start).Round(time.Millisecond))
			tc.check(t, cp, err)
		})
	}
	// Still usable: the session comes back and reads a profile. The
	// megabyte one is not asked again this run (no second reconnection).
	if err := run.s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := run.s.FetchProfile(ctx, jid.MustParse("megabyte@"+srv.Domain)); err == nil || time.Since(start) > time.Second {
		t.Errorf("megabyte again: %v after %v, want the error at once", err, time.Since(start))
	}
	if cp, err := run.s.FetchProfile(ctx, jid.MustParse("huge@"+srv.Domain)); err != nil || cp.FullName != "Huge" {
		t.Errorf("after the bad ones: %+v %v", cp.FullName, err)
	}
}

// aliceAvatar makes an avatar as Set my avatar… does.
func aliceAvatar(t *testing.T, w, h int) *xmppclient.AvatarImage {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.png")
	if err := os.WriteFile(path, testPNG(t, w, h), 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := OwnAvatar(path)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// slixVCard is a vCard as slixmpp received it.
type slixVCard struct {
	FN    string `xml:"FN"`
	Nick  string `xml:"NICKNAME"`
	URL   string `xml:"URL"`
	Desc  string `xml:"DESC"`
	Note  string `xml:"NOTE"`
	Email []struct {
		UserID string `xml:"USERID"`
	} `xml:"EMAIL"`
	Adr []struct {
		Locality string `xml:"LOCALITY"`
		Country  string `xml:"CTRY"`
	} `xml:"ADR"`
	Photo *struct {
		BinVal string `xml:"BINVAL"`
	} `xml:"PHOTO"`
}

func (v slixVCard) field(k string) string {
	switch k {
	case "fullname":
		return v.FN
	case "nickname":
		return v.Nick
	case "url":
		return v.URL
	case "note":
		return v.Desc + v.Note // mod_vcard_legacy answers NOTE
	case "email":
		if len(v.Email) > 0 {
			return v.Email[0].UserID
		}
	case "locality":
		if len(v.Adr) > 0 {
			return v.Adr[0].Locality
		}
	case "country":
		if len(v.Adr) > 0 {
			return v.Adr[0].Country
		}
	}
	return ""
}

func (v slixVCard) photoHash(t *testing.T) string {
	if v.Photo == nil {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v.Photo.BinVal), ""))
	if err != nil {
		t.Fatalf("photo: %v", err)
	}
	return xmppclient.AvatarHash(b)
}

// readVCard has slixmpp ask for who's vCard.
func readVCard(t *testing.T, ctx context.Context, c *slixtest.Client, who string) slixVCard {
	t.Helper()
	answer, cond, err := c.IQ(ctx, "get", who, `<vCard xmlns='vcard-temp'/>`)
	if err != nil || cond != "" {
		t.Fatalf("slixmpp's query of %s: %v %s", who, err, cond)
	}
	var iq struct {
		VCard slixVCard `xml:"vcard-temp vCard"`
	}
	if err := xml.Unmarshal([]byte(answer), &iq); err != nil {
		t.Fatalf("%v in %s", err, answer)
	}
	return iq.VCard
}

// TestProfileNoVCardServer: a server without vCards (prosody without
// mod_vcard) is said in words, for a contact's profile and one's own.
func TestProfileNoVCardServer(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
	if err := run.s.WaitOnline(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := run.s.FetchProfile(ctx, jid.MustParse("bob@"+srv.Domain))
	if !errors.Is(err, xmppclient.ErrNoProfileService) {
		t.Errorf("bob's: %v, want ErrNoProfileService", err)
	}
	t.Logf("bob's: %v", err)
	if _, err := run.s.SetProfile(ctx, map[string]string{"fullname": "A"}); !errors.Is(err, xmppclient.ErrNoProfileService) {
		t.Errorf("own: %v, want ErrNoProfileService", err)
	}
	if _, ok, _ := ap.CachedProfile(ctx, aa.JID, "bob@"+srv.Domain); ok {
		t.Error("a refusal was kept as a profile")
	}
}
