package chat

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// jpegWithGPS is a small JPEG carrying an EXIF segment with marker in it,
// as a phone's picture carries where it was taken.
func jpegWithGPS(t *testing.T, marker string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), []byte(marker)...)
	n := len(payload) + 2
	app1 := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	raw := b.Bytes()
	return append(append(append([]byte{}, raw[:2]...), app1...), raw[2:]...)
}

// A file goes from alice to bob through the server's HTTP upload
// (prosody's mod_http_file_share): encrypted to bob's OMEMO device
// (XEP-0454; the server holds only ciphertext), and in plaintext with
// --plain (XEP-0066); bob's fetch gives the very bytes sent, and a
// picture arrives without its EXIF. A file over the server's limit is
// refused by name.
func TestSendFile(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPEP(), prosodytest.WithHTTPUploadLimit(1<<20))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice")
	bp, ba := testAccount(t, srv, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bs := startRunning(t, ctx, bp, ba, "bob-pw", Options{})
	bs.ready(t)
	as := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
	as.ready(t)
	bob := jid.MustParse(ba.JID)
	dir := t.TempDir()

	const secret = "THE-PLAINTEXT-OF-THE-FILE-"
	text := []byte(strings.Repeat(secret, 4000)) // ~100 KB
	textPath := filepath.Join(dir, "notes.txt")
	pic := jpegWithGPS(t, "GPS-LAT-48.8584-LON-2.2945")
	picPath := filepath.Join(dir, "holiday.jpg")
	for p, b := range map[string][]byte{textPath: text, picPath: pic} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	receive := func(url string) xmppclient.Message {
		return bs.wait(t, "the file message", func(ev xmppclient.Event) bool {
			m, ok := ev.(xmppclient.MessageReceived)
			return ok && m.Body == url
		}).(xmppclient.MessageReceived).Message
	}
	fetch := func(url string) []byte {
		var b bytes.Buffer
		if _, err := bp.FetchFile(ctx, ba.JID, url, &b, nil); err != nil {
			t.Fatalf("bob fetches %s: %v", url, err)
		}
		return b.Bytes()
	}

	t.Run("encrypted", func(t *testing.T) {
		sent, err := as.s.SendFile(ctx, bob, textPath, FileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !sent.File.Encrypted || !strings.HasPrefix(sent.File.URL, "aesgcm://") {
			t.Fatalf("sent %+v, want an encrypted file (bob has an OMEMO device)", sent.File)
		}
		m := receive(sent.File.URL)
		if !m.Encrypted || m.File == nil || !m.File.Encrypted {
			t.Errorf("bob got %+v (file %+v), want an encrypted message sharing an encrypted file", m, m.File)
		}
		if got := fetch(sent.File.URL); !bytes.Equal(got, text) {
			t.Errorf("bob fetched %d bytes, not the %d sent", len(got), len(text))
		}
		if at := srv.AtRest(t, secret); at[secret] {
			t.Errorf("the file's plaintext is on the server's disk")
		}
		stored(t, bp, ba.JID, aa.JID, sent.File.URL, true)
	})

	// A plaintext session (the CLI's --plain) sends the file and the
	// message in plaintext.
	as.close()
	as = startRunning(t, ctx, ap, aa, "alice-pw", Options{Plain: true})
	as.wait(t, "alice online", func(ev xmppclient.Event) bool {
		sc, ok := ev.(xmppclient.StateChanged)
		return ok && sc.State == xmppclient.Online
	})

	t.Run("plain picture", func(t *testing.T) {
		sent, err := as.s.SendFile(ctx, bob, picPath, FileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sent.File.Encrypted || !strings.HasPrefix(sent.File.URL, "http") || sent.File.MIME != "image/jpeg" {
			t.Fatalf("sent %+v, want a plaintext picture", sent.File)
		}
		m := receive(sent.File.URL)
		if m.Encrypted || m.File == nil || m.File.Encrypted || m.File.URL != sent.File.URL {
			t.Errorf("bob got %+v (file %+v), want a plaintext message sharing the file (out-of-band data)", m, m.File)
		}
		got := fetch(sent.File.URL)
		if bytes.Contains(got, []byte("GPS-LAT")) {
			t.Errorf("the picture arrived with its EXIF")
		}
		if _, err := jpeg.Decode(bytes.NewReader(got)); err != nil {
			t.Errorf("the picture arrived broken: %v", err)
		}
	})

	t.Run("too large", func(t *testing.T) {
		big := filepath.Join(dir, "big.bin")
		if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := as.s.SendFile(ctx, bob, big, FileOptions{})
		var re *xmppclient.UploadRefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "too large") {
			t.Fatalf("a 2 MiB file to a server that takes 1 MiB: %v", err)
		}
	})
}
