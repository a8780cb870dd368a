package chat

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// testPNG is a w×h PNG with a few colours (so scaling has work to do).
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngBomb is a small PNG whose header claims w×h pixels (CRC fixed, so
// only the size is a lie).
func pngBomb(t testing.TB, w, h uint32) []byte {
	b := testPNG(t, 8, 8)
	// IHDR's data starts at byte 16: width, height; its CRC follows the
	// 13 data bytes and covers the type too.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// Bad avatars are refused before anything decodes them, each with its
// reason; a good one gets its 64×64 roster copy.
func TestCheckAvatar(t *testing.T) {
	good := testPNG(t, 300, 200)
	big := make([]byte, 10<<20)
	copy(big, good)
	for _, tc := range []struct {
		name string
		data []byte
		hash string // "" means the data's own
		want string // "" means accepted
	}{
		{"good PNG", good, "", ""},
		{"hash does not match", good, xmppclient.AvatarHash([]byte("other")), "does not match"},
		{"10 MB", big, "", "over 1 MiB"},
		{"PNG bomb 50000×50000", pngBomb(t, 50000, 50000), "", "too large"},
		{"5000×5000 (over 4096 a side)", pngBomb(t, 5000, 5000), "", "at most 4096"},
		{"not an image", []byte("<html>hello</html>"), "", "not a PNG"},
		{"empty", nil, "", "empty"},
		{"truncated PNG", good[:len(good)/2], "", "avatar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.hash
			if h == "" {
				h = xmppclient.AvatarHash(tc.data)
			}
			a, err := CheckAvatar(h, tc.data)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := png.DecodeConfig(bytes.NewReader(a.Thumb))
				if err != nil || cfg.Width != ThumbSide || cfg.Height != ThumbSide {
					t.Fatalf("thumb %v %v", cfg, err)
				}
				t.Logf("thumb %d bytes", len(a.Thumb))
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// OwnAvatar scales a picture to fit 192×192 and writes it anew as PNG:
// the text chunk (metadata) of the original is gone.
func TestOwnAvatar(t *testing.T) {
	src := testPNG(t, 800, 400)
	// A tEXt chunk before IEND, as cameras and editors write them.
	chunk := func(typ string, data []byte) []byte {
		var b bytes.Buffer
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
		return b.Bytes()
	}
	withText := append(append(append([]byte{}, src[:len(src)-12]...), chunk("tEXt", []byte("Location\x0048.85,2.35"))...), src[len(src)-12:]...)
	path := filepath.Join(t.TempDir(), "me.png")
	if err := os.WriteFile(path, withText, 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := OwnAvatar(path)
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 192 || img.Height != 96 || img.Type != "image/png" {
		t.Errorf("avatar %d×%d %s, want 192×96 image/png", img.Width, img.Height, img.Type)
	}
	if bytes.Contains(img.Data, []byte("Location")) {
		t.Error("the picture's text chunk survived")
	}
}

// Avatars with a client that is not ours, on a real prosody with PEP and
// mod_vcard_legacy (XEP-0398): slixmpp publishes an avatar (XEP-0084) →
// Clove fetches it once, checks it and keeps it (and its roster copy);
// avatars that lie about their id, are not base64 or are image bombs are
// never kept and the session goes on; Clove publishes its own → slixmpp
// fetches the same bytes over PEP and as the vCard photo.
func TestAvatarsWithSlixmpp(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("vcard_legacy"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bj := "bob@" + srv.Domain
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slixmpp", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })

	publish := func(id string, data string, claimed int) {
		t.Helper()
		x := fmt.Sprintf(`<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:data'><item id='%s'><data xmlns='urn:xmpp:avatar:data'>%s</data></item></publish></pubsub>`, id, data)
		if _, cond, err := bob.IQ(ctx, "set", "", x); err != nil || cond != "" {
			t.Fatalf("publishing data: %v %s", err, cond)
		}
		x = fmt.Sprintf(`<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:metadata'><item id='%s'><metadata xmlns='urn:xmpp:avatar:metadata'><info id='%s' bytes='%d' type='image/png' width='300' height='200'/></metadata></item></publish></pubsub>`, id, id, claimed)
		if _, cond, err := bob.IQ(ctx, "set", "", x); err != nil || cond != "" {
			t.Fatalf("publishing metadata: %v %s", err, cond)
		}
	}
	good := testPNG(t, 300, 200)
	goodID := xmppclient.AvatarHash(good)
	publish(goodID, base64.StdEncoding.EncodeToString(good), len(good))

	// Mutual subscription (slixmpp approves and asks back by itself).
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
	st := ap.st
	waitAvatar := func(id string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			m, err := st.ContactAvatars(ctx, aa.JID)
			if err != nil {
				t.Fatal(err)
			}
			if m[bj] == id {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		c, _ := st.ContactAvatar(ctx, aa.JID, bj)
		t.Fatalf("bob's avatar %s not kept within 60 s (recorded: %+v)", id, c)
	}
	start := time.Now()
	waitAvatar(goodID)
	t.Logf("slixmpp's avatar kept %s after the subscription", time.Since(start).Round(time.Millisecond))
	data, err := st.AvatarData(ctx, goodID)
	if err != nil || !bytes.Equal(data, good) {
		t.Fatalf("kept data differs (%d bytes, %v)", len(data), err)
	}

	// Bad avatars: each announced in turn, none kept; then a good one.
	other := testPNG(t, 40, 40)
	bomb := pngBomb(t, 50000, 50000)
	bad := []struct{ name, id, data string }{
		{"hash mismatch", xmppclient.AvatarHash([]byte("not this")), base64.StdEncoding.EncodeToString(other)},
		{"garbage base64", xmppclient.AvatarHash([]byte("garbage")), "!!!not*base64~~"},
		{"PNG bomb", xmppclient.AvatarHash(bomb), base64.StdEncoding.EncodeToString(bomb)},
	}
	for _, b := range bad {
		publish(b.id, b.data, 1000)
	}
	// Claims 10 MB: not even fetched.
	publish(xmppclient.AvatarHash([]byte("huge")), base64.StdEncoding.EncodeToString(other), 10<<20)
	good2 := testPNG(t, 120, 120)
	publish(xmppclient.AvatarHash(good2), base64.StdEncoding.EncodeToString(good2), len(good2))
	waitAvatar(xmppclient.AvatarHash(good2))
	time.Sleep(time.Second) // the bad ones' fetches are done by now
	for _, b := range bad {
		if ok, err := st.HasAvatar(ctx, b.id); err != nil || ok {
			t.Errorf("%s: kept=%v err=%v", b.name, ok, err)
		}
	}
	if run.s.State() != xmppclient.Online {
		t.Errorf("session %s after the bad avatars", run.s.State())
	}

	// Clove publishes; slixmpp reads it over PEP and as the vCard.
	path := filepath.Join(t.TempDir(), "alice.png")
	if err := os.WriteFile(path, testPNG(t, 500, 500), 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := OwnAvatar(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.s.SetAvatar(ctx, img); err != nil {
		t.Fatal(err)
	}
	id := xmppclient.AvatarHash(img.Data)
	ans, cond, err := bob.IQ(ctx, "get", aa.JID, fmt.Sprintf(`<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='%s'/></items></pubsub>`, id))
	if err != nil || cond != "" {
		t.Fatalf("slixmpp fetching alice's avatar: %v %s", err, cond)
	}
	if got := between(ans, "<data xmlns=\"urn:xmpp:avatar:data\">", "</data>"); got != base64.StdEncoding.EncodeToString(img.Data) {
		t.Errorf("slixmpp got other data over PEP (%d chars): %.200s", len(got), ans)
	}
	ans, cond, err = bob.IQ(ctx, "get", aa.JID, `<vCard xmlns='vcard-temp'/>`)
	if err != nil || cond != "" {
		t.Fatalf("slixmpp fetching alice's vCard: %v %s", err, cond)
	}
	bin, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(between(ans, "<BINVAL>", "</BINVAL>")), ""))
	if err != nil || !bytes.Equal(bin, img.Data) {
		t.Errorf("vCard photo differs (%d bytes, %v): %.300s", len(bin), err, ans)
	}

	// After a restart: what is kept is shown, nothing fetched again.
	fetched := run.s.avatars.fetched.Load()
	run.close()
	if h, err := st.ContactAvatars(ctx, aa.JID); err != nil || h[bj] != xmppclient.AvatarHash(good2) || h[aa.JID] != id {
		t.Errorf("after the session: %v %v", h, err)
	}
	run2 := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
	run2.wait(t, "bob's metadata again", func(ev xmppclient.Event) bool {
		a, ok := ev.(xmppclient.AvatarAnnounced)
		return ok && a.JID.String() == bj && a.ID == xmppclient.AvatarHash(good2)
	})
	time.Sleep(500 * time.Millisecond)
	if n := run2.s.avatars.fetched.Load(); n != 0 {
		t.Errorf("after a restart %d avatars were fetched again", n)
	}
	t.Logf("first run: %d avatar fetches; after a restart: 0", fetched)
}

// between is the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// The vCard fallback (XEP-0153) on a server without XEP-0398: slixmpp has
// no PEP avatar but a vCard photo and names its hash in its presence →
// Clove fetches the vCard, checks the photo against the hash and keeps it.
func TestVCardAvatarFallback(t *testing.T) {
	slixtest.Require(t)
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithModule("vcard"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bj := "bob@" + srv.Domain
	bob, err := slixtest.Start(ctx, slixtest.Params{JID: bj + "/slixmpp", Password: "bob-pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	photo := testPNG(t, 80, 60)
	id := xmppclient.AvatarHash(photo)
	// Folded over lines, as many clients write BINVAL.
	b64 := base64.StdEncoding.EncodeToString(photo)
	var folded strings.Builder
	for i := 0; i < len(b64); i += 76 {
		folded.WriteString(b64[i:min(i+76, len(b64))] + "\n")
	}
	if _, cond, err := bob.IQ(ctx, "set", "", `<vCard xmlns='vcard-temp'><FN>Bob</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>`+folded.String()+`</BINVAL></PHOTO></vCard>`); err != nil || cond != "" {
		t.Fatalf("bob's vCard: %v %s", err, cond)
	}
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
	time.Sleep(300 * time.Millisecond)
	if err := bob.Presence(ctx, `<x xmlns='vcard-temp:x:update'><photo>`+id+`</photo></x>`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		h, err := ap.st.ContactAvatars(ctx, aa.JID)
		if err != nil {
			t.Fatal(err)
		}
		if h[bj] == id {
			break
		}
		if time.Now().After(deadline) {
			c, _ := ap.st.ContactAvatar(ctx, aa.JID, bj)
			t.Fatalf("bob's vCard photo not kept within 30 s (recorded %+v)", c)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c, err := ap.st.ContactAvatar(ctx, aa.JID, bj)
	if err != nil || c.Source != store.AvatarVCard {
		t.Errorf("recorded %+v %v, want source vcard", c, err)
	}
	// A presence naming a hash its vCard does not match: not kept.
	wrong := xmppclient.AvatarHash([]byte("another picture"))
	if err := bob.Presence(ctx, `<x xmlns='vcard-temp:x:update'><photo>`+wrong+`</photo></x>`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if ok, _ := ap.st.HasAvatar(ctx, wrong); ok {
		t.Error("a vCard photo that does not match the presence's hash was kept")
	}
}
