package omemo

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// roundTrip marshals v with encoding/xml and parses it back with parse:
// everything in the tests goes through the XML a peer would see.
func roundTrip[T any](tb testing.TB, v xml.Marshaler, parse func(xml.TokenReader) (T, error)) T {
	tb.Helper()
	b, err := xml.Marshal(v)
	if err != nil {
		tb.Fatalf("xml.Marshal: %v", err)
	}
	out, err := parse(xml.NewDecoder(bytes.NewReader(b)))
	if err != nil {
		tb.Fatalf("parse %s: %v", b, err)
	}
	return out
}

func decoder(s string) xml.TokenReader { return xml.NewDecoder(strings.NewReader(s)) }

func b64(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, n)) }

// key33 is a serialized public key as libsignal publishes it.
var key33 = base64.StdEncoding.EncodeToString(append([]byte{djbType}, bytes.Repeat([]byte{9}, 32)...))

func TestDeviceListXML(t *testing.T) {
	l := DeviceList{Devices: []uint32{1, 2147483647, 42}}
	b, err := xml.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	want := `<list xmlns="eu.siacs.conversations.axolotl"><device id="1"></device><device id="2147483647"></device><device id="42"></device></list>`
	if string(b) != want {
		t.Errorf("Marshal = %s\nwant %s", b, want)
	}
	for _, tc := range []struct {
		name, in string
		want     []uint32
		err      bool
	}{
		{"round trip", want, l.Devices, false},
		{"with label and unknown children, duplicates", `<list xmlns='eu.siacs.conversations.axolotl'><device id='5' label='phone'/><x><device id='9'/></x><device id='5'/><device id=' 6 '/></list>`, []uint32{5, 6}, false},
		{"empty", `<list xmlns='eu.siacs.conversations.axolotl'/>`, nil, false},
		{"wrong namespace", `<list xmlns='urn:xmpp:omemo:2'><device id='1'/></list>`, nil, true},
		{"id 0", `<list xmlns='eu.siacs.conversations.axolotl'><device id='0'/></list>`, nil, true},
		{"negative id", `<list xmlns='eu.siacs.conversations.axolotl'><device id='-3'/></list>`, nil, true},
		{"id beyond 32 bits", `<list xmlns='eu.siacs.conversations.axolotl'><device id='4294967296'/></list>`, nil, true},
		{"no id", `<list xmlns='eu.siacs.conversations.axolotl'><device/></list>`, nil, true},
		{"truncated", `<list xmlns='eu.siacs.conversations.axolotl'><device id='1'/><dev`, nil, true},
		{"cut after a device", `<list xmlns='eu.siacs.conversations.axolotl'><device id='1'/>`, nil, true},
		{"not xml", `hello`, nil, true},
		{"nothing", ``, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDeviceList(decoder(tc.in))
			if tc.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || fmt.Sprint(got.Devices) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, %v; want %v", got.Devices, err, tc.want)
			}
		})
	}
}

// TestDeviceListBounded: a list of 10,000 devices is refused with one
// error after reading at most MaxDevices+1 of them, in bounded memory; a
// list of MaxDevices is taken.
func TestDeviceListBounded(t *testing.T) {
	list := func(n int) string {
		var sb strings.Builder
		sb.WriteString(`<list xmlns='eu.siacs.conversations.axolotl'>`)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&sb, `<device id='%d'/>`, i)
		}
		sb.WriteString(`</list>`)
		return sb.String()
	}
	ok, err := ParseDeviceList(decoder(list(MaxDevices)))
	if err != nil || len(ok.Devices) != MaxDevices {
		t.Fatalf("%d devices: %d, %v", MaxDevices, len(ok.Devices), err)
	}
	huge := list(10000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = ParseDeviceList(decoder(huge))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "more than 1000 devices") {
		t.Fatalf("10,000 devices: err = %v", err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("10,000-device list (%d bytes): refused, %d KiB allocated", len(huge), alloc/1024)
	if alloc > 2<<20 {
		t.Errorf("allocated %d bytes for a refused list, want < 2 MiB", alloc)
	}
}

func TestBundleXML(t *testing.T) {
	b := &Bundle{SignedPreKeyID: 7, PreKeys: []PreKey{{ID: 1}, {ID: 2}}}
	b.SignedPreKey[0], b.IdentityKey[0], b.Signature[0], b.PreKeys[1].Key[31] = 1, 2, 3, 4
	got := roundTrip(t, b, ParseBundle)
	if fmt.Sprint(got) != fmt.Sprint(b) {
		t.Errorf("round trip: %+v\nwant %+v", got, b)
	}
	raw, _ := xml.Marshal(b)
	if !bytes.Contains(raw, []byte(`<signedPreKeyPublic signedPreKeyId="7">BQE`)) {
		t.Errorf("keys must be published with the 0x05 type byte: %s", raw)
	}

	sig := b64(64)
	bundle := func(spk, sigv, ik, pks string) string {
		return `<bundle xmlns='eu.siacs.conversations.axolotl'>` + spk + sigv + ik + `<prekeys>` + pks + `</prekeys></bundle>`
	}
	spk := `<signedPreKeyPublic signedPreKeyId='1'>` + key33 + `</signedPreKeyPublic>`
	sigE := `<signedPreKeySignature>` + sig + `</signedPreKeySignature>`
	ik := `<identityKey>` + key33 + `</identityKey>`
	pk := `<preKeyPublic preKeyId='3'>` + key33 + `</preKeyPublic>`
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"good", bundle(spk, sigE, ik, pk), true},
		{"wrapped base64 and 32-byte keys", bundle(spk, "<signedPreKeySignature>\n"+sig[:40]+"\n  "+sig[40:]+"\n</signedPreKeySignature>",
			`<identityKey>`+b64(32)+`</identityKey>`, pk), true},
		{"no signed pre-key", bundle("", sigE, ik, pk), false},
		{"no signature", bundle(spk, "", ik, pk), false},
		{"no identity key", bundle(spk, sigE, "", pk), false},
		{"no pre-keys", bundle(spk, sigE, ik, ""), false},
		{"short signature", bundle(spk, `<signedPreKeySignature>`+b64(63)+`</signedPreKeySignature>`, ik, pk), false},
		{"key of 34 bytes", bundle(spk, sigE, `<identityKey>`+b64(34)+`</identityKey>`, pk), false},
		{"key of another type", bundle(spk, sigE, `<identityKey>`+b64(33)+`</identityKey>`, pk), false},
		{"huge key", bundle(spk, sigE, `<identityKey>`+b64(1<<20)+`</identityKey>`, pk), false},
		{"garbled base64", bundle(spk, sigE, `<identityKey>!!notbase64!!</identityKey>`, pk), false},
		{"element inside a key", bundle(spk, sigE, `<identityKey><b/></identityKey>`, pk), false},
		{"no pre-key id", bundle(spk, sigE, ik, `<preKeyPublic>`+key33+`</preKeyPublic>`), false},
		{"too many pre-keys", bundle(spk, sigE, ik, strings.Repeat(pk, MaxPreKeys+1)), false},
		{"truncated", bundle(spk, sigE, ik, pk)[:200], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBundle(decoder(tc.in))
			if tc.ok && err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestEncryptedXML(t *testing.T) {
	e := &Encrypted{SID: 27183, Keys: []Key{{RID: 31415, Data: []byte{1, 2}}, {RID: 12321, PreKey: true, Data: []byte{3}}},
		IV: bytes.Repeat([]byte{5}, 12), Payload: []byte("ciphertext")}
	raw, err := xml.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="27183"><key rid="31415">AQI=</key>` +
		`<key prekey="true" rid="12321">Aw==</key><iv>BQUFBQUFBQUFBQUF</iv></header><payload>Y2lwaGVydGV4dA==</payload></encrypted>`
	if string(raw) != want {
		t.Errorf("Marshal = %s\nwant %s", raw, want)
	}
	if got := roundTrip(t, e, ParseEncrypted); fmt.Sprint(got) != fmt.Sprint(e) {
		t.Errorf("round trip %+v, want %+v", got, e)
	}
	// Key transport: no payload element, and none after parsing.
	kt := *e
	kt.Payload = nil
	if got := roundTrip(t, &kt, ParseEncrypted); got.Payload != nil {
		t.Errorf("key transport parsed with a payload")
	}

	enc := func(header, rest string) string {
		return `<encrypted xmlns='eu.siacs.conversations.axolotl'>` + header + rest + `</encrypted>`
	}
	key := `<key rid='1'>AQI=</key>`
	iv12, iv16 := `<iv>`+b64(12)+`</iv>`, `<iv>`+b64(16)+`</iv>`
	payload := `<payload>` + b64(10) + `</payload>`
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"good", enc(`<header sid='9'>`+key+iv12+`</header>`, payload), true},
		{"16-byte IV, prekey='1', store hint around", enc(`<header sid='9'><key prekey='1' rid='1'>AQI=</key>`+iv16+`</header>`, payload+`<store xmlns='urn:xmpp:hints'/>`), true},
		{"no header", enc(``, payload), false},
		{"two headers", enc(`<header sid='9'>`+key+iv12+`</header><header sid='9'>`+key+iv12+`</header>`, payload), false},
		{"no sid", enc(`<header>`+key+iv12+`</header>`, payload), false},
		{"sid not a number", enc(`<header sid='x'>`+key+iv12+`</header>`, payload), false},
		{"no keys", enc(`<header sid='9'>`+iv12+`</header>`, payload), false},
		{"empty key", enc(`<header sid='9'><key rid='1'></key>`+iv12+`</header>`, payload), false},
		{"key without rid", enc(`<header sid='9'><key>AQI=</key>`+iv12+`</header>`, payload), false},
		{"no iv", enc(`<header sid='9'>`+key+`</header>`, payload), false},
		{"8-byte iv", enc(`<header sid='9'>`+key+`<iv>`+b64(8)+`</iv></header>`, payload), false},
		{"huge key", enc(`<header sid='9'><key rid='1'>`+b64(MaxKeySize+1)+`</key>`+iv12+`</header>`, payload), false},
		{"huge payload", enc(`<header sid='9'>`+key+iv12+`</header>`, `<payload>`+b64(MaxPayload+3)+`</payload>`), false},
		{"garbled payload", enc(`<header sid='9'>`+key+iv12+`</header>`, `<payload>a=b=c</payload>`), false},
		{"too many keys", enc(`<header sid='9'>`+strings.Repeat(key, MaxKeys+1)+iv12+`</header>`, payload), false},
		{"truncated in the header", enc(`<header sid='9'>`+key+iv12+`</header>`, payload)[:80], false},
		{"truncated in the payload", enc(`<header sid='9'>`+key+iv12+`</header>`, payload)[:len(enc(`<header sid='9'>`+key+iv12+`</header>`, payload))-20], false},
		{"mismatched tags", `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='9'>` + key + iv12 + `</payload></encrypted>`, false},
		{"another element", `<body>hi</body>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEncrypted(decoder(tc.in))
			if tc.ok && err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// TestOpenPayload: the payload forms deployed clients send: key‖tag with
// a 12- or 16-byte IV, and the early form with the tag after the payload.
func TestOpenPayload(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 16)
	text := []byte("hello")
	seal := func(ivLen int) (iv, sealed []byte) {
		iv = bytes.Repeat([]byte{2}, ivLen)
		block, _ := aes.NewCipher(key)
		gcm, err := cipher.NewGCMWithNonceSize(block, ivLen)
		if err != nil {
			t.Fatal(err)
		}
		return iv, gcm.Seal(nil, iv, text, nil)
	}
	for _, tc := range []struct {
		name   string
		ivLen  int
		legacy bool
	}{
		{"12-byte IV, key and tag", 12, false},
		{"16-byte IV, key and tag", 16, false},
		{"16-byte IV, tag after the payload", 16, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iv, sealed := seal(tc.ivLen)
			km, payload := append(bytes.Clone(key), sealed[len(sealed)-16:]...), sealed[:len(sealed)-16]
			if tc.legacy {
				km, payload = key, sealed
			}
			got, err := OpenPayload(km, iv, payload)
			if err != nil || !bytes.Equal(got, text) {
				t.Fatalf("OpenPayload = %q, %v", got, err)
			}
		})
	}
	iv, sealed := seal(12)
	if _, err := OpenPayload(make([]byte, 20), iv, sealed); !errors.Is(err, ErrMalformed) {
		t.Errorf("20-byte key: %v, want ErrMalformed", err)
	}
	if _, err := OpenPayload(key, iv, sealed[:3]); !errors.Is(err, ErrMalformed) {
		t.Errorf("payload shorter than its tag: %v, want ErrMalformed", err)
	}
}
