package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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
	"github.com/clove-xmpp/clove/xmppclient"
)

// TestCLIAccountProfile: `clove account profile` prints the vCard slixmpp
// published, field by field and as JSON (network text escaped); --set
// changes alice's own, which slixmpp reads back with her avatar's photo
// still there; bad fields are usage errors.
func TestCLIAccountProfile(t *testing.T) {
	slixtest.Require(t)
	srv, alice, _, aj, _ := cliPair(t, prosodytest.WithPEP(), prosodytest.WithModule("vcard"))
	srv.CreateUser(t, "carol", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cj := "carol@" + srv.Domain
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: cj + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })

	if out := alice.ok("account", "profile", "--account", aj, cj); out != "no profile published\n" {
		t.Errorf("before carol published: %q", out)
	}
	if out := alice.ok("account", "profile", "--account", aj, cj, "--json"); out != `{"none":true}`+"\n" {
		t.Errorf("before carol published, --json: %q", out)
	}
	if _, cond, err := carol.IQ(ctx, "set", "", `<vCard xmlns='vcard-temp'><FN>Carol Ann</FN><NICKNAME>caz</NICKNAME>`+
		`<BDAY>1985-12-24</BDAY><EMAIL><INTERNET/><USERID>carol@example.org</USERID></EMAIL><TEL><NUMBER>+33 1 23 45 67 89</NUMBER></TEL>`+
		`<URL>https://carol.example/</URL><ORG><ORGNAME>Choir</ORGNAME></ORG><ROLE>Alto</ROLE>`+
		`<ADR><LOCALITY>Lyon</LOCALITY><CTRY>France</CTRY></ADR><DESC>Sings.
Also: &#x202e;reversed</DESC></vCard>`); err != nil || cond != "" {
		t.Fatalf("carol's vCard: %v %s", err, cond)
	}
	out := alice.ok("account", "profile", "--account", aj, cj)
	want := "fullname: Carol Ann\nnickname: caz\nbirthday: 1985-12-24\nemail: carol@example.org\nphone: +33 1 23 45 67 89\n" +
		"url: https://carol.example/\norg: Choir\nrole: Alto\nlocality: Lyon\ncountry: France\nnote: Sings.⏎Also: \\u202ereversed\n"
	if out != want {
		t.Errorf("profile:\n%s\nwant:\n%s", out, want)
	}
	var j xmppclient.Profile
	out = alice.ok("account", "profile", "--account", aj, cj, "--json")
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.FullName != "Carol Ann" || j.Note != "Sings.\nAlso: \u202ereversed" || j.Country != "France" {
		t.Errorf("--json: %q %v", out, err)
	}

	// Alice's avatar, then her profile (the order the brief writes too).
	pic := filepath.Join(t.TempDir(), "me.png")
	writeTestPNG(t, pic)
	alice.ok("account", "avatar", "--account", aj, pic)
	out = alice.ok("account", "--account", aj, "profile", "--set", "fullname=Alice Liddell", "--set", "note=Curiouser", "--set", "country=UK")
	if !strings.Contains(out, "fullname: Alice Liddell\n") || !strings.Contains(out, "country: UK\n") {
		t.Errorf("--set printed %q", out)
	}
	vc, cond, err := carol.IQ(ctx, "get", aj, `<vCard xmlns='vcard-temp'/>`)
	if err != nil || cond != "" {
		t.Fatalf("carol reading alice's vCard: %v %s", err, cond)
	}
	for _, w := range []string{"<FN>Alice Liddell</FN>", "<DESC>Curiouser</DESC>", "<CTRY>UK</CTRY>"} {
		if !strings.Contains(vc, w) {
			t.Errorf("carol did not read %s in %s", w, vc)
		}
	}
	_, rest, _ := strings.Cut(vc, "<BINVAL>")
	bin, _, _ := strings.Cut(rest, "</BINVAL>")
	if got, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(bin), "")); err != nil || len(got) == 0 {
		t.Errorf("the photo was lost: %d bytes, %v", len(got), err)
	} else if cfg, err := png.DecodeConfig(bytes.NewReader(got)); err != nil || cfg.Width != 64 {
		t.Errorf("the photo is not alice's avatar: %v %v", cfg, err)
	}
	if out := alice.ok("account", "profile", "--account", aj); !strings.HasPrefix(out, "fullname: Alice Liddell\n") || !strings.Contains(out, "note: Curiouser\n") {
		t.Errorf("own profile: %q", out)
	}
	alice.ok("account", "profile", "--account", aj, "--set", "note=")
	if out := alice.ok("account", "profile", "--account", aj); strings.Contains(out, "note:") {
		t.Errorf("note= did not remove it: %q", out)
	}

	alice.fails(2, "unknown profile field", "account", "profile", "--account", aj, "--set", "colour=red")
	alice.fails(2, "FIELD=VALUE", "account", "profile", "--account", aj, "--set", "fullname")
	alice.fails(2, "over 500 characters", "account", "profile", "--account", aj, "--set", "fullname="+strings.Repeat("a", 501))
	alice.fails(2, "--set only for your own", "account", "profile", "--account", aj, cj, "--set", "fullname=x")
	alice.fails(2, "needs --account", "account", "profile")
}

// writeTestPNG writes a 64×64 picture to path.
func writeTestPNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 4), uint8(y * 4), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
