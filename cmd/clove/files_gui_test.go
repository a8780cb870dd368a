package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// Files in the real window (issue 19): a real prosody with HTTP upload
// and PEP; bob on the CLI, alice's window. Bob's picture (encrypted: both
// have OMEMO devices) shows in alice's chat as a thumbnail in its own
// colours; a click opens it full size; Save… (the picture's right-click
// menu, then Save in Fyne's save dialog) writes the very bytes bob sent.
// The paperclip's file dialog (driven by clicks: Fyne's open dialog has no
// path entry to type in) sends a file that bob fetches whole. Dropping a
// file cannot be driven on Xvfb (xdotool has no XDND source): the drop
// handler is tested on the test driver (ui's TestDroppingAFile…).
func TestGUIFilesUnderXvfb(t *testing.T) {
	needX(t)
	_, alice, bob, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM(), prosodytest.WithHTTPUpload())
	alice.ok("roster", "--account", aj, "add", bj, "--name", "Bob")
	bob.ok("listen", "--account", bj, "--timeout", "2s") // publishes bob's device

	home := t.TempDir() // alice's home: where Fyne's file dialogs open
	upload := []byte(strings.Repeat("a file from the window\n", 2000))
	if err := os.WriteFile(filepath.Join(home, "upload-me.txt"), upload, 0o600); err != nil {
		t.Fatal(err)
	}
	pic := twoColourPNG(t, 400, 300)
	picPath := filepath.Join(t.TempDir(), "x.png")
	if err := os.WriteFile(picPath, pic, 0o600); err != nil {
		t.Fatal(err)
	}

	w := startWindowEnv(t, startXvfb(t), alice.profile, "Clove — "+aj, "CLOVE_PASSWORD=pw", "HOME="+home)
	time.Sleep(700 * time.Millisecond) // the roster loads in the background
	waitUntil(t, 20*time.Second, "bob sees alice's OMEMO device", func() bool {
		bob.ok("send", "--account", bj, aj, "here comes a picture")
		var m jsonMessage
		h := strings.Split(strings.TrimSpace(bob.ok("history", "--account", bj, "--with", aj, "--json")), "\n")
		return json.Unmarshal([]byte(h[len(h)-1]), &m) == nil && m.Encrypted
	})
	if url := bob.ok("send", "--account", bj, "--file", picPath, aj); !strings.HasPrefix(url, "aesgcm://") {
		t.Fatalf("bob's picture went as %q, not encrypted", url)
	}
	shot := func(name string) string {
		p := screenshotPath(t, name)
		if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
			p = filepath.Join(dir, name)
		}
		w.screenshot(p)
		return p
	}

	w.keys("ctrl+k")
	w.must("type", "--delay", "15", "bob")
	w.keys("Return")
	// The picture: red on the left, blue on the right, 320×240 at most.
	var red, blue image.Rectangle
	waitUntil(t, 30*time.Second, "the picture shows in bob's chat", func() bool {
		img := readPNG(t, shot("files-picture.png"))
		red, blue = colourBox(img, color.RGBA{220, 20, 20, 255}), colourBox(img, color.RGBA{20, 20, 220, 255})
		return red.Dx() > 100 && blue.Dx() > 100
	})
	if th := red.Union(blue); th.Dx() > 322 || th.Dy() > 242 || th.Dx() < 300 || red.Max.X > blue.Min.X+1 {
		t.Errorf("the thumbnail is %v (red %v, blue %v): want about 320×240, red left of blue", th, red, blue)
	}
	thumb := red.Union(blue)
	mid := thumb.Min.Add(thumb.Size().Div(2))

	// Full size, in a window of its own named after the file (the random
	// name of its URL).
	w.click(mid.X, mid.Y)
	var full string
	waitUntil(t, 10*time.Second, "the full-size window", func() bool {
		out, err := w.x("search", "--onlyvisible", "--name", `^[0-9a-f]+\.png$`)
		if f := strings.Fields(out); err == nil && len(f) > 0 {
			full = f[0]
			return true
		}
		return false
	})
	fw := *w
	fw.id = full
	time.Sleep(300 * time.Millisecond)
	p := screenshotPath(t, "files-full.png")
	if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
		p = filepath.Join(dir, "files-full.png")
	}
	fw.screenshot(p)
	if img := readPNG(t, p); colourBox(img, color.RGBA{220, 20, 20, 255}).Dx() < 190 {
		t.Errorf("the full view shows no 200-pixel-wide red half")
	}
	// Escape closes it. Sent again until it does: under load the new
	// window was seen not yet taking keys (xdotool key --window: exit 1).
	waitUntil(t, 10*time.Second, "the full view closes on Escape", func() bool {
		_, _ = w.x("windowactivate", "--sync", full)
		_, _ = w.x("key", "--window", full, "Escape")
		time.Sleep(300 * time.Millisecond)
		out, _ := w.x("search", "--onlyvisible", "--name", `^[0-9a-f]+\.png$`)
		return strings.TrimSpace(out) == ""
	})

	// The paperclip (left of the composer) and Fyne's open dialog.
	w.click(attachX, composerY)
	time.Sleep(700 * time.Millisecond)
	shot("files-open-dialog.png")
	w.click(firstFileX, firstFileY) // upload-me.txt, the one file in alice's home, after (Parent)
	shot("files-open-dialog-picked.png")
	w.click(openX, openY)
	type line struct {
		jsonMessage
		File *jsonFile `json:"file"`
	}
	out := strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "30s", "--json"))
	var got line
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.File == nil {
		t.Fatalf("bob got %q, not a file", out)
	}
	if !strings.HasSuffix(got.File.Name, ".txt") || !got.File.Encrypted || !got.Encrypted {
		t.Errorf("bob got the file %+v (message encrypted %v); want a .txt, encrypted", got.File, got.Encrypted)
	}
	dst := filepath.Join(t.TempDir(), "fetched")
	bob.ok("fetch", "--account", bj, got.File.URL, "-o", dst)
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, upload) {
		t.Errorf("bob fetched %d bytes, not the %d sent", len(b), len(upload))
	}
	time.Sleep(time.Second)
	shot("files-sent.png")

	// Save…: the picture's menu, then Save in Fyne's save dialog (its
	// name field holds the file's name; it opens in alice's home).
	img := readPNG(t, shot("files-before-save.png"))
	red, blue = colourBox(img, color.RGBA{220, 20, 20, 255}), colourBox(img, color.RGBA{20, 20, 220, 255})
	thumb = red.Union(blue)
	mid = thumb.Min.Add(thumb.Size().Div(2))
	w.must("mousemove", "--window", w.id, strconv.Itoa(mid.X), strconv.Itoa(mid.Y), "click", "3")
	time.Sleep(400 * time.Millisecond)
	shot("files-menu.png")
	w.click(mid.X+30, mid.Y+18) // the menu's first item: Save…
	time.Sleep(700 * time.Millisecond)
	shot("files-save-dialog.png")
	w.click(openX, openY) // Save, where the open dialog has Open
	// Saved under the name the message shows: the random one of its URL
	// (Clove sends no file name, which could say more than the file).
	t.Cleanup(func() {
		if t.Failed() {
			es, _ := os.ReadDir(home)
			for _, e := range es {
				fi, _ := e.Info()
				t.Logf("in alice's home: %s %d bytes", e.Name(), fi.Size())
			}
		}
	})
	waitUntil(t, 20*time.Second, "Save… writes the picture in alice's home", func() bool {
		saved, _ := filepath.Glob(filepath.Join(home, "*.png"))
		if len(saved) != 1 {
			return false
		}
		b, err := os.ReadFile(saved[0])
		return err == nil && bytes.Equal(b, pic)
	})
	time.Sleep(500 * time.Millisecond)
	shot("files-saved.png")
	w.stop()
}

// Where the window (900×600) has the paperclip and Fyne's open dialog
// (90% of the window) its first file and its Open button.
const (
	attachX, composerY     = 294, 533 // the buttons sit at the composer's foot
	firstFileX, firstFileY = 340, 160 // after (Parent)
	openX, openY           = 819, 548
)

// twoColourPNG is a w×h PNG, its left half red and its right half blue.
func twoColourPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// colourBox is the bounding box of img's pixels within 30 of c in each
// channel.
func colourBox(img image.Image, c color.RGBA) image.Rectangle {
	var box image.Rectangle
	near := func(a, b uint8) bool { d := int(a) - int(b); return d > -30 && d < 30 }
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if near(p.R, c.R) && near(p.G, c.G) && near(p.B, c.B) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}
