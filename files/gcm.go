package files

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Why our own GCM: crypto/cipher's AEAD seals and opens a whole message in
// one call, so a 20 MB upload would need the plaintext and the ciphertext
// in memory at once (and a 100 MB one five times that). XEP-0454 files are
// plain AES-256-GCM with the tag appended, which streams well: CTR
// encryption plus a running GHASH. The block cipher is crypto/aes (constant
// time, AES-NI); GHASH is the former pure-Go table implementation of the
// standard library (ghash.go). Tests check every byte against crypto/cipher.

const (
	tagSize = 16
	// maxPlaintext is GCM's limit: the 32-bit block counter allows 2³²−2
	// blocks of key stream after J0 (the same limit crypto/cipher applies).
	maxPlaintext = (1<<32 - 2) * aes.BlockSize
	// chunkSize bounds the scratch buffer of Decrypt.
	chunkSize = 32 << 10
)

// gcmStream holds the state shared by encryption and decryption.
type gcmStream struct {
	ctr     *ctr32
	hash    *ghash
	tagMask [tagSize]byte // E(K, J0)
	n       int64         // plaintext bytes so far
}

func newGCMStream(k Key) (*gcmStream, error) {
	if len(k.IV) == 0 {
		return nil, errors.New("the encryption key has no IV")
	}
	block, err := aes.NewCipher(k.Key[:])
	if err != nil {
		return nil, fmt.Errorf("cannot use the encryption key: %w", err)
	}
	var h [gcmBlockSize]byte
	block.Encrypt(h[:], h[:])
	s := &gcmStream{hash: newGHASH(&h)}

	var j0 [gcmBlockSize]byte
	if len(k.IV) == 12 {
		copy(j0[:], k.IV)
		j0[15] = 1
	} else {
		// J0 = GHASH(IV padded || 0⁶⁴ || [len(IV) in bits]⁶⁴).
		g := newGHASH(&h)
		g.write(k.IV)
		j0 = g.sum(0)
		// sum's length block is (aad bits || data bits) = (0 || len(IV)·8),
		// exactly the block the standard appends for J0.
	}
	block.Encrypt(s.tagMask[:], j0[:])
	s.ctr = newCTR32(block, j0)
	s.ctr.inc() // the data starts at inc32(J0)
	return s, nil
}

// tag is E(K, J0) XOR GHASH(C || lengths); no additional data in XEP-0454.
func (s *gcmStream) tag() [tagSize]byte {
	t := s.hash.sum(0)
	subtle.XORBytes(t[:], t[:], s.tagMask[:])
	return t
}

// grow counts n more bytes, refusing to go past GCM's limit (the counter
// would wrap and reuse key stream).
func (s *gcmStream) grow(n int) error {
	if s.n+int64(n) > maxPlaintext {
		return fmt.Errorf("the file is too large to encrypt: AES-GCM allows at most %d bytes", int64(maxPlaintext))
	}
	s.n += int64(n)
	return nil
}

// ctr32 is CTR mode with GCM's counter: only the last 32 bits of the block
// count (inc32), the first 96 stay. cipher.NewCTR carries into all 128 bits,
// which is the same until the low word wraps; with a 16-byte IV J0 can start
// anywhere, so each run up to a wrap gets its own cipher.NewCTR (which keeps
// crypto/aes's fast multi-block path).
type ctr32 struct {
	block  cipher.Block
	prefix [12]byte
	next   uint32        // counter of the next segment's first block
	stream cipher.Stream // current segment
	left   uint64        // bytes left in the current segment
}

func newCTR32(block cipher.Block, counter [gcmBlockSize]byte) *ctr32 {
	c := &ctr32{block: block}
	copy(c.prefix[:], counter[:12])
	c.next = binary.BigEndian.Uint32(counter[12:])
	return c
}

// inc skips one block (used once, before any key stream is taken).
func (c *ctr32) inc() { c.next++ }

func (c *ctr32) xorKeyStream(dst, src []byte) {
	for len(src) > 0 {
		if c.left == 0 {
			var iv [gcmBlockSize]byte
			copy(iv[:], c.prefix[:])
			binary.BigEndian.PutUint32(iv[12:], c.next)
			c.stream = cipher.NewCTR(c.block, iv[:])
			c.left = (1<<32 - uint64(c.next)) * gcmBlockSize
			c.next = 0 // after this segment the low word has wrapped
		}
		n := len(src)
		if uint64(n) > c.left {
			n = int(c.left)
		}
		c.stream.XORKeyStream(dst[:n], src[:n])
		c.left -= uint64(n)
		dst, src = dst[n:], src[n:]
	}
}

// Encrypt returns a reader of AES-256-GCM(plaintext) followed by the 16-byte
// tag, the XEP-0454 file format. It encrypts in the caller's read buffer, so
// memory does not grow with the file. Read errors of plaintext come back
// wrapped; more than GCM's limit (about 64 GiB) is an error.
func Encrypt(plaintext io.Reader, k Key) io.Reader {
	s, err := newGCMStream(k)
	return &encrypter{src: plaintext, s: s, err: err}
}

type encrypter struct {
	src  io.Reader
	s    *gcmStream
	tag  []byte // set once src is exhausted; what of it is left to read
	done bool
	err  error
}

func (e *encrypter) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.done {
		if len(e.tag) == 0 {
			return 0, io.EOF
		}
		n := copy(p, e.tag)
		e.tag = e.tag[n:]
		return n, nil
	}
	n, err := e.src.Read(p)
	if n > 0 {
		if gerr := e.s.grow(n); gerr != nil {
			e.err = gerr
			return 0, gerr
		}
		e.s.ctr.xorKeyStream(p[:n], p[:n])
		e.s.hash.write(p[:n])
	}
	switch {
	case err == io.EOF:
		t := e.s.tag()
		e.tag, e.done = t[:], true
		if n == 0 {
			return e.Read(p)
		}
	case err != nil:
		e.err = fmt.Errorf("cannot read the file to encrypt: %w", err)
		return n, e.err
	}
	return n, nil
}

// Decrypt returns a writer that decrypts AES-256-GCM ciphertext followed by
// its 16-byte tag (the XEP-0454 file format) into w, in bounded memory.
// Close checks the tag: an error wrapping ErrAuth means a wrong key, a
// tampered or truncated file. Plaintext reaches w BEFORE the check (GCM can
// only verify at the end), so write to a temporary file and keep it only
// if Close returns nil. Close does not close w.
func Decrypt(w io.Writer, k Key) io.WriteCloser {
	s, err := newGCMStream(k)
	return &decrypter{w: w, s: s, err: err}
}

type decrypter struct {
	w      io.Writer
	s      *gcmStream
	tail   [tagSize]byte // the last bytes seen: maybe the tag
	ntail  int
	buf    []byte // scratch for plaintext, at most chunkSize
	closed bool
	err    error
}

func (d *decrypter) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.closed {
		return 0, errors.New("write to a closed decrypter")
	}
	total := len(p)
	// Everything but the last 16 bytes seen so far is ciphertext.
	release := d.ntail + len(p) - tagSize
	if release <= 0 {
		d.ntail += copy(d.tail[d.ntail:], p)
		return total, nil
	}
	fromTail := min(release, d.ntail)
	if err := d.open(d.tail[:fromTail]); err != nil {
		return 0, err
	}
	d.ntail = copy(d.tail[:], d.tail[fromTail:d.ntail])
	fromP := release - fromTail
	if err := d.open(p[:fromP]); err != nil {
		return 0, err
	}
	d.ntail += copy(d.tail[d.ntail:], p[fromP:])
	return total, nil
}

// open decrypts ciphertext c into w, a chunk at a time.
func (d *decrypter) open(c []byte) error {
	for len(c) > 0 {
		n := min(len(c), chunkSize)
		if err := d.s.grow(n); err != nil {
			d.err = err
			return err
		}
		if d.buf == nil {
			d.buf = make([]byte, chunkSize)
		}
		d.s.hash.write(c[:n])
		d.s.ctr.xorKeyStream(d.buf[:n], c[:n])
		if _, err := d.w.Write(d.buf[:n]); err != nil {
			d.err = fmt.Errorf("cannot write the decrypted file: %w", err)
			return d.err
		}
		c = c[n:]
	}
	return nil
}

// Close verifies the tag. It is safe to call more than once.
func (d *decrypter) Close() error {
	if d.closed || d.err != nil {
		return d.err
	}
	d.closed = true
	if d.ntail < tagSize {
		d.err = fmt.Errorf("the encrypted file is cut short (%d bytes, less than its 16-byte tag): %w", d.ntail, ErrAuth)
		return d.err
	}
	want := d.s.tag()
	if subtle.ConstantTimeCompare(want[:], d.tail[:]) != 1 {
		d.err = fmt.Errorf("the file does not match its key (wrong key, or the file was altered or cut): %w", ErrAuth)
		return d.err
	}
	return nil
}
