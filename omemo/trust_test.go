package omemo

import (
	"errors"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	var key [32]byte
	for i := range key {
		key[i] = byte(i * 7)
	}
	fp := Fingerprint(key)
	if len(fp) != 64 {
		t.Fatalf("Fingerprint = %q, want 64 hex digits", fp)
	}
	grouped := FormatFingerprint(fp)
	if len(strings.Fields(grouped)) != 8 {
		t.Errorf("FormatFingerprint = %q, want 8 groups", grouped)
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{fp, true},
		{strings.ToUpper(fp), true},
		{grouped, true},
		{"05" + fp, true},
		{strings.ReplaceAll(grouped, " ", ":"), true},
		{fp[:62], false},
		{fp + "00", false},
		{"zz" + fp[2:], false},
		{"", false},
	} {
		got, err := ParseFingerprint(tc.in)
		if tc.ok && (err != nil || got != key) {
			t.Errorf("ParseFingerprint(%q) = %x, %v", tc.in, got, err)
		}
		if !tc.ok && !errors.Is(err, ErrBadFingerprint) {
			t.Errorf("ParseFingerprint(%q): err = %v, want ErrBadFingerprint", tc.in, err)
		}
	}
}
