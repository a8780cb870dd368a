package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// `clove account avatar`: a JPEG becomes a ≤ 192×192 PNG published over
// PEP (XEP-0084) that a client that is not ours (slixmpp) fetches, and
// the vCard photo (prosody's mod_vcard_legacy, XEP-0398) holds the same
// bytes; --remove empties the metadata; usage errors exit 2.
func TestCLIAccountAvatar(t *testing.T) {
	slixtest.Require(t)
	srv, alice, _, aj, _ := cliPair(t, prosodytest.WithPEP(), prosodytest.WithModule("vcard_legacy"))
	srv.CreateUser(t, "carol", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: "carol@" + srv.Domain + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })

	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "me.jpg")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out := alice.ok("account", "avatar", "--account", aj, path)
	if !strings.Contains(out, "192×144 PNG") {
		t.Fatalf("account avatar: %q", out)
	}
	id := strings.Fields(strings.TrimPrefix(out, "avatar set: "))[0]
	ans, cond, err := carol.IQ(ctx, "get", aj, fmt.Sprintf(`<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='%s'/></items></pubsub>`, id))
	if err != nil || cond != "" {
		t.Fatalf("carol fetching the avatar: %v %s", err, cond)
	}
	_, rest, _ := strings.Cut(ans, `<data xmlns="urn:xmpp:avatar:data">`)
	data, _, _ := strings.Cut(rest, "</data>")
	pic, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, f, err := image.DecodeConfig(bytes.NewReader(pic)); err != nil || f != "png" || cfg.Width != 192 || cfg.Height != 144 {
		t.Fatalf("published %s %v %v", f, cfg, err)
	}
	vc, cond, err := carol.IQ(ctx, "get", aj, `<vCard xmlns='vcard-temp'/>`)
	if err != nil || cond != "" {
		t.Fatalf("carol fetching the vCard: %v %s", err, cond)
	}
	_, rest, _ = strings.Cut(vc, "<BINVAL>")
	bin, _, _ := strings.Cut(rest, "</BINVAL>")
	if got, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(bin), "")); err != nil || !bytes.Equal(got, pic) {
		t.Errorf("vCard photo is not the avatar (%d bytes, %v)", len(got), err)
	}

	alice.ok("account", "avatar", "--account", aj, "--remove")
	meta, _, err := carol.IQ(ctx, "get", aj, `<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:metadata' max_items='1'/></pubsub>`)
	if err != nil || strings.Contains(meta, "<info") {
		t.Errorf("after --remove the metadata still announces an avatar: %v %s", err, meta)
	}
	alice.fails(2, "picture", "account", "avatar", "--account", aj)
	alice.fails(2, "picture", "account", "avatar", "--account", aj, "--remove", path)
	alice.fails(1, "no such file", "account", "avatar", "--account", aj, filepath.Join(t.TempDir(), "none.png"))
}
