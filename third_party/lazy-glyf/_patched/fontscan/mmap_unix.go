//go:build unix

// CLOVE PATCH (third_party/lazy-glyf): a new file, not in upstream.

package fontscan

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
)

// mappedFont is a font file mapped read-only: go-text's loader slices
// its tables out of Bytes instead of copying them.
type mappedFont struct {
	*bytes.Reader
	b []byte
}

func (m mappedFont) Bytes() []byte { return m.b }

// mapFont maps the file read-only and shared: its pages are the page
// cache's, which other programs drawing the same font map too.
func mapFont(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size <= 0 || int64(int(size)) != size {
		return nil, fmt.Errorf("font file %s: size %d", path, size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping font file %s: %w", path, err)
	}
	return b, nil
}

func unmapFont(b []byte) { _ = syscall.Munmap(b) }
