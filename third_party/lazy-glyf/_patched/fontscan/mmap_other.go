//go:build !unix

// CLOVE PATCH (third_party/lazy-glyf): a new file, not in upstream.

package fontscan

import (
	"bytes"
	"os"
)

type mappedFont struct {
	*bytes.Reader
	b []byte
}

func (m mappedFont) Bytes() []byte { return m.b }

// mapFont reads the file where there is no mmap.
func mapFont(path string) ([]byte, error) { return os.ReadFile(path) }

func unmapFont([]byte) {}
