package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// The real window under Xvfb: bob (slixmpp) published a vCard; alice's
// right-click on him, Profile…, shows it (fetched over XMPP, kept in her
// profile's store); My profile… in the menu loads hers from the server,
// and what she types there is what slixmpp then reads, her avatar's
// photo kept.
func TestGUIProfileUnderXvfb(t *testing.T) {
	needX(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("vcard"))
	for _, u := range []string{"alice", "bob"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	aj, bj := "alice@"+srv.Domain, "bob@"+srv.Domain
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slixmpp", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	if _, cond, err := bob.IQ(ctx, "set", "", `<vCard xmlns='vcard-temp'><FN>Bob Builder</FN><NICKNAME>bobby</NICKNAME>`+
		`<BDAY>1990-04-01</BDAY><EMAIL><INTERNET/><USERID>bob@example.org</USERID></EMAIL><TEL><NUMBER>+44 20 7946 0000</NUMBER></TEL>`+
		`<URL>https://bob.example.org/</URL><ORG><ORGNAME>Builders Ltd</ORGNAME></ORG><ROLE>Foreman</ROLE>`+
		`<ADR><LOCALITY>Bristol</LOCALITY><CTRY>UK</CTRY></ADR><DESC>Can we fix it? Yes we can.</DESC></vCard>`); err != nil || cond != "" {
		t.Fatalf("bob's vCard: %v %s", err, cond)
	}
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob") // slixmpp approves and asks back
	time.Sleep(300 * time.Millisecond)
	alice.ok("roster", "--account", aj, "approve", bj)
	pic := t.TempDir() + "/me.png"
	writeTestPNG(t, pic)
	alice.ok("account", "avatar", "--account", aj, pic)
	alice.ok("account", "profile", "--account", aj, "--set", "nickname=ally")

	w := aliceWindow(t, alice, aj)
	time.Sleep(time.Second) // logged in
	// Bob, the first row.
	w.must("mousemove", "--window", w.id, "100", "85", "click", "3")
	time.Sleep(500 * time.Millisecond)
	if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
		w.screenshot(dir + "/gui-contact-menu.png")
	}
	// Open chat, Rename…, Remove…, Block…, Profile… (the separator skipped).
	start := time.Now()
	w.keys("Down", "Down", "Down", "Down", "Down", "Return") // (keys waits 300 ms after)
	// The window keeps what it fetched: read it beside it.
	p, err := chat.OpenProfile(ctx, alice.profile, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var kept chat.ContactProfile
	waitUntil(t, 20*time.Second, "bob's profile fetched and kept by the window", func() bool {
		cp, ok, err := p.CachedProfile(ctx, aj, bj)
		kept = cp
		return err == nil && ok && cp.FullName == "Bob Builder"
	})
	t.Logf("bob's profile kept %v after Profile… (%+v)", time.Since(start).Round(time.Millisecond), kept.Profile)
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "profile-contact.png"))
	if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
		w.screenshot(dir + "/gui-profile-contact.png")
	}
	w.keys("Escape")

	// My profile…: the menu (Clove), Add an account…, Message someone…,
	// Join a room…, Search all chats…, Preferences…, Set my avatar…, My
	// profile….
	w.click(20, 12)
	time.Sleep(400 * time.Millisecond)
	if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
		w.screenshot(dir + "/gui-menu.png")
	}
	w.keys("Down", "Down", "Down", "Down", "Down", "Down", "Down", "Return")
	time.Sleep(1500 * time.Millisecond) // the dialog reads her vCard
	w.must("type", "--window", w.id, "--delay", "20", "Alice Liddell")
	time.Sleep(300 * time.Millisecond)
	if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
		w.screenshot(dir + "/gui-profile-mine.png")
	}
	w.screenshot(screenshotPath(t, "profile-mine.png"))
	w.keys("Return") // Enter in a field saves
	var vc slixVCardText
	waitUntil(t, 20*time.Second, "slixmpp reads alice's new full name", func() bool {
		vc = readAliceVCard(t, ctx, bob, aj)
		return strings.Contains(vc.xml, "<FN>Alice Liddell</FN>")
	})
	if !strings.Contains(vc.xml, "<NICKNAME>ally</NICKNAME>") || !strings.Contains(vc.xml, "<BINVAL>") {
		t.Errorf("the nickname or the photo was lost: %s", vc.xml)
	}
	w.stop()
}

// slixVCardText is a vCard as slixmpp got it, as text.
type slixVCardText struct{ xml string }

func readAliceVCard(t *testing.T, ctx context.Context, c *slixtest.Client, who string) slixVCardText {
	t.Helper()
	ans, cond, err := c.IQ(ctx, "get", who, `<vCard xmlns='vcard-temp'/>`)
	if err != nil || cond != "" {
		t.Fatalf("slixmpp reading %s's vCard: %v %s", who, err, cond)
	}
	return slixVCardText{xml: ans}
}
