package ui

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math"

	"fyne.io/fyne/v2"
	"testing"
)

// XEP-0392's test vectors (§ A, HSLuv, saturation 100, lightness 50).
func TestConsistentColor(t *testing.T) {
	for _, tc := range []struct {
		in      string
		r, g, b float64
	}{
		{"Romeo", 0.865, 0.000, 0.686},
		{"juliet@capulet.lit", 0.000, 0.515, 0.573},
		{"😺", 0.872, 0.000, 0.659},
		{"council", 0.918, 0.000, 0.394},
	} {
		c := ConsistentColor(tc.in)
		got := []float64{float64(c.R) / 255, float64(c.G) / 255, float64(c.B) / 255}
		for i, want := range []float64{tc.r, tc.g, tc.b} {
			if math.Abs(got[i]-want) > 0.006 {
				t.Errorf("%s: %v, want %.3f %.3f %.3f", tc.in, got, tc.r, tc.g, tc.b)
				break
			}
		}
	}
}

func TestInitialOf(t *testing.T) {
	for in, want := range map[string]string{"bob@x": "B", "  émile": "É", "# lounge": "L", "42": "4", "😺": "😺", "": "?"} {
		if got := initialOf(in); got != want {
			t.Errorf("initialOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// avatarBackend is a test backend with avatars for some contacts.
type avatarBackend struct {
	*fakeBackend
	hashes map[string]string
	thumbs map[string][]byte
}

func (b *avatarBackend) AvatarHashes(context.Context) (map[string]string, error) {
	return b.hashes, nil
}

func (b *avatarBackend) AvatarThumb(_ context.Context, h string) ([]byte, error) {
	return b.thumbs[h], nil
}

// The decoded pictures kept are bounded whatever the roster's size.
func TestAvatarCacheBounded(t *testing.T) {
	var av avatars
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := 0; i < 1000; i++ {
		av.keep(string(rune('a'+i%26))+string(rune(i)), img)
	}
	if len(av.images) > maxAvatars || len(av.order) > maxAvatars {
		t.Fatalf("%d images kept, at most %d", len(av.images), maxAvatars)
	}
}

func TestDecodeThumbRefusesBig(t *testing.T) {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 65, 10)))
	if _, err := decodeThumb(b.Bytes()); err == nil {
		t.Error("a 65 px wide copy was decoded")
	}
	b.Reset()
}

// The roster shows a contact's picture where one is kept and coloured
// initials elsewhere; the chat header shows the open chat's.
func TestRosterAvatars(t *testing.T) {
	var thumb bytes.Buffer
	pic := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range pic.Pix {
		pic.Pix[i] = 200
	}
	if err := png.Encode(&thumb, pic); err != nil {
		t.Fatal(err)
	}
	b := &avatarBackend{
		fakeBackend: &fakeBackend{contacts: []Contact{{JID: "bob@example.org", Name: "Bob"}, {JID: "carol@example.org"}}},
		hashes:      map[string]string{"bob@example.org": "h1"},
		thumbs:      map[string][]byte{"h1": thumb.Bytes()},
	}
	a, _ := newTestApp(t, b)
	a.do = func(f func()) { f() }
	a.reloadAvatars()
	var pictures, initials []string
	walkShown(a.win.Canvas().Content(), func(o fyne.CanvasObject) {
		if r, ok := o.(*rosterRow); ok {
			if r.avatar.picture.Visible() && r.avatar.picture.Image != nil {
				pictures = append(pictures, r.name.Text)
			}
			if r.avatar.initial.Visible() {
				initials = append(initials, r.avatar.initial.Text)
				if r.avatar.circle.FillColor != ConsistentColor(r.avatar.lastJID) {
					t.Errorf("%s: circle %v, want XEP-0392's %v", r.avatar.lastJID, r.avatar.circle.FillColor, ConsistentColor(r.avatar.lastJID))
				}
			}
		}
	})
	if len(pictures) != 1 || pictures[0] != "Bob" || len(initials) != 1 || initials[0] != "C" {
		t.Errorf("pictures %v, initials %v; want [Bob] and [C]", pictures, initials)
	}
	a.openChat("bob@example.org")
	if a.headerAvatar.picture.Image == nil || !a.headerAvatar.picture.Visible() {
		t.Error("the chat header shows no picture for Bob")
	}
	a.openChat("carol@example.org")
	if a.headerAvatar.initial.Text != "C" || a.headerAvatar.picture.Visible() {
		t.Errorf("carol's header: initial %q, picture shown %v", a.headerAvatar.initial.Text, a.headerAvatar.picture.Visible())
	}
}

// A room's People list: each nick with initials in its XEP-0392 colour.
func TestOccupantRowInitials(t *testing.T) {
	r := newOccupantRow().(*occupantRow)
	r.set("Romeo", "")
	if r.avatar.initial.Text != "R" || r.avatar.circle.FillColor != ConsistentColor("Romeo") || r.nick.Text != "Romeo" {
		t.Errorf("initial %q colour %v nick %q", r.avatar.initial.Text, r.avatar.circle.FillColor, r.nick.Text)
	}
}
