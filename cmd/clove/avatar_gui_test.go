package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// orange is the avatar slixmpp publishes in the window's test: a colour
// nothing else in Clove's window has.
var orange = color.RGBA{255, 128, 0, 255}

// The real window under Xvfb: bob (slixmpp, a client that is not ours)
// published an avatar over PEP before alice logs in; her roster shows it
// in bob's row once fetched, and coloured initials for carol, who has
// none.
func TestGUIAvatarsUnderXvfb(t *testing.T) {
	needX(t)
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("vcard_legacy"))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, u+"-pw")
	}
	aj, bj, cj := "alice@"+srv.Domain, "bob@"+srv.Domain, "carol@"+srv.Domain
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slixmpp", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{orange.R, orange.G, orange.B, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	id := xmppclient.AvatarHash(b.Bytes())
	for _, x := range []string{
		fmt.Sprintf(`<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:data'><item id='%s'><data xmlns='urn:xmpp:avatar:data'>%s</data></item></publish></pubsub>`, id, base64.StdEncoding.EncodeToString(b.Bytes())),
		fmt.Sprintf(`<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:metadata'><item id='%s'><metadata xmlns='urn:xmpp:avatar:metadata'><info id='%s' bytes='%d' type='image/png' width='96' height='96'/></metadata></item></publish></pubsub>`, id, id, b.Len()),
	} {
		if _, cond, err := bob.IQ(ctx, "set", "", x); err != nil || cond != "" {
			t.Fatalf("bob publishing: %v %s", err, cond)
		}
	}
	alice := newCLI(t, "alice-pw")
	alice.ok("account", "add", aj, "--server", srv.C2SAddr)
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob") // slixmpp approves and asks back
	alice.ok("roster", "--account", aj, "add", cj, "--name", "Carol")
	time.Sleep(300 * time.Millisecond)
	alice.ok("roster", "--account", aj, "approve", bj)

	start := time.Now()
	w := aliceWindow(t, alice, aj)
	shot := filepath.Join(t.TempDir(), "avatars.png")
	orangeInRoster := func() int {
		w.screenshot(shot)
		f, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		im, err := png.Decode(bytes.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for y := 0; y < im.Bounds().Dy(); y++ {
			for x := 0; x < 300; x++ {
				c := color.RGBAModel.Convert(im.At(x, y)).(color.RGBA)
				if c.R > 240 && c.G > 110 && c.G < 145 && c.B < 20 {
					n++
				}
			}
		}
		return n
	}
	var n int
	waitUntil(t, 30*time.Second, "bob's avatar in the roster", func() bool {
		n = orangeInRoster()
		return n > 300
	})
	t.Logf("bob's avatar shown %s after the window started: %d orange pixels in the roster", time.Since(start).Round(time.Millisecond), n)
	// Bob's chat: his avatar heads it.
	w.click(70, 89)
	time.Sleep(700 * time.Millisecond)
	w.screenshot(screenshotPath(t, "avatars.png"))
	if p := os.Getenv("CLOVE_AVATAR_SHOT"); p != "" {
		w.screenshot(p)
	}
	w.screenshot(shot)
	if c := pixelAt(t, shot, 304, 50); c.R < 240 || c.B > 20 {
		t.Errorf("the chat header's avatar at (304,50) is %v, not bob's orange", c)
	}
	w.stop()
}
