package painter

import (
	"bytes"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"sync"

	"github.com/go-text/render"
	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/fontscan"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/internal/async"
	"fyne.io/fyne/v2/internal/cache"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
)

const (
	// DefaultTabWidth is the default width in spaces
	DefaultTabWidth = 4

	fontTabSpaceSize = 10
)

var (
	fm           *fontscan.FontMap
	fontScanLock sync.Mutex
	loaded       bool
)

func loadMap() {
	loaded = true

	fm = fontscan.NewFontMap(noopLogger{})
	err := loadSystemFonts(fm)
	if err != nil {
		fm = nil // just don't fallback
	}
}

func lookupLangFont(family string, aspect font.Aspect) *font.Face {
	fontScanLock.Lock()
	defer fontScanLock.Unlock()

	if !loaded {
		loadMap()
	}
	if fm == nil {
		return nil
	}

	fm.SetQuery(fontscan.Query{Families: []string{family}, Aspect: aspect})
	l, _ := fontscan.NewLangID(language.Language(lang.SystemLocale().LanguageString()))
	return fm.ResolveFaceForLang(l)
}

func lookupRuneFont(r rune, family string, aspect font.Aspect) *font.Face {
	fontScanLock.Lock()
	defer fontScanLock.Unlock()

	if !loaded {
		loadMap()
	}
	if fm == nil {
		return nil
	}

	fm.SetQuery(fontscan.Query{Families: []string{family}, Aspect: aspect})
	return fm.ResolveFace(r)
}

func lookupFaces(theme, fallback, emoji fyne.Resource, family string, style fyne.TextStyle) (faces *dynamicFontMap) {
	f1 := loadMeasureFont(theme)
	if theme == fallback {
		faces = &dynamicFontMap{family: family, faces: []*font.Face{f1}}
	} else {
		f2 := loadMeasureFont(fallback)
		faces = &dynamicFontMap{family: family, faces: []*font.Face{f1, f2}}
	}

	aspect := font.Aspect{Style: font.StyleNormal}
	if style.Italic {
		aspect.Style = font.StyleItalic
	}
	if style.Bold {
		aspect.Weight = font.WeightBold
	}

	// CLOVE PATCH (third_party/fyne-idle): the emoji font is loaded when a
	// rune is missing from the faces above (ResolveFace), not here. Its
	// tables are 4.2 MB, copied out of the binary for each text style that
	// measured anything (regular, bold, italic, monospace...): 8-13 MB of
	// the Go heap of a window that may never show an emoji.
	faces.emoji = emoji
	faces.sysEmoji = true // CLOVE PATCH: tried first, see lookupSystemEmoji

	// CLOVE PATCH (third_party/fyne-idle): the locale's system font is looked
	// up when a rune is missing from the faces above (ResolveFace), not here.
	// The lookup builds go-text's index of the system fonts, 130-220 ms at
	// the first text measured even with its cache warm (296 font files); a
	// UI in Latin script never needs it. The face is still tried before a
	// font looked up for the rune alone, as before.
	faces.lang, faces.aspect = true, aspect

	return faces
}

// CachedFontFace returns a Font face held in memory. These are loaded from the current theme.
func CachedFontFace(style fyne.TextStyle, source fyne.Resource, o fyne.CanvasObject) *FontCacheItem {
	if source != nil {
		val, ok := fontCustomCache.Load(source)
		if !ok {
			face := loadMeasureFont(source)
			if face == nil {
				face = loadMeasureFont(theme.TextFont())
			}
			faces := &dynamicFontMap{family: source.Name(), faces: []*font.Face{face}}

			val = &FontCacheItem{Fonts: faces}
			fontCustomCache.Store(source, val)
		}
		return val
	}

	scope := ""
	if o != nil { // for overridden themes get the cache key right
		scope = cache.WidgetScopeID(o)
	}

	val, ok := fontCache.Load(cacheID{style: style, scope: scope})
	if !ok {
		var faces *dynamicFontMap

		th := theme.CurrentForWidget(o)
		font1 := th.Font(style)

		emoji := theme.DefaultEmojiFont() // TODO only one emoji - maybe others too
		switch {
		case style.Monospace:
			faces = lookupFaces(font1, theme.DefaultTextMonospaceFont(), emoji, fontscan.Monospace, style)
		case style.Bold:
			if style.Italic {
				faces = lookupFaces(font1, theme.DefaultTextBoldItalicFont(), emoji, fontscan.SansSerif, style)
			} else {
				faces = lookupFaces(font1, theme.DefaultTextBoldFont(), emoji, fontscan.SansSerif, style)
			}
		case style.Italic:
			faces = lookupFaces(font1, theme.DefaultTextItalicFont(), emoji, fontscan.SansSerif, style)
		case style.Symbol:
			th := theme.SymbolFont()
			fallback := theme.DefaultSymbolFont()
			f1 := loadMeasureFont(th)

			if th == fallback {
				faces = &dynamicFontMap{family: fontscan.SansSerif, faces: []*font.Face{f1}}
			} else {
				f2 := loadMeasureFont(fallback)
				faces = &dynamicFontMap{family: fontscan.SansSerif, faces: []*font.Face{f1, f2}}
			}
		default:
			faces = lookupFaces(font1, theme.DefaultTextFont(), emoji, fontscan.SansSerif, style)
		}

		val = &FontCacheItem{Fonts: faces}
		fontCache.Store(cacheID{style: style, scope: scope}, val)
	}

	return val
}

// ClearFontCache is used to remove cached fonts in the case that we wish to re-load Font faces
func ClearFontCache() {
	fontCache.Clear()
	fontCustomCache.Clear()
	parsedFonts.Clear() // CLOVE PATCH: see loadMeasureFont
}

// DrawString draws a string into an image.
func DrawString(dst draw.Image, s string, color color.Color, f shaping.Fontmap, fontSize, scale float32, style fyne.TextStyle) {
	r := render.Renderer{
		FontSize: fontSize,
		PixScale: scale,
		Color:    color,
	}

	advance := float32(0)
	y := math.MinInt
	walkString(f, s, float32ToFixed266(fontSize), style, &advance, scale, func(run shaping.Output, x float32) {
		if y == math.MinInt {
			y = int(math.Ceil(float64(fixed266ToFloat32(run.LineBounds.Ascent) * r.PixScale)))
		}
		if len(run.Glyphs) == 1 {
			if run.Glyphs[0].GlyphID == 0 {
				r.DrawStringAt(string([]rune{0xfffd}), dst, int(x), y, f.ResolveFace(0xfffd))
				return
			}
		}

		r.DrawShapedRunAt(run, dst, int(x), y)
	})
}

// CLOVE PATCH (third_party/fyne-idle): a font resource is parsed once and
// its read-only *font.Font (safe for concurrent use, unlike a Face) shared
// by every style's face. Fyne parsed it again for each style, each time
// copying its tables: the regular, bold, italic and monospace text styles
// all fall back to the same fonts.
// Keyed by the content's bytes (where they start and how many), which a
// resource gives the same each time, rather than by the resource, which
// may not be comparable.
var parsedFonts sync.Map // parsedKey -> *font.Font

type parsedKey struct {
	start *byte
	n     int
}

func loadMeasureFont(data fyne.Resource) *font.Face {
	content := data.Content()
	var key parsedKey
	if len(content) > 0 {
		key = parsedKey{&content[0], len(content)}
		if ft, ok := parsedFonts.Load(key); ok {
			return font.NewFace(ft.(*font.Font))
		}
	}
	loaded, err := font.ParseTTF(fontBytes{bytes.NewReader(content), content}) // CLOVE PATCH
	if err != nil {
		fyne.LogError("font load error", err)
		return nil
	}
	if key.start != nil {
		parsedFonts.Store(key, loaded.Font)
	}

	return loaded
}

// fontBytes is a font's content that go-text's loader slices its tables
// from instead of copying them (CLOVE PATCH, with third_party/lazy-glyf):
// the theme's fonts are in the binary already.
type fontBytes struct {
	*bytes.Reader
	b []byte
}

// Bytes is the whole font; nothing may write into it.
func (f fontBytes) Bytes() []byte { return f.b }

// shapers are reused text shapers (CLOVE PATCH): HarfbuzzShaper is not
// safe for concurrent use, a pool hands each caller its own.
// Each keeps the harfbuzz fonts of the last 8 faces it shaped with (a
// zero HarfbuzzShaper keeps none: its cache's size is 0).
var shapers = sync.Pool{New: func() any { // CLOVE PATCH
	s := &shaping.HarfbuzzShaper{}
	s.SetFontCacheSize(8)
	return s
}}

// GetShaper is a shaper of the pool, for the widget package's truncation;
// give it back with PutShaper once its outputs are read (CLOVE PATCH).
func GetShaper() *shaping.HarfbuzzShaper { return shapers.Get().(*shaping.HarfbuzzShaper) } // CLOVE PATCH

// PutShaper returns a shaper to the pool (CLOVE PATCH).
func PutShaper(s *shaping.HarfbuzzShaper) { shapers.Put(s) } // CLOVE PATCH

// MeasureString returns how far dot would advance by drawing s with f.
// Tabs are translated into a dot location change.
func MeasureString(f shaping.Fontmap, s string, textSize float32, style fyne.TextStyle) (size fyne.Size, advance float32) {
	return walkString(f, s, float32ToFixed266(textSize), style, &advance, 1, func(shaping.Output, float32) {})
}

// RenderedTextSize looks up how big a string would be if drawn on screen.
// It also returns the distance from top to the text baseline.
func RenderedTextSize(text string, fontSize float32, style fyne.TextStyle, source fyne.Resource) (size fyne.Size, baseline float32) {
	size, base := cache.GetFontMetrics(text, fontSize, style, source)
	if base != 0 {
		return size, base
	}

	size, base = measureText(text, fontSize, style, source)
	cache.SetFontMetrics(text, fontSize, style, source, size, base)
	return size, base
}

func fixed266ToFloat32(i fixed.Int26_6) float32 {
	return float32(float64(i) / (1 << 6))
}

func float32ToFixed266(f float32) fixed.Int26_6 {
	return fixed.Int26_6(float64(f) * (1 << 6))
}

func measureText(text string, fontSize float32, style fyne.TextStyle, source fyne.Resource) (fyne.Size, float32) {
	face := CachedFontFace(style, source, nil)
	return MeasureString(face.Fonts, text, fontSize, style)
}

func tabStop(spacew, x float32, tabWidth int) float32 {
	if tabWidth <= 0 {
		tabWidth = DefaultTabWidth
	}

	tabw := spacew * float32(tabWidth)
	tabs, _ := math.Modf(float64((x + tabw) / tabw))
	return tabw * float32(tabs)
}

func walkString(faces shaping.Fontmap, s string, textSize fixed.Int26_6, style fyne.TextStyle, advance *float32, scale float32,
	cb func(run shaping.Output, x float32),
) (size fyne.Size, base float32) {
	s = strings.ReplaceAll(s, "\r", "")

	runes := []rune(s)
	in := shaping.Input{
		Text:      []rune{' '},
		RunStart:  0,
		RunEnd:    1,
		Direction: di.DirectionLTR,
		Face:      faces.ResolveFace(' '),
		Size:      textSize,
	}
	// CLOVE PATCH: a shaper from the pool, not a new one per string: a new
	// HarfbuzzShaper builds a harfbuzz.Font (and its shaping plans) for every
	// string measured or drawn; the pooled one keeps them for the fonts it
	// met (outputs are fresh slices, nothing is shared between callers).
	// Measured on a busy chat: -72 % of the allocations (docs/benchmarks.md).
	shaper := GetShaper()   // CLOVE PATCH
	defer PutShaper(shaper) // CLOVE PATCH
	segmenter := &shaping.Segmenter{}
	out := shaper.Shape(in)

	in.Text = runes
	in.RunStart = 0
	in.RunEnd = len(runes)

	x := float32(0)
	spacew := scale * fontTabSpaceSize
	if style.Monospace {
		spacew = scale * fixed266ToFloat32(out.Advance)
	}
	ins := segmenter.Split(in, faces)
	for _, in := range ins {
		inEnd := in.RunEnd

		pending := false
		for i, r := range in.Text[in.RunStart:in.RunEnd] {
			if r == '\t' {
				if pending {
					in.RunEnd = i
					x = shapeCallback(shaper, in, x, scale, cb)
				}
				x = tabStop(spacew, x, style.TabWidth)

				in.RunStart = i + 1
				in.RunEnd = inEnd
				pending = false
			} else {
				pending = true
			}
		}

		x = shapeCallback(shaper, in, x, scale, cb)
	}

	*advance = x
	return fyne.NewSize(*advance, fixed266ToFloat32(out.LineBounds.LineThickness())),
		fixed266ToFloat32(out.LineBounds.Ascent)
}

func shapeCallback(shaper shaping.Shaper, in shaping.Input, x, scale float32, cb func(shaping.Output, float32)) float32 {
	out := shaper.Shape(in)
	glyphs := out.Glyphs
	start := 0
	pending := false
	adv := fixed.I(0)
	for i, g := range out.Glyphs {
		if g.GlyphID == 0 {
			if pending {
				out.Glyphs = glyphs[start:i]
				cb(out, x)
				x += fixed266ToFloat32(adv) * scale
				adv = 0
			}

			out.Glyphs = glyphs[i : i+1]
			cb(out, x)
			x += fixed266ToFloat32(glyphs[i].XAdvance) * scale
			adv = 0

			start = i + 1
			pending = false
		} else {
			pending = true
		}
		adv += g.XAdvance
	}

	if pending {
		out.Glyphs = glyphs[start:]
		cb(out, x)
		x += fixed266ToFloat32(adv) * scale
		adv = 0
	}
	return x + fixed266ToFloat32(adv)*scale
}

type FontCacheItem struct {
	Fonts shaping.Fontmap
}

type cacheID struct {
	style fyne.TextStyle
	scope string
}

var (
	fontCache       async.Map[cacheID, *FontCacheItem]
	fontCustomCache async.Map[fyne.Resource, *FontCacheItem] // for custom resources
)

type noopLogger struct{}

func (n noopLogger) Printf(string, ...any) {}

type dynamicFontMap struct {
	faces  []*font.Face
	family string

	emoji    fyne.Resource // CLOVE PATCH: the emoji font, still to be loaded
	sysEmoji bool          // CLOVE PATCH: the system's emoji font is still to be looked up
	lang     bool          // CLOVE PATCH: the locale's font is still to be looked up
	aspect   font.Aspect   // CLOVE PATCH: its aspect
}

// CLOVE PATCH: the system's colour emoji font (fontscan's emoji family,
// e.g. Debian's Noto Color Emoji) is tried before Fyne's own: Fyne's lacks
// the emoji of the last years (🥰 🤩 🥳…), which the system's then drew at
// its own size, 1.25 em, next to Fyne's at 0.7–1 em in the same line.
// Desktop programs (GTK, Qt; Gajim, Dino) draw every emoji from the
// system's font. Looked up once: the first emoji loads go-text's index of
// the system fonts, which any rune missing from Fyne's fonts loads anyway.
var (
	systemEmojiDone bool       // CLOVE PATCH
	systemEmojiFont *font.Font // CLOVE PATCH: nil: none with colour glyphs
)

func lookupSystemEmoji() *font.Face { // CLOVE PATCH
	fontScanLock.Lock()
	defer fontScanLock.Unlock()
	if !systemEmojiDone {
		systemEmojiDone = true
		if !loaded {
			loadMap()
		}
		if fm != nil {
			fm.SetQuery(fontscan.Query{Families: []string{fontscan.Emoji}})
			if face := fm.ResolveFace('😀'); face != nil {
				if gid, ok := face.NominalGlyph('😀'); ok {
					switch face.GlyphData(gid).(type) {
					case font.GlyphBitmap, font.GlyphSVG: // colour, not a monochrome outline
						systemEmojiFont = face.Font
					}
				}
			}
		}
	}
	if systemEmojiFont == nil {
		return nil
	}
	return font.NewFace(systemEmojiFont) // a Face each: a Face is not safe for concurrent use
}

func (d *dynamicFontMap) ResolveFace(r rune) *font.Face {
	for _, f := range d.faces {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}

	if d.sysEmoji { // CLOVE PATCH: see lookupSystemEmoji
		d.sysEmoji = false
		if emoji := lookupSystemEmoji(); emoji != nil {
			d.addFace(emoji)
			d.emoji = nil // Fyne's own is older: not worth its 0.6 MB
			if _, ok := emoji.NominalGlyph(r); ok {
				return emoji
			}
		}
	}

	if d.emoji != nil { // CLOVE PATCH: see lookupFaces
		emoji := loadMeasureFont(d.emoji)
		d.emoji = nil
		if emoji != nil {
			d.addFace(emoji)
			if _, ok := emoji.NominalGlyph(r); ok {
				return emoji
			}
		}
	}

	if d.lang { // CLOVE PATCH: see lookupFaces
		d.lang = false
		if local := lookupLangFont(d.family, d.aspect); local != nil {
			d.addFace(local)
			if _, ok := local.NominalGlyph(r); ok {
				return local
			}
		}
	}

	toAdd := lookupRuneFont(r, d.family, font.Aspect{})
	if toAdd != nil {
		d.addFace(toAdd)
		return toAdd
	}

	return d.faces[0]
}

func (d *dynamicFontMap) addFace(f *font.Face) {
	d.faces = append(d.faces, f)
}
