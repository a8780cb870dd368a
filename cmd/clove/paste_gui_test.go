package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// sidewaysJPEG is twoColourPNG's picture as a JPEG whose EXIF says
// Orientation 6 (stored lying on its side): shown right, red is on top.
func sidewaysJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := readPNGBytes(t, twoColourPNG(t, w, h))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	exif := []byte{0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0}
	return append(append(append([]byte(nil), b[:2]...), exif...), b[2:]...)
}

func readPNGBytes(t *testing.T, b []byte) image.Image {
	t.Helper()
	p := filepath.Join(t.TempDir(), "p.png")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return readPNG(t, p)
}

// Pictures in the real window under Xvfb, as a person uses them: bob's
// sideways phone photo (EXIF orientation 6) shows upright in alice's
// chat; a picture put on the clipboard by another program (xclip, as a
// screenshot tool would) and pasted with Ctrl+V in the composer shows in
// a dialog, and Enter sends it: bob receives it encrypted and fetches the
// very bytes.
func TestGUIPastePictureUnderXvfb(t *testing.T) {
	needX(t)
	if _, err := exec.LookPath("xclip"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xclip is required in CI (make deps): %v", err)
		}
		t.Skip("xclip not installed")
	}
	_, alice, bob, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM(), prosodytest.WithHTTPUpload())
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	bob.ok("listen", "--account", bj, "--timeout", "2s") // publishes bob's device
	display := startXvfb(t)
	w := startWindowEnv(t, display, alice.profile, "Clove — "+aj, "CLOVE_PASSWORD=pw")
	time.Sleep(700 * time.Millisecond)
	waitUntil(t, 20*time.Second, "bob sees alice's OMEMO device", func() bool {
		bob.ok("send", "--account", bj, aj, "a photo from my phone")
		var m jsonMessage
		h := strings.Split(strings.TrimSpace(bob.ok("history", "--account", bj, "--with", aj, "--json")), "\n")
		return json.Unmarshal([]byte(h[len(h)-1]), &m) == nil && m.Encrypted
	})
	photo := filepath.Join(t.TempDir(), "IMG_0001.jpg")
	if err := os.WriteFile(photo, sidewaysJPEG(t, 400, 300), 0o600); err != nil {
		t.Fatal(err)
	}
	bob.ok("send", "--account", bj, "--file", photo, aj)
	shot := func(name string) image.Image {
		p := screenshotPath(t, name)
		if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
			p = filepath.Join(dir, name)
		}
		w.screenshot(p)
		return readPNG(t, p)
	}
	red, blue := color.RGBA{220, 20, 20, 255}, color.RGBA{20, 20, 220, 255}

	w.keys("ctrl+k")
	w.must("type", "--delay", "15", "bob")
	w.keys("Return")
	var r, b image.Rectangle
	waitUntil(t, 30*time.Second, "bob's photo shows, upright", func() bool {
		img := shot("paste-sideways-photo.png")
		r, b = colourBox(img, red), colourBox(img, blue)
		return r.Dx() > 100 && b.Dx() > 100
	})
	// Upright: 180×240 (300×400 fitted to 320×240), red above blue.
	if th := r.Union(b); th.Dx() < 170 || th.Dx() > 190 || th.Dy() < 230 || th.Dy() > 242 || r.Max.Y > b.Min.Y+2 {
		t.Errorf("the photo shows as %v (red %v, blue %v): want about 180×240, red on top", th, r, b)
	}

	// Another program puts a picture on the clipboard.
	pic := twoColourPNG(t, 200, 160)
	clipFile := filepath.Join(t.TempDir(), "clip.png")
	if err := os.WriteFile(clipFile, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	xclip := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-t", "image/png", "-i", clipFile)
	xclip.Env = append(os.Environ(), "DISPLAY="+display)
	if err := xclip.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xclip.Process.Kill(); xclip.Wait() })
	time.Sleep(500 * time.Millisecond)

	w.click(500, composerY) // the composer
	w.keys("ctrl+v")
	waitUntil(t, 10*time.Second, "the pasted picture's dialog", func() bool {
		img := shot("paste-dialog.png")
		r, b = colourBox(img, red), colourBox(img, blue)
		// The dialog's picture, 200×160, besides the photo in the chat.
		return r.Dx() > 90 && b.Dx() > 90 && r.Union(b).Dy() < 200
	})
	w.keys("Return") // Send
	out := strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "30s", "--json"))
	var got struct {
		jsonMessage
		File *jsonFile `json:"file"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.File == nil {
		t.Fatalf("bob got %q, not a file", out)
	}
	if !got.File.Encrypted || !strings.HasSuffix(got.File.Name, ".png") {
		t.Errorf("bob got %+v; want an encrypted .png", got.File)
	}
	dst := filepath.Join(t.TempDir(), "fetched.png")
	bob.ok("fetch", "--account", bj, got.File.URL, "-o", dst)
	if data, _ := os.ReadFile(dst); !bytes.Equal(data, pic) {
		t.Errorf("bob fetched %d bytes, not the %d pasted", len(data), len(pic))
	}
	time.Sleep(time.Second)
	shot("paste-sent.png")

	// Text copied in Clove itself (GLFW now owns the clipboard and must
	// refuse image/png at once): Ctrl+V pastes the text, without waiting
	// out the clipboard's timeout.
	w.click(500, composerY)
	w.must("type", "--delay", "15", "copied here")
	w.keys("ctrl+a")
	w.keys("ctrl+c")
	w.keys("BackSpace")
	t0 := time.Now()
	w.keys("ctrl+v")
	w.keys("Return")
	out = strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "30s"))
	if !strings.Contains(out, "copied here") {
		t.Errorf("after copying text in Clove and pasting it, bob got %q", out)
	}
	t.Logf("text copied and pasted in Clove: bob had it %v after Ctrl+V", time.Since(t0).Round(time.Millisecond))
	if strings.Contains(w.stderr.String(), "did not answer") {
		t.Errorf("Ctrl+V waited for the clipboard:\n%s", w.stderr.String())
	}
	w.stop()
}
