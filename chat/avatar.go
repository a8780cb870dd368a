package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/image/draw"
	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/files"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Avatars (issue 20): what a contact announces (XEP-0084 metadata, or the
// XEP-0153 hash in its presence) is recorded, the image is fetched over
// XMPP once per hash — never again after a restart: the store keeps it by
// its SHA-1 — checked, and a small copy made for the roster, all off the
// event loop and the window's goroutine.

// Limits on a contact's avatar, checked before anything decodes it.
const (
	// MaxAvatarSide: an avatar's width and height, from its header. A
	// 4096×4096 image is 64 MiB decoded, the most one fetch may cost.
	MaxAvatarSide = 4096
	// ThumbSide is the roster copy's size: twice the row's avatar (32 px),
	// sharp on a 2× screen.
	ThumbSide = 64
	// OwnAvatarSide: an avatar we publish is scaled to fit in this.
	OwnAvatarSide = 192
	// maxOwnAvatarFile bounds the picture a user picks to publish.
	maxOwnAvatarFile = 20 << 20
)

// ErrNotAvatar: the data is not an image Clove shows as an avatar.
var ErrNotAvatar = errors.New("not a PNG, JPEG or GIF image")

// AvatarChanged says the avatar jid shows changed (its image is kept now,
// or it has none): the window loads it again with Profile.AvatarThumb.
type AvatarChanged struct {
	JID string
}

func (AvatarChanged) chatEvent() {}

// avatarFetches is a session's record of the hashes being fetched or that
// failed in this run (so a presence repeated a hundred times asks once).
type avatarFetches struct {
	mu   sync.Mutex
	seen map[string]bool
	// decode lets one image be decoded at a time: with MaxAvatarSide, one
	// decode's memory is at most 64 MiB.
	decode sync.Mutex
	// fetched counts the fetches started (tests: once per hash, never
	// again after a restart).
	fetched atomic.Int64
}

// start reports whether hash should be fetched now (not tried this run).
func (f *avatarFetches) start(hash string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen[hash] {
		return false
	}
	if f.seen == nil || len(f.seen) > 10_000 {
		f.seen = map[string]bool{}
	}
	f.seen[hash] = true
	return true
}

// onAvatar records an avatar event and fetches what is missing; it runs
// on the event loop, after the event was saved, so it must not wait on
// the network: fetches go beside it.
func (s *Session) onAvatar(ctx context.Context, ev xmppclient.Event) {
	var (
		who    jid.JID
		hash   string
		source string
	)
	switch e := ev.(type) {
	case xmppclient.AvatarAnnounced:
		who, hash, source = e.JID, e.ID, store.AvatarPEP
		if e.ID != "" && e.Bytes > xmppclient.MaxAvatarBytes {
			s.p.log.Info("avatar refused: over 1 MiB", "jid", e.JID, "bytes", e.Bytes)
			hash = "" // initials rather than a picture that is not fetched
		}
	case xmppclient.AvatarHinted:
		who, hash, source = e.JID, e.Hash, store.AvatarVCard
	default:
		return
	}
	st := s.p.st
	changed, err := st.SetContactAvatar(ctx, s.account.JID, store.ContactAvatar{JID: who.String(), Hash: hash, Source: source})
	if err != nil || !changed {
		if err != nil {
			s.p.log.Warn("avatar not recorded", "jid", who, "err", err)
		}
		return
	}
	have := hash == ""
	if !have {
		have, err = st.HasAvatar(ctx, hash)
		if err != nil {
			return
		}
	}
	if have {
		go s.tell(AvatarChanged{JID: who.String()})
		return
	}
	if !s.avatars.start(hash) {
		return
	}
	go s.fetchAvatar(ctx, who, hash, source)
}

// fetchAvatar fetches hash from who (PEP data or the vCard), checks it and
// keeps it; a failure is logged and the initials stay.
func (s *Session) fetchAvatar(ctx context.Context, who jid.JID, hash, source string) {
	s.avatars.fetched.Add(1)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var (
		data []byte
		err  error
	)
	if source == store.AvatarPEP {
		data, err = s.client.FetchAvatar(ctx, who, hash)
	} else {
		data, _, err = s.client.FetchVCardPhoto(ctx, who)
	}
	if err == nil {
		err = s.keepAvatar(ctx, hash, data)
	}
	if err != nil {
		s.p.log.Info("avatar not shown", "jid", who, "hash", hash, "err", err)
		return
	}
	s.tell(AvatarChanged{JID: who.String()})
}

// keepAvatar checks data against hash and the limits, makes its roster
// copy and stores both.
func (s *Session) keepAvatar(ctx context.Context, hash string, data []byte) error {
	s.avatars.decode.Lock()
	a, err := CheckAvatar(hash, data)
	s.avatars.decode.Unlock()
	if err != nil {
		return err
	}
	return s.p.st.PutAvatar(ctx, a)
}

// CheckAvatar verifies data (its SHA-1 must be hash, it must be a PNG,
// JPEG or GIF within MaxAvatarBytes and MaxAvatarSide, checked before it
// is decoded) and returns it with its roster copy.
func CheckAvatar(hash string, data []byte) (store.Avatar, error) {
	if len(data) == 0 {
		return store.Avatar{}, errors.New("empty avatar")
	}
	if len(data) > xmppclient.MaxAvatarBytes {
		return store.Avatar{}, xmppclient.ErrAvatarTooLarge
	}
	if got := xmppclient.AvatarHash(data); got != hash {
		return store.Avatar{}, fmt.Errorf("avatar data does not match its id (SHA-1 %s, announced %s)", got, hash)
	}
	img, mime, err := decodeBounded(data, MaxAvatarSide)
	if err != nil {
		return store.Avatar{}, err
	}
	thumb, err := encodePNG(scaleSquare(img, ThumbSide))
	if err != nil {
		return store.Avatar{}, err
	}
	return store.Avatar{Hash: hash, MIME: mime, Data: data, Thumb: thumb}, nil
}

// decodeBounded decodes an image after files.Sniff (image bombs) and its
// header's size (at most side pixels each way) let it.
func decodeBounded(data []byte, side int) (image.Image, string, error) {
	mime, err := files.Sniff(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("avatar: %w", err)
	}
	switch mime {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return nil, "", fmt.Errorf("avatar is %s: %w", mime, ErrNotAvatar)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("avatar: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > side || cfg.Height > side {
		return nil, "", fmt.Errorf("avatar is %d×%d pixels (at most %d a side): %w", cfg.Width, cfg.Height, side, files.ErrImageTooLarge)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("avatar: %w", err)
	}
	return img, mime, nil
}

// scaleSquare crops img's centre square and scales it to side×side (as the
// round avatar shows it).
func scaleSquare(img image.Image, side int) *image.NRGBA {
	b := img.Bounds()
	n := min(b.Dx(), b.Dy())
	crop := image.Rect(b.Min.X+(b.Dx()-n)/2, b.Min.Y+(b.Dy()-n)/2, 0, 0)
	crop.Max = crop.Min.Add(image.Pt(n, n))
	out := image.NewNRGBA(image.Rect(0, 0, side, side))
	draw.CatmullRom.Scale(out, out.Bounds(), img, crop, draw.Src, nil)
	return out
}

// scaleFit scales img down to fit in side×side, keeping its proportions.
func scaleFit(img image.Image, side int) image.Image {
	b := img.Bounds()
	if b.Dx() <= side && b.Dy() <= side {
		return img
	}
	w, h := side, b.Dy()*side/b.Dx()
	if b.Dy() > b.Dx() {
		w, h = b.Dx()*side/b.Dy(), side
	}
	out := image.NewNRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	draw.CatmullRom.Scale(out, out.Bounds(), img, b, draw.Src, nil)
	return out
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	e := png.Encoder{CompressionLevel: png.BestCompression}
	if err := e.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// OwnAvatar reads the picture at path and makes the avatar to publish:
// scaled to fit in 192×192 and written anew as PNG, which keeps nothing of
// the file but its pixels (no EXIF, no location, no comments).
func OwnAvatar(path string) (*xmppclient.AvatarImage, error) {
	f, err := os.Open(path) // #nosec G304 -- the user's own choice
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOwnAvatarFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxOwnAvatarFile {
		return nil, fmt.Errorf("%s is over 20 MiB", path)
	}
	// The picture is re-encoded: files' own limit (8192 px) applies, not
	// the one for what contacts send.
	img, _, err := decodeBounded(data, 8192)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	small := scaleFit(img, OwnAvatarSide)
	out, err := encodePNG(small)
	if err != nil {
		return nil, err
	}
	b := small.Bounds()
	return &xmppclient.AvatarImage{Data: out, Type: "image/png", Width: b.Dx(), Height: b.Dy()}, nil
}

// SetAvatar publishes img as the account's avatar (nil removes it) and
// keeps it, so the window shows it at once.
func (s *Session) SetAvatar(ctx context.Context, img *xmppclient.AvatarImage) error {
	id, err := s.client.PublishAvatar(ctx, img)
	if err != nil {
		return err
	}
	me := s.client.JID().Bare().String()
	if img != nil {
		a, err := CheckAvatar(id, img.Data)
		if err != nil {
			return err
		}
		if err := s.p.st.PutAvatar(ctx, a); err != nil {
			return err
		}
	}
	if _, err := s.p.st.SetContactAvatar(ctx, s.account.JID, store.ContactAvatar{JID: me, Hash: id, Source: store.AvatarPEP}); err != nil {
		return err
	}
	go s.tell(AvatarChanged{JID: me})
	return nil
}

// PublishAvatar runs the session until it is online, publishes img (nil:
// removes the avatar) and ends it, within timeout.
func (s *Session) PublishAvatar(ctx context.Context, img *xmppclient.AvatarImage, timeout time.Duration) error {
	return s.onceOnline(ctx, timeout, func(ctx context.Context) error { return s.SetAvatar(ctx, img) })
}

// AvatarThumbs returns account's contacts' avatar hashes (the ones whose
// image is kept).
func (p *Profile) AvatarThumbs(ctx context.Context, account string) (map[string]string, error) {
	return p.st.ContactAvatars(ctx, account)
}

// AvatarThumb returns the roster copy (PNG, 64×64) of the avatar with
// this hash.
func (p *Profile) AvatarThumb(ctx context.Context, hash string) ([]byte, error) {
	return p.st.AvatarThumb(ctx, hash)
}
