package ui

import (
	"bytes"
	"context"
	"crypto/sha1" // #nosec G505 -- XEP-0392 names SHA-1
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Avatars in the roster and the chat header: the contact's picture (its
// 64×64 copy, decoded off the UI goroutine, kept for at most maxAvatars
// contacts at a time) or, without one, a coloured circle with the name's
// first letter, the colour from the address as XEP-0392 says (Gajim and
// Dino colour a contact the same way).

// AvatarSource is what a Backend that shows avatars offers.
type AvatarSource interface {
	// AvatarHashes returns, for each contact with a picture kept, its hash.
	AvatarHashes(ctx context.Context) (map[string]string, error)
	// AvatarThumb returns the picture hash's roster copy (PNG, 64×64).
	AvatarThumb(ctx context.Context, hash string) ([]byte, error)
}

const (
	// avatarSize is the avatar's side in a roster row and the header.
	avatarSize = 28
	// maxAvatars bounds the decoded pictures kept (each 64×64 RGBA,
	// 16 KiB): 256 is 4 MiB at most, whatever the roster's size; a list
	// shows a few dozen rows at once.
	maxAvatars = 256
)

// avatars is a pane's avatar state (UI goroutine only).
type avatars struct {
	hashes  map[string]string      // contact → hash of its kept picture
	images  map[string]image.Image // hash → decoded copy
	order   []string               // images' hashes, oldest first
	loading map[string]bool
}

// avatarSource is the backend's AvatarSource, or nil.
func (a *Pane) avatarSource() AvatarSource {
	s, _ := a.backend.(AvatarSource)
	return s
}

// OnAvatar says jid's avatar changed: the hashes are read again and the
// rows showing it redrawn. Safe from any goroutine.
func (a *Pane) OnAvatar(string) { a.do(a.reloadAvatars) }

func (a *Pane) reloadAvatars() {
	src := a.avatarSource()
	if src == nil {
		return
	}
	a.async(func() {
		h, err := src.AvatarHashes(a.ctx)
		if err != nil {
			return
		}
		a.do(func() {
			a.avatars.hashes = h
			a.roster.Refresh()
			a.refreshHeaderAvatar()
		})
	})
}

// avatarImage is jid's decoded picture, or nil (and then its decoding is
// started, and the rows redrawn when it is there).
func (a *Pane) avatarImage(jid string) image.Image {
	av := &a.avatars
	hash := av.hashes[jid]
	if hash == "" {
		return nil
	}
	if img := av.images[hash]; img != nil {
		return img
	}
	src := a.avatarSource()
	if av.loading[hash] || src == nil {
		return nil
	}
	if av.loading == nil {
		av.loading = map[string]bool{}
	}
	av.loading[hash] = true
	a.async(func() {
		var img image.Image
		b, err := src.AvatarThumb(a.ctx, hash)
		if err == nil {
			img, err = decodeThumb(b)
		}
		a.do(func() {
			delete(av.loading, hash)
			if err != nil {
				return // initials stay
			}
			av.keep(hash, img)
			a.roster.Refresh()
			a.refreshHeaderAvatar()
		})
	})
	return nil
}

// decodeThumb decodes a roster copy: a PNG of at most 64×64 (the store's
// own, checked when it was made; checked again, it costs nothing).
func decodeThumb(b []byte) (image.Image, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if cfg.Width > 64 || cfg.Height > 64 {
		return nil, image.ErrFormat
	}
	return png.Decode(bytes.NewReader(b))
}

func (av *avatars) keep(hash string, img image.Image) {
	if av.images == nil {
		av.images = map[string]image.Image{}
	}
	if len(av.order) >= maxAvatars {
		delete(av.images, av.order[0])
		av.order = av.order[1:]
	}
	av.images[hash] = img
	av.order = append(av.order, hash)
}

// avatarView is an avatar: a picture, or initials on a coloured circle.
type avatarView struct {
	circle   *canvas.Circle
	initial  *canvas.Text
	picture  *canvas.Image
	content  *fyne.Container
	lastJID  string
	lastPict image.Image
}

func newAvatarView() *avatarView {
	v := &avatarView{
		circle:  canvas.NewCircle(color.Gray{Y: 160}),
		initial: canvas.NewText("", color.White),
		picture: canvas.NewImageFromImage(nil),
	}
	v.initial.TextStyle = fyne.TextStyle{Bold: true}
	v.initial.TextSize = 14
	v.initial.Alignment = fyne.TextAlignCenter
	v.picture.FillMode = canvas.ImageFillContain
	v.picture.ScaleMode = canvas.ImageScaleSmooth
	v.picture.CornerRadius = avatarSize / 2
	v.picture.Hide()
	v.content = container.NewGridWrap(fyne.NewSquareSize(avatarSize),
		container.NewStack(v.circle, container.NewCenter(v.initial), v.picture))
	return v
}

// set shows jid (named label) with img, or its initials when img is nil.
func (v *avatarView) set(jid, label string, img image.Image) {
	if jid == v.lastJID && img == v.lastPict && (img != nil || v.initial.Text == initialOf(label)) {
		return
	}
	v.lastJID, v.lastPict = jid, img
	if img != nil {
		v.picture.Image = img
		v.picture.Show()
		v.picture.Refresh()
		v.circle.Hide()
		v.initial.Hide()
		return
	}
	v.picture.Hide()
	v.picture.Image = nil
	v.circle.FillColor = ConsistentColor(jid)
	v.circle.Show()
	v.circle.Refresh()
	v.initial.Text = initialOf(label)
	v.initial.Show()
	v.initial.Refresh()
}

// initialOf is the first letter or digit of label, upper-cased ("#" for a
// room's name starting with none).
func initialOf(label string) string {
	label = strings.TrimPrefix(label, "# ")
	for _, r := range label {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return string(unicode.ToUpper(r))
		}
	}
	if r, _ := utf8.DecodeRuneInString(label); r != utf8.RuneError {
		return string(r)
	}
	return "?"
}

// refreshHeaderAvatar shows the open chat's avatar in its header.
func (a *Pane) refreshHeaderAvatar() {
	if a.headerAvatar == nil || a.chat == nil {
		return
	}
	peer := a.chat.peer
	a.headerAvatar.set(peer, a.chatTitle(peer), a.avatarImage(peer))
}

// ConsistentColor is XEP-0392's colour for s (a bare JID, or a room
// occupant's nick): the hue from s's SHA-1, in HSLuv with saturation 100
// and lightness 50, as Gajim and Dino draw it.
func ConsistentColor(s string) color.NRGBA {
	sum := sha1.Sum([]byte(s)) // #nosec G401 -- the XEP's hash
	hue := float64(binary.LittleEndian.Uint16(sum[:2])) / 65536 * 360
	r, g, b := hsluvToRGB(hue, 100, 50)
	to8 := func(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255)) }
	return color.NRGBA{R: to8(r), G: to8(g), B: to8(b), A: 255}
}

// HSLuv (hsluv.org) to sRGB, 0–1 each; h in degrees, s and l 0–100.
var hsluvM = [3][3]float64{
	{3.240969941904521, -1.537383177570093, -0.498610760293},
	{-0.96924363628087, 1.87596750150772, 0.041555057407175},
	{0.055630079696993, -0.20397695888897, 1.056971514242878},
}

const (
	hsluvRefU    = 0.19783000664283
	hsluvRefV    = 0.46831999493879
	hsluvKappa   = 903.2962962
	hsluvEpsilon = 0.0088564516
)

func hsluvToRGB(h, s, l float64) (r, g, b float64) {
	var c float64
	if l > 99.9999999 || l < 0.00000001 {
		c = 0
	} else {
		c = maxChroma(l, h) / 100 * s
	}
	hr := h / 180 * math.Pi
	u, v := math.Cos(hr)*c, math.Sin(hr)*c
	// LUV → XYZ
	if l == 0 {
		return 0, 0, 0
	}
	varU := u/(13*l) + hsluvRefU
	varV := v/(13*l) + hsluvRefV
	var y float64
	if l <= 8 {
		y = l / hsluvKappa
	} else {
		y = math.Pow((l+16)/116, 3)
	}
	x := 0 - (9*y*varU)/((varU-4)*varV-varU*varV)
	z := (9*y - 15*varV*y - varV*x) / (3 * varV)
	lin := func(row [3]float64) float64 {
		c := row[0]*x + row[1]*y + row[2]*z
		if c <= 0.0031308 {
			return 12.92 * c
		}
		return 1.055*math.Pow(c, 1/2.4) - 0.055
	}
	return lin(hsluvM[0]), lin(hsluvM[1]), lin(hsluvM[2])
}

// maxChroma is the largest chroma sRGB has at lightness l and hue h.
func maxChroma(l, h float64) float64 {
	hr := h / 360 * math.Pi * 2
	best := math.MaxFloat64
	sub1 := math.Pow(l+16, 3) / 1560896
	sub2 := sub1
	if sub1 <= hsluvEpsilon {
		sub2 = l / hsluvKappa
	}
	for _, m := range hsluvM {
		for t := 0.0; t < 2; t++ {
			top1 := (284517*m[0] - 94839*m[2]) * sub2
			top2 := (838422*m[2]+769860*m[1]+731718*m[0])*l*sub2 - 769860*t*l
			bottom := (632260*m[2]-126452*m[1])*sub2 + 126452*t
			slope, icpt := top1/bottom, top2/bottom
			length := icpt / (math.Sin(hr) - slope*math.Cos(hr))
			if length >= 0 && length < best {
				best = length
			}
		}
	}
	return best
}

// AvatarSetter is what a Backend that can publish the account's own
// avatar offers.
type AvatarSetter interface {
	// SetAvatar publishes the picture at path ("": removes the avatar).
	SetAvatar(ctx context.Context, path string) error
}

// avatarSetter is the backend's AvatarSetter, or nil.
func (a *Pane) avatarSetter() AvatarSetter {
	s, _ := a.backend.(AvatarSetter)
	return s
}

// pickAvatar lets the user choose a picture (PNG, JPEG, GIF) and
// publishes it as the account's avatar: scaled to 192×192 at most and
// written anew, without the file's metadata.
func (a *Pane) pickAvatar() {
	set := a.avatarSetter()
	if set == nil {
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		a.async(func() {
			err := set.SetAvatar(a.ctx, path)
			a.do(func() {
				if err != nil {
					showError(a.win, fmt.Errorf("avatar not set: %w", err), nil)
				}
			})
		})
	}, a.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".gif", ".PNG", ".JPG", ".JPEG"}))
	d.Resize(a.dialogSize())
	d.Show()
}

// occupantRow is one person in a room's People list: initials coloured
// from the nick (XEP-0392 §5.1: in a room, the nick is what others see)
// and the nick. Occupants' pictures are not fetched.
type occupantRow struct {
	widget.BaseWidget
	avatar    *avatarView
	nick      *widget.Label
	away      *canvas.Text // "away: brb", small and grey, as Gajim shows a status
	content   fyne.CanvasObject
	clickable // a click: a private chat; a right click: roomadmin.go's menu
}

func newOccupantRow() fyne.CanvasObject {
	r := &occupantRow{avatar: newAvatarView(), nick: widget.NewLabel(""), away: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))}
	r.nick.Truncation = fyne.TextTruncateEllipsis
	r.away.TextSize = theme.CaptionTextSize()
	r.content = container.NewBorder(nil, nil, container.NewCenter(r.avatar.content), container.NewCenter(r.away), r.nick)
	r.ExtendBaseWidget(r)
	return r
}

func (r *occupantRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

func (r *occupantRow) set(nick, away string) {
	r.nick.SetText(nick)
	if r.away.Text != away {
		r.away.Text = away
		r.away.Refresh()
	}
	r.avatar.set(nick, nick, nil)
}
