package files

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestAESGCMURLRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		get, aesgcm, fetch string
	}{
		{"https://upload.example.org/abc/file%20name.jpg", "aesgcm://upload.example.org/abc/file%20name.jpg", "https://upload.example.org/abc/file%20name.jpg"},
		{"HTTP://files.i2p:8080/a/b.png?x=1", "aesgcm://files.i2p:8080/a/b.png?x=1", "http://files.i2p:8080/a/b.png?x=1"},
		{"http://ABC.B32.I2P./f", "aesgcm://ABC.B32.I2P./f", "http://ABC.B32.I2P./f"},
		{"https://example.org/f#old-fragment", "aesgcm://example.org/f", "https://example.org/f"},
		{"http://example.org/f", "aesgcm://example.org/f", "https://example.org/f"}, // clearnet gets https whatever the slot said
	} {
		for _, ivLen := range []int{12, 16} {
			k := testKey(t, ivLen)
			u, err := AESGCMURL(tc.get, k)
			if err != nil {
				t.Fatalf("AESGCMURL(%q): %v", tc.get, err)
			}
			base, frag, _ := strings.Cut(u, "#")
			if base != tc.aesgcm || len(frag) != 2*(ivLen+32) {
				t.Fatalf("AESGCMURL(%q) = %q, want %s#<%d hex>", tc.get, u, tc.aesgcm, 2*(ivLen+32))
			}
			fetch, k2, err := ParseAESGCM(u)
			if err != nil {
				t.Fatalf("ParseAESGCM(%q): %v", u, err)
			}
			if fetch != tc.fetch || !bytes.Equal(k2.IV, k.IV) || k2.Key != k.Key {
				t.Fatalf("ParseAESGCM(%q) = %q, %x; want %q, %x", u, fetch, k2, tc.fetch, k)
			}
		}
	}
}

func TestParseAESGCMRejects(t *testing.T) {
	t.Parallel()
	hex88 := strings.Repeat("ab", 44)
	for _, u := range []string{
		"https://example.org/f#" + hex88,
		"aesgcm://example.org/f",
		"aesgcm://example.org/f#" + hex88[:86],
		"aesgcm://example.org/f#" + hex88 + "ab",
		"aesgcm://example.org/f#" + strings.Repeat("zz", 44),
		"aesgcm:///f#" + hex88,
		"aesgcm://#" + hex88,
	} {
		if _, _, err := ParseAESGCM(u); err == nil {
			t.Errorf("ParseAESGCM(%q) accepted", u)
		}
	}
	if _, _, err := ParseAESGCM("AESGCM://example.org/f#" + strings.ToUpper(hex88)); err != nil {
		t.Errorf("upper case refused: %v", err)
	}
	if _, err := AESGCMURL("ftp://example.org/f", testKey(t, 12)); err == nil {
		t.Error("AESGCMURL took ftp://")
	}
	if _, err := AESGCMURL("https://example.org/f", Key{IV: make([]byte, 8)}); err == nil {
		t.Error("AESGCMURL took an 8-byte IV")
	}
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	a, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewKey()
	if len(a.IV) != 12 || bytes.Equal(a.IV, b.IV) || a.Key == b.Key || a.Key == [32]byte{} {
		t.Fatalf("keys not fresh: %x %x", a, b)
	}
}

// TestXEP0454EndToEnd: the whole path of an encrypted file: encrypt into an
// upload, aesgcm:// URL, parse, download into Decrypt. The server only
// ever holds ciphertext.
func TestXEP0454EndToEnd(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var stored []byte
	d := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodPut:
			stored, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusCreated)
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(stored)
		}
	})
	c := NewClient(d, Options{I2POnly: true})
	plain := make([]byte, 300_000)
	rand.Read(plain)
	k, _ := NewKey()
	size := EncryptedSize(int64(len(plain)))
	if err := c.Put(testCtx(t), "http://share.i2p/slot/photo.jpg", nil, Encrypt(bytes.NewReader(plain), k), size, "application/octet-stream", nil); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, plain[:64]) || int64(len(stored)) != size {
		t.Fatal("the server holds plaintext or the wrong size")
	}
	link, _ := AESGCMURL("http://share.i2p/slot/photo.jpg", k)
	fetch, k2, err := ParseAESGCM(link)
	if err != nil || fetch != "http://share.i2p/slot/photo.jpg" {
		t.Fatalf("ParseAESGCM = %q, %v", fetch, err)
	}
	for _, tamper := range []bool{false, true} {
		if tamper {
			mu.Lock()
			stored[1000] ^= 0x80
			mu.Unlock()
		}
		var out bytes.Buffer
		dec := Decrypt(&out, k2)
		if _, _, err := c.Get(testCtx(t), fetch, dec, size, nil); err != nil {
			t.Fatal(err)
		}
		err = dec.Close()
		if tamper != errors.Is(err, ErrAuth) || !tamper && !bytes.Equal(out.Bytes(), plain) {
			t.Fatalf("tampered %v: Close = %v", tamper, err)
		}
	}
}
