package xmppclient

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// Metadata: the first <info> served over PEP with a SHA-1 id; one with a
// url (an HTTP address the contact chose) is never the one fetched; an
// empty <metadata/> removes the avatar; ids that are not SHA-1 are
// ignored.
func TestAvatarMetadata(t *testing.T) {
	const id = "111f4b3c50d7b0df729d299bc6f8e9ef9066971f"
	from := jid.MustParse("bob@x/phone")
	for _, tc := range []struct {
		name, xml string
		ok        bool
		want      string
	}{
		{"pep", `<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='12345' id='` + id + `' type='image/png' width='64' height='64'/></metadata>`, true, id},
		{"url first", `<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='1' id='` + strings.Repeat("a", 40) + `' type='image/png' url='http://evil.example/a.png'/><info bytes='2' id='` + strings.ToUpper(id) + `' type='image/png'/></metadata>`, true, id},
		{"url only", `<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='1' id='` + id + `' type='image/png' url='http://evil.example/a.png'/></metadata>`, false, ""},
		{"removed", `<metadata xmlns='urn:xmpp:avatar:metadata'/>`, true, ""},
		{"bad id", `<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='1' id='../../etc' type='image/png'/></metadata>`, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m avatarMetadata
			if err := xml.Unmarshal([]byte(tc.xml), &m); err != nil {
				t.Fatal(err)
			}
			a, ok := m.announced(from)
			if ok != tc.ok || a.ID != tc.want || (ok && a.JID.String() != "bob@x") {
				t.Errorf("got %+v %v, want id %q ok %v", a, ok, tc.want, tc.ok)
			}
		})
	}
}

// Base64 is sized before it is decoded: 10 MB of it is refused without
// being decoded; garbage is an error; BINVAL folded over lines decodes.
func TestDecodeAvatarBase64(t *testing.T) {
	big := strings.Repeat("QUFB", 10<<20/3)
	if _, err := decodeBase64(big); !errors.Is(err, ErrAvatarTooLarge) {
		t.Errorf("10 MB: %v", err)
	}
	if _, err := decodeBase64("!!!not*base64~~"); err == nil {
		t.Error("garbage decoded")
	}
	b64 := base64.StdEncoding.EncodeToString([]byte("a picture, say"))
	if b, err := decodeBase64(b64[:8] + "\n  " + b64[8:] + "\r\n"); err != nil || string(b) != "a picture, say" {
		t.Errorf("folded: %q %v", b, err)
	}
}
