package xmppclient

import (
	"bytes"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"mellium.im/xmlstream"
)

// parseVCard decodes a vCard element from its text, as getVCard does.
func parseVCard(t *testing.T, s string) (*vnode, error) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	tok, err := d.Token()
	if err != nil {
		t.Fatal(err)
	}
	return decodeVNode(d, tok.(xml.StartElement))
}

func writeVCard(t *testing.T, n *vnode) string {
	t.Helper()
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if _, err := xmlstream.Copy(e, n.tokens()); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	// Go's encoder names the namespace on every element: shorter to read
	// (and to match) without it.
	return strings.ReplaceAll(b.String(), ` xmlns="vcard-temp"`, "")
}

const fullVCard = `<vCard xmlns='vcard-temp'>
<FN>Bob Builder</FN><N><FAMILY>Builder</FAMILY><GIVEN>Bob</GIVEN></N>
<NICKNAME>bobby</NICKNAME><BDAY>1990-04-01</BDAY>
<EMAIL><HOME/><INTERNET/><USERID></USERID></EMAIL>
<EMAIL><WORK/><INTERNET/><USERID>bob@example.org</USERID></EMAIL>
<TEL><VOICE/><NUMBER>+44 20 7946 0000</NUMBER></TEL>
<URL>https://bob.example.org/</URL>
<ORG><ORGNAME>Builders Ltd</ORGNAME><ORGUNIT>Roofs</ORGUNIT></ORG>
<ROLE>Foreman</ROLE>
<ADR><WORK/><STREET>1 Yard Lane</STREET><LOCALITY>Bristol</LOCALITY><CTRY>UK</CTRY></ADR>
<DESC>Can we fix it?
Yes we can.</DESC>
<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO>
<x xmlns='urn:example:ext' a='1'>kept</x>
</vCard>`

func TestProfileOf(t *testing.T) {
	long := strings.Repeat("é", MaxProfileField+10)
	tests := []struct {
		name string
		xml  string
		want Profile
		err  error
	}{
		{"all fields", fullVCard, Profile{FullName: "Bob Builder", Nickname: "bobby", Birthday: "1990-04-01",
			Email: "bob@example.org", Phone: "+44 20 7946 0000", URL: "https://bob.example.org/", Org: "Builders Ltd",
			Role: "Foreman", Locality: "Bristol", Country: "UK", Note: "Can we fix it?\nYes we can."}, nil},
		// mod_vcard_legacy answers the note as NOTE.
		{"NOTE for DESC", `<vCard xmlns='vcard-temp'><FN/><NOTE> hi </NOTE></vCard>`, Profile{Note: "hi"}, nil},
		{"empty", `<vCard xmlns='vcard-temp'/>`, Profile{}, nil},
		{"cut", `<vCard xmlns='vcard-temp'><FN>` + long + `</FN></vCard>`,
			Profile{FullName: strings.Repeat("é", MaxProfileField) + "…", Cut: []string{"fullname"}}, nil},
		{"fields where they do not belong", `<vCard xmlns='vcard-temp'><EMAIL>flat@x</EMAIL><FN><b>x</b></FN><ORG>o</ORG></vCard>`, Profile{}, nil},
		{"too deep", `<vCard xmlns='vcard-temp'>` + strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20) + `</vCard>`, Profile{}, errVCardMalformed},
		{"too many", `<vCard xmlns='vcard-temp'>` + strings.Repeat("<a/>", maxVCardNodes+1) + `</vCard>`, Profile{}, errVCardMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vc, err := parseVCard(t, tc.xml)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			got := profileOf(vc)
			if g, w := strings.Join(got.Cut, ","), strings.Join(tc.want.Cut, ","); g != w {
				t.Errorf("cut %q, want %q", g, w)
			}
			got.Cut, tc.want.Cut = nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestProfileWrite: changing fields keeps the PHOTO, the other parts of
// a structured field and elements Clove does not know.
func TestProfileWrite(t *testing.T) {
	tests := []struct {
		name    string
		start   string
		changes map[string]string
		want    Profile
		keep    []string // substrings the written vCard must still have
		gone    []string
	}{
		{"change all", fullVCard, map[string]string{"fullname": "Robert", "email": "r@example.org", "org": "Acme", "locality": "Bath", "note": "new", "url": ""},
			Profile{FullName: "Robert", Nickname: "bobby", Birthday: "1990-04-01", Email: "r@example.org", Phone: "+44 20 7946 0000",
				Org: "Acme", Role: "Foreman", Locality: "Bath", Country: "UK", Note: "new"},
			[]string{"<BINVAL>iVBORw0KGgo=</BINVAL>", "<ORGUNIT>Roofs</ORGUNIT>", "<STREET>1 Yard Lane</STREET>", `<x xmlns="urn:example:ext" a="1">kept</x>`, "<WORK", "<FAMILY>Builder</FAMILY>"},
			[]string{"<URL>", "Yes we can"}},
		{"remove structured", fullVCard, map[string]string{"org": "", "phone": "", "locality": "", "country": ""},
			Profile{FullName: "Bob Builder", Nickname: "bobby", Birthday: "1990-04-01", Email: "bob@example.org",
				URL: "https://bob.example.org/", Org: "", Role: "Foreman", Note: "Can we fix it?\nYes we can."},
			[]string{"<ORGUNIT>Roofs</ORGUNIT>", "<STREET>1 Yard Lane</STREET>", "<BINVAL>"},
			[]string{"<TEL", "<ORGNAME", "<LOCALITY", "<CTRY"}},
		{"photo only", `<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>AAAA</BINVAL></PHOTO></vCard>`,
			map[string]string{"nickname": "al", "email": "al@x", "country": "FR", "note": "n"},
			Profile{Nickname: "al", Email: "al@x", Country: "FR", Note: "n"},
			[]string{"<BINVAL>AAAA</BINVAL>", "<INTERNET", "<CTRY>FR</CTRY>"}, nil},
		{"NOTE replaced by DESC", `<vCard xmlns='vcard-temp'><NOTE>old</NOTE></vCard>`, map[string]string{"note": "new"},
			Profile{Note: "new"}, []string{"<DESC>new</DESC>"}, []string{"<NOTE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vc, err := parseVCard(t, tc.start)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range ProfileFields() {
				if v, ok := tc.changes[f.Key]; ok {
					pathOf(f.Key).write(vc, v)
				}
			}
			out := writeVCard(t, vc)
			// Read back from what would go on the wire.
			back, err := parseVCard(t, out)
			if err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			if got := profileOf(back); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v\nin %s", got, tc.want, out)
			}
			for _, k := range tc.keep {
				if !strings.Contains(out, k) {
					t.Errorf("%q lost: %s", k, out)
				}
			}
			for _, g := range tc.gone {
				if strings.Contains(out, g) {
					t.Errorf("%q still there: %s", g, out)
				}
			}
		})
	}
}

func TestCheckProfileChange(t *testing.T) {
	tests := []struct {
		key, v string
		ok     bool
	}{
		{"fullname", "Alice", true},
		{"note", "two\nlines", true},
		{"fullname", "two\nlines", false},
		{"colour", "red", false},
		{"nickname", strings.Repeat("a", MaxProfileField+1), false},
		{"note", strings.Repeat("a", MaxProfileNote), true},
		{"url", "\x1b[31m", false},
		{"fullname", "\xff", false},
	}
	for _, tc := range tests {
		if err := CheckProfileChange(tc.key, tc.v); (err == nil) != tc.ok {
			t.Errorf("%s=%q: %v, want ok=%v", tc.key, tc.v, err, tc.ok)
		}
	}
}

// FuzzVCard: whatever a server answers as a vCard, reading it, changing
// every field and writing it back neither panics nor writes what cannot
// be read again.
func FuzzVCard(f *testing.F) {
	f.Add(fullVCard)
	f.Add(`<vCard xmlns='vcard-temp'><NOTE>n</NOTE><EMAIL>flat</EMAIL></vCard>`)
	f.Add(`<vCard xmlns='vcard-temp'><ADR><ADR><CTRY>x</CTRY></ADR></ADR></vCard>`)
	f.Fuzz(func(t *testing.T, s string) {
		d := xml.NewDecoder(strings.NewReader(s))
		tok, err := d.Token()
		for err == nil {
			if _, ok := tok.(xml.StartElement); ok {
				break
			}
			tok, err = d.Token()
		}
		if err != nil {
			return
		}
		vc, err := decodeVNode(d, tok.(xml.StartElement))
		if err != nil {
			return
		}
		p := profileOf(vc)
		for _, fl := range ProfileFields() {
			if n := utf8.RuneCountInString(*p.Field(fl.Key)); n > fieldBound(fl.Key)+1 {
				t.Fatalf("%s: %d characters", fl.Key, n)
			}
			pathOf(fl.Key).write(vc, "v-"+fl.Key)
		}
		var b bytes.Buffer
		e := xml.NewEncoder(&b)
		if _, err := xmlstream.Copy(e, vc.tokens()); err != nil {
			return // names that cannot be written (e.g. an xmlns prefix) — refused, not sent
		}
		if err := e.Flush(); err != nil {
			return
		}
		d = xml.NewDecoder(&b)
		tok, err = d.Token()
		if err != nil {
			t.Fatalf("written vCard unreadable: %v: %s", err, b.String())
		}
		back, err := decodeVNode(d, tok.(xml.StartElement))
		if err != nil {
			if errors.Is(err, errVCardMalformed) {
				return // the new elements pushed it over the bounds
			}
			t.Fatalf("written vCard unreadable: %v: %s", err, b.String())
		}
		got := profileOf(back)
		for _, fl := range ProfileFields() {
			if v := *got.Field(fl.Key); v != "v-"+fl.Key {
				t.Fatalf("%s read back as %q from %s", fl.Key, v, b.String())
			}
		}
	})
}
