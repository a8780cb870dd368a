package font

type glyphExtents struct {
	valid   bool
	extents GlyphExtents
}

// CLOVE PATCH: the cache is made in chunks of extentsChunk glyphs, each
// when a glyph of its range is first cached: a window draws a few hundred
// of a font's thousands of glyphs, and upstream made an entry for every
// glyph with each face (66 KB for Noto Sans, two faces in Clove's window).
// Like upstream's, it is not safe for concurrent use (nor is a Face).
const extentsChunk = 256

type extentsCache struct { // CLOVE PATCH
	n      int              // CLOVE PATCH: the font's glyph count
	chunks [][]glyphExtents // CLOVE PATCH
}

// CLOVE PATCH
func newExtentsCache(nGlyphs int) extentsCache {
	return extentsCache{n: nGlyphs, chunks: make([][]glyphExtents, (nGlyphs+extentsChunk-1)/extentsChunk)}
}

func (ec extentsCache) get(gid GID) (GlyphExtents, bool) {
	if int(gid) >= ec.n { // CLOVE PATCH
		return GlyphExtents{}, false
	}
	chunk := ec.chunks[int(gid)/extentsChunk] // CLOVE PATCH
	if chunk == nil {                         // CLOVE PATCH
		return GlyphExtents{}, false // CLOVE PATCH
	} // CLOVE PATCH
	ge := chunk[int(gid)%extentsChunk] // CLOVE PATCH
	return ge.extents, ge.valid
}

func (ec extentsCache) set(gid GID, extents GlyphExtents) {
	if int(gid) >= ec.n { // CLOVE PATCH
		return
	}
	c := int(gid) / extentsChunk // CLOVE PATCH
	if ec.chunks[c] == nil {     // CLOVE PATCH
		ec.chunks[c] = make([]glyphExtents, extentsChunk) // CLOVE PATCH
	} // CLOVE PATCH
	ec.chunks[c][int(gid)%extentsChunk] = glyphExtents{valid: true, extents: extents} // CLOVE PATCH
}

func (ec extentsCache) reset() {
	for i := range ec.chunks { // CLOVE PATCH
		ec.chunks[i] = nil // CLOVE PATCH
	}
}

func (f *Face) GlyphExtents(glyph GID) (GlyphExtents, bool) {
	if e, ok := f.extentsCache.get(glyph); ok {
		return e, ok
	}
	e, ok := f.glyphExtentsRaw(glyph)
	if ok {
		f.extentsCache.set(glyph, e)
	}
	return e, ok
}
