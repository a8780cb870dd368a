package thirdparty

import (
	"bytes"
	"crypto/sha256"
	"reflect"
	"runtime"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/font/opentype/tables"
	"github.com/go-text/typesetting/fontscan"
)

// memFont is a font in memory the way the patched Fyne hands it to go-text
// (third_party/fyne-idle, painter.fontBytes): with Bytes, so that the
// patched loader (third_party/lazy-glyf) slices its tables out of it
// instead of copying them.
type memFont struct {
	*bytes.Reader
	b []byte
}

func (m memFont) Bytes() []byte { return m.b }

// The fonts Fyne draws with give the same glyphs whether their tables are
// copied (a plain reader) or sliced (memFont), every glyph's extents are
// those of its header parsed the way upstream parsed the whole 'glyf' table
// at load, and nothing writes into the font's bytes, which are the
// binary's own. With stock go-text (FYNE_IDLE=0) both faces copy and parse
// eagerly, and the test holds as well.
func TestFontsSlicedAndParsedLazilyDrawTheSame(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  fyne.Resource
	}{
		{"regular", theme.DefaultTextFont()},
		{"bold", theme.DefaultTextBoldFont()},
		{"italic", theme.DefaultTextItalicFont()},
		{"bold italic", theme.DefaultTextBoldItalicFont()},
		{"monospace", theme.DefaultTextMonospaceFont()},
		{"symbol", theme.DefaultSymbolFont()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := tc.res.Content()
			sum := sha256.Sum256(content)
			copied, err := font.ParseTTF(bytes.NewReader(content))
			if err != nil {
				t.Fatal(err)
			}
			sliced, err := font.ParseTTF(memFont{bytes.NewReader(content), content})
			if err != nil {
				t.Fatal(err)
			}
			eager := eagerGlyf(t, content)
			n := sliced.Upem() // touch the face so an empty font fails below
			if n == 0 || len(eager) == 0 {
				t.Fatalf("upem %d, %d glyphs", n, len(eager))
			}
			outlined := 0
			for i := range eager {
				gid := font.GID(i)
				a, b := copied.GlyphData(gid), sliced.GlyphData(gid)
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("glyph %d: copied %v, sliced %v", i, a, b)
				}
				if o, ok := b.(font.GlyphOutline); ok && len(o.Segments) > 0 {
					outlined++
				}
				ext, ok := sliced.GlyphExtents(gid)
				if !ok {
					t.Fatalf("glyph %d: no extents", i)
				}
				g := eager[i]
				want := font.GlyphExtents{
					XBearing: ext.XBearing, // the side bearing, from hmtx
					YBearing: float32(max(g.YMin, g.YMax)),
					Width:    float32(max(g.XMin, g.XMax) - min(g.XMin, g.XMax)),
					Height:   float32(min(g.YMin, g.YMax) - max(g.YMin, g.YMax)),
				}
				if ext != want {
					t.Fatalf("glyph %d: extents %+v, upstream's parse gives %+v", i, ext, want)
				}
			}
			// Most glyphs of a text font have an outline; a parse that
			// failed quietly would leave them empty.
			if outlined < len(eager)*3/4 {
				t.Errorf("%d of %d glyphs have an outline", outlined, len(eager))
			}
			if sha256.Sum256(content) != sum {
				t.Fatal("loading and drawing the font wrote into its bytes")
			}
		})
	}
}

// eagerGlyf parses every glyph of the font's 'glyf' table at once, as
// go-text v0.2.1 did when it loaded a font.
func eagerGlyf(t *testing.T, content []byte) tables.Glyf {
	t.Helper()
	ld, err := ot.NewLoader(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	raw := func(tag string) []byte {
		b, err := ld.RawTable(ot.MustNewTag(tag))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	head, _, err := tables.ParseHead(raw("head"))
	if err != nil {
		t.Fatal(err)
	}
	maxp, _, err := tables.ParseMaxp(raw("maxp"))
	if err != nil {
		t.Fatal(err)
	}
	loca, err := tables.ParseLoca(raw("loca"), int(maxp.NumGlyphs), head.IndexToLocFormat == 1)
	if err != nil {
		t.Fatal(err)
	}
	glyf, err := tables.ParseGlyf(raw("glyf"), loca)
	if err != nil {
		t.Fatal(err)
	}
	return glyf
}

// What the heap keeps of a font once loaded the way Fyne loads it (a
// fontBytes over the binary's copy): stock go-text v0.2.1 kept a copy of
// every table and every glyph's outline parsed (1.51 MB for each Noto
// Sans style, 4.79 MB for the colour emoji font); with lazy-glyf, 0.39
// and 0.58 MB (2026-12-07). Compare with GOFLAGS= (stock modules).
func BenchmarkFontHeld(b *testing.B) {
	for _, tc := range []struct {
		name string
		res  fyne.Resource
	}{
		{"regular", theme.DefaultTextFont()},
		{"bold", theme.DefaultTextBoldFont()},
		{"emoji", theme.DefaultEmojiFont()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			content := tc.res.Content()
			var held uint64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				f, err := font.ParseTTF(memFont{bytes.NewReader(content), content})
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(f)
				held = after.HeapAlloc - before.HeapAlloc
			}
			b.ReportMetric(float64(held)/1e6, "MB-held")
		})
	}
}

// What the heap keeps of a system font once Fyne's fallback has drawn one
// character from it: Noto Color Emoji for 🥰 (newer than Fyne's own colour
// font), Noto Sans CJK for 中. Stock go-text copies the font's tables into
// the heap (11.3 and 20.9 MB); with lazy-glyf the file is mapped and its
// tables sliced, and the page cache holds only the pages touched (0.08
// and 1.3 MB: the CJK font's parsed charstring index and cmap; 2026-12-07).
// The first fallback in a process also loads go-text's index of the
// system's fonts, once for all (~4 MB with Debian's Noto fonts; counted
// only in a first iteration, which -benchtime 3x leaves out).
// Needs fonts-noto-color-emoji and fonts-noto-cjk (make deps).
func BenchmarkSystemFontHeld(b *testing.B) {
	dir := b.TempDir()
	for _, tc := range []struct {
		name   string
		r      rune
		colour bool
	}{{"emoji", '🥰', true}, {"CJK", '中', false}} {
		b.Run(tc.name, func(b *testing.B) {
			var held uint64
			for b.Loop() {
				fm := fontscan.NewFontMap(nil)
				if err := fm.UseSystemFonts(dir); err != nil {
					b.Fatal(err)
				}
				fm.SetQuery(fontscan.Query{Families: []string{fontscan.SansSerif}})
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				face := fm.ResolveFace(tc.r)
				if face == nil {
					b.Fatalf("no font has %c: make deps installs the Noto fonts", tc.r)
				}
				gid, ok := face.NominalGlyph(tc.r)
				if !ok {
					b.Fatalf("no font has %c: make deps installs the Noto fonts", tc.r)
				}
				_, bitmap := face.GlyphData(gid).(font.GlyphBitmap)
				if bitmap != tc.colour {
					b.Fatalf("%c: a colour bitmap %v, want %v", tc.r, bitmap, tc.colour)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(fm)
				held = after.HeapAlloc - before.HeapAlloc
			}
			b.ReportMetric(float64(held)/1e6, "MB-held")
		})
	}
}

// The mark-to-base anchors (third_party/lazy-glyf reads each base's anchor
// offsets from the font's bytes instead of a slice each): in Fyne's
// regular and bold faces every base has an anchor for some mark class, the
// matrix has a record per covered base, and asking past its end gives no
// anchor (upstream indexed out of range there). go-text's own shaping
// tests (harfbuzz, shaping) pass on the patched copy and check the
// positions these anchors give. With stock go-text (FYNE_IDLE=0) asking
// past the end panics.
func TestMarkBaseAnchorsReadFromTheFontsBytes(t *testing.T) {
	for _, res := range []fyne.Resource{theme.TextFont(), theme.TextBoldFont()} {
		b := res.Content()
		face, err := font.ParseTTF(memFont{bytes.NewReader(b), b})
		if err != nil {
			t.Fatalf("%s: %v", res.Name(), err)
		}
		subtables, anchors := 0, 0
		for _, l := range face.Font.GPOS.Lookups {
			for _, st := range l.Subtables {
				mb, ok := st.(tables.MarkBasePos)
				if !ok {
					continue
				}
				subtables++
				am := mb.BaseArray.Anchors()
				if am.Len() != mb.BaseCoverage.Len() {
					t.Errorf("%s: %d anchor records for %d bases", res.Name(), am.Len(), mb.BaseCoverage.Len())
				}
				for i := 0; i < am.Len(); i++ {
					found := false
					for class := 0; class < 64 && !found; class++ {
						found = am.Anchor(i, class) != nil
					}
					if found {
						anchors++
					} else {
						t.Errorf("%s: base %d has no anchor", res.Name(), i)
						break
					}
				}
				if am.Anchor(am.Len(), 0) != nil || am.Anchor(-1, 0) != nil {
					t.Errorf("%s: an anchor past the matrix's end", res.Name())
				}
			}
		}
		if subtables == 0 || anchors == 0 {
			t.Errorf("%s: %d mark-to-base subtables, %d bases with anchors: want some", res.Name(), subtables, anchors)
		}
	}
}
