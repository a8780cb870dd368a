package files

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"testing"
	"testing/iotest"
)

// oneShot is the reference: crypto/cipher's GCM over the whole message.
func oneShot(t testing.TB, k Key) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(k.Key[:])
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, len(k.IV))
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

func testKey(t testing.TB, ivLen int) Key {
	t.Helper()
	k := Key{IV: make([]byte, ivLen)}
	rand.Read(k.IV)
	rand.Read(k.Key[:])
	return k
}

// chunkyWriter passes writes on in random small pieces, as a network copy
// would.
type chunkyWriter struct {
	w   io.Writer
	rng *mrand.Rand
}

func (c chunkyWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		n := min(len(p), 1+c.rng.IntN(40))
		if _, err := c.w.Write(p[:n]); err != nil {
			return 0, err
		}
		p = p[n:]
	}
	return total, nil
}

var gcmSizes = []int{0, 1, 15, 16, 17, 31, 32, 33, 4095, 4096, 4097, chunkSize - 1, chunkSize + 17, 1<<20 + 3}

// TestEncryptMatchesOneShot checks every size and IV size, byte for byte,
// against crypto/cipher, reading through a reader that returns one byte or
// half the buffer at a time.
func TestEncryptMatchesOneShot(t *testing.T) {
	t.Parallel()
	for _, ivLen := range []int{12, 16} {
		for _, size := range gcmSizes {
			for _, wrap := range []struct {
				name string
				f    func(io.Reader) io.Reader
			}{{"whole", func(r io.Reader) io.Reader { return r }}, {"half", iotest.HalfReader}, {"onebyte", iotest.OneByteReader}} {
				if wrap.name == "onebyte" && size > 1<<16 {
					continue
				}
				t.Run(fmt.Sprintf("iv%d/%d/%s", ivLen, size, wrap.name), func(t *testing.T) {
					k := testKey(t, ivLen)
					plain := make([]byte, size)
					rand.Read(plain)
					want := oneShot(t, k).Seal(nil, k.IV, plain, nil)
					got, err := io.ReadAll(wrap.f(Encrypt(bytes.NewReader(plain), k)))
					if err != nil {
						t.Fatal(err)
					}
					if int64(len(got)) != EncryptedSize(int64(size)) || !bytes.Equal(got, want) {
						t.Fatalf("ciphertext differs from crypto/cipher's (len %d, want %d)", len(got), len(want))
					}
				})
			}
		}
	}
}

// TestDecryptMatchesOneShot decrypts crypto/cipher's ciphertext written in
// random pieces, and checks the plaintext and the verdict.
func TestDecryptMatchesOneShot(t *testing.T) {
	t.Parallel()
	for _, ivLen := range []int{12, 16} {
		for _, size := range gcmSizes {
			t.Run(fmt.Sprintf("iv%d/%d", ivLen, size), func(t *testing.T) {
				k := testKey(t, ivLen)
				plain := make([]byte, size)
				rand.Read(plain)
				sealed := oneShot(t, k).Seal(nil, k.IV, plain, nil)
				var out bytes.Buffer
				d := Decrypt(&out, k)
				rng := mrand.New(mrand.NewPCG(uint64(size), uint64(ivLen)))
				if _, err := (chunkyWriter{d, rng}).Write(sealed); err != nil {
					t.Fatal(err)
				}
				if err := d.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				if !bytes.Equal(out.Bytes(), plain) {
					t.Fatal("plaintext differs")
				}
			})
		}
	}
}

// TestEncryptDecryptProperty: random sizes, random keys, random chunking,
// both directions against crypto/cipher.
func TestEncryptDecryptProperty(t *testing.T) {
	t.Parallel()
	rng := mrand.New(mrand.NewPCG(1, 2))
	rounds := 200
	if testing.Short() {
		rounds = 40
	}
	for range rounds {
		size := rng.IntN(70000)
		k := testKey(t, []int{12, 16}[rng.IntN(2)])
		plain := make([]byte, size)
		rand.Read(plain)
		aead := oneShot(t, k)
		enc, err := io.ReadAll(iotest.HalfReader(Encrypt(iotest.HalfReader(bytes.NewReader(plain)), k)))
		if err != nil {
			t.Fatal(err)
		}
		dec, err := aead.Open(nil, k.IV, enc, nil)
		if err != nil || !bytes.Equal(dec, plain) {
			t.Fatalf("size %d iv %d: crypto/cipher cannot open our ciphertext: %v", size, len(k.IV), err)
		}
		var out bytes.Buffer
		d := Decrypt(&out, k)
		if _, err := (chunkyWriter{d, rng}).Write(enc); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil || !bytes.Equal(out.Bytes(), plain) {
			t.Fatalf("size %d: decrypt: %v", size, err)
		}
	}
}

// TestDecryptRejects covers the ways a file can fail its check.
func TestDecryptRejects(t *testing.T) {
	t.Parallel()
	k := testKey(t, 12)
	plain := []byte("the quick brown fox jumps over the lazy dog")
	sealed := oneShot(t, k).Seal(nil, k.IV, plain, nil)
	other := testKey(t, 12)
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		key  Key
	}{
		{"empty", nil, k},
		{"shorter than a tag", sealed[:15], k},
		{"tag only", sealed[len(sealed)-16:], k},
		{"truncated by one", sealed[:len(sealed)-1], k},
		{"one more byte", append(bytes.Clone(sealed), 0), k},
		{"ciphertext bit flipped", flip(3), k},
		{"tag bit flipped", flip(len(sealed) - 1), k},
		{"wrong key", sealed, other},
		{"wrong IV", sealed, Key{IV: make([]byte, 12), Key: k.Key}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decrypt(io.Discard, tc.key)
			if _, err := d.Write(tc.data); err != nil {
				t.Fatal(err)
			}
			if err := d.Close(); !errors.Is(err, ErrAuth) {
				t.Fatalf("Close = %v, want ErrAuth", err)
			}
		})
	}
}

func TestEncryptReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	_, err := io.ReadAll(Encrypt(iotest.ErrReader(boom), testKey(t, 12)))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the source's error", err)
	}
	if _, err := io.ReadAll(Encrypt(bytes.NewReader(nil), Key{})); err == nil {
		t.Fatal("a key without IV encrypted")
	}
}

// TestCTR32Wraps checks the counter against a plain inc32 reference across
// the wrap of its low 32 bits, where cipher.NewCTR alone would carry into
// the IV part.
func TestCTR32Wraps(t *testing.T) {
	t.Parallel()
	k := testKey(t, 12)
	block, _ := aes.NewCipher(k.Key[:])
	var start [16]byte
	rand.Read(start[:12])
	binary.BigEndian.PutUint32(start[12:], 0xffffffff-2)
	src := make([]byte, 6*16+5)
	rand.Read(src)

	want := make([]byte, len(src))
	ctr := start
	for i := 0; i < len(src); i += 16 {
		var ks [16]byte
		block.Encrypt(ks[:], ctr[:])
		for j := i; j < min(i+16, len(src)); j++ {
			want[j] = src[j] ^ ks[j-i]
		}
		binary.BigEndian.PutUint32(ctr[12:], binary.BigEndian.Uint32(ctr[12:])+1)
	}
	got := make([]byte, len(src))
	c := newCTR32(block, start)
	for i := 0; i < len(src); i += 7 { // odd pieces cross the wrap mid-block
		c.xorKeyStream(got[i:min(i+7, len(src))], src[i:min(i+7, len(src))])
	}
	if !bytes.Equal(got, want) {
		t.Fatal("key stream differs from inc32 across the wrap")
	}
}

func TestSizeCap(t *testing.T) {
	t.Parallel()
	s, err := newGCMStream(testKey(t, 12))
	if err != nil {
		t.Fatal(err)
	}
	s.n = maxPlaintext - 1
	if err := s.grow(1); err != nil {
		t.Fatalf("the last allowed byte refused: %v", err)
	}
	if err := s.grow(1); err == nil {
		t.Fatal("went past GCM's limit")
	}
}

// FuzzDecrypt: whatever comes, Decrypt never panics, and anything other
// than the sealed original fails with ErrAuth.
func FuzzDecrypt(f *testing.F) {
	k := Key{IV: bytes.Repeat([]byte{7}, 12)}
	copy(k.Key[:], "0123456789abcdef0123456789abcdef")
	aead := oneShot(f, k)
	for _, p := range []string{"", "a", "hello, world", string(bytes.Repeat([]byte("x"), 100))} {
		sealed := aead.Seal(nil, k.IV, []byte(p), nil)
		f.Add(sealed, uint8(0))
		f.Add(sealed[:len(sealed)/2], uint8(3))
		f.Add(append(sealed, 1), uint8(9))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		_, openErr := aead.Open(nil, k.IV, data, nil)
		var out bytes.Buffer
		d := Decrypt(&out, k)
		cut := min(int(split), len(data))
		if _, err := d.Write(data[:cut]); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write(data[cut:]); err != nil {
			t.Fatal(err)
		}
		err := d.Close()
		if (openErr == nil) != (err == nil) {
			t.Fatalf("crypto/cipher says %v, we say %v", openErr, err)
		}
		if err != nil && !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
	})
}

const benchSize = 20 << 20

func BenchmarkEncrypt(b *testing.B) {
	k := testKey(b, 12)
	src := make([]byte, benchSize)
	buf := make([]byte, 32<<10)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.CopyBuffer(io.Discard, onlyReader{Encrypt(bytes.NewReader(src), k)}, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	k := testKey(b, 12)
	sealed := oneShot(b, k).Seal(nil, k.IV, make([]byte, benchSize), nil)
	buf := make([]byte, 32<<10)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		d := Decrypt(io.Discard, k)
		if _, err := io.CopyBuffer(d, onlyReader{bytes.NewReader(sealed)}, buf); err != nil {
			b.Fatal(err)
		}
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneShotSeal and BenchmarkOneShotOpen are crypto/cipher on the
// whole file, for comparison: fast, but 20 MB allocated per call.
func BenchmarkOneShotSeal(b *testing.B) {
	k := testKey(b, 12)
	aead := oneShot(b, k)
	src := make([]byte, benchSize)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		_ = aead.Seal(nil, k.IV, src, nil)
	}
}

func BenchmarkOneShotOpen(b *testing.B) {
	k := testKey(b, 12)
	aead := oneShot(b, k)
	sealed := aead.Seal(nil, k.IV, make([]byte, benchSize), nil)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := aead.Open(nil, k.IV, sealed, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// onlyReader hides WriteTo/ReadFrom so the copy goes through a fixed buffer
// as it does from a file to a network connection.
type onlyReader struct{ io.Reader }
