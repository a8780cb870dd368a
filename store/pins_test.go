package store

import (
	"errors"
	"testing"
)

func TestPins(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	type step struct {
		set           bool // SetPin(account, host, fp) instead of Pin
		account, host string
		fp            string
		wantErr       error
	}
	for i, st := range []step{
		{account: "me@example.org", host: "example.org", wantErr: ErrNotFound},
		{set: true, account: "me@example.org", host: "example.org", fp: "sha256:01"},
		{account: "me@example.org", host: "example.org", fp: "sha256:01"},
		{account: "other@example.org", host: "example.org", wantErr: ErrNotFound}, // per account
		{account: "me@example.org", host: "upload.example.org", wantErr: ErrNotFound},
		{set: true, account: "me@example.org", host: "example.org", fp: "sha256:02"}, // replace
		{account: "me@example.org", host: "example.org", fp: "sha256:02"},
		{set: true, account: "me@example.org", host: "example.org", fp: ""}, // unpin
		{account: "me@example.org", host: "example.org", wantErr: ErrNotFound},
		{set: true, account: "nobody@example.org", host: "example.org", fp: "x", wantErr: ErrNotFound},
		{set: true, account: "me@example.org", host: "", fp: "x", wantErr: ErrInvalid},
	} {
		if st.set {
			err := s.SetPin(ctx, st.account, st.host, st.fp)
			if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
				t.Errorf("step %d: SetPin(%s, %s, %q) = %v, want %v", i, st.account, st.host, st.fp, err, st.wantErr)
			}
			continue
		}
		fp, err := s.Pin(ctx, st.account, st.host)
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) {
				t.Errorf("step %d: Pin(%s, %s) err = %v, want %v", i, st.account, st.host, err, st.wantErr)
			}
			continue
		}
		if err != nil || fp != st.fp {
			t.Errorf("step %d: Pin(%s, %s) = %q, %v; want %q", i, st.account, st.host, fp, err, st.fp)
		}
	}
}

// A pin is found for the host whichever other account of the profile
// pinned it; the fingerprint must be the same.
func TestPinnedByAnotherAccount(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	if err := s.SetPin(ctx, "me@example.org", "example.org", "aa"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAccount(ctx, Account{JID: "node@abc.b32.i2p", Pin: "cc"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		account, host, fp string
		want              bool
	}{
		{"other@example.org", "example.org", "aa", true},
		{"new@example.org", "example.org", "aa", true}, // not stored yet (the wizard's check)
		{"other@example.org", "example.org", "bb", false},
		{"other@example.org", "example.net", "aa", false},
		{"me@example.org", "example.org", "aa", false}, // its own pin is not another's
		{"new@abc.b32.i2p", "abc.b32.i2p", "cc", true}, // a required pin
		{"new@xabc.b32.i2p", "xabc.b32.i2p", "cc", false},
		{"new@abc.b32.i2p", "abc.b32.i2p", "aa", false},
	} {
		got, err := s.Pinned(ctx, tc.account, tc.host, tc.fp)
		if err != nil || got != tc.want {
			t.Errorf("Pinned(%s, %s, %s) = %v, %v; want %v", tc.account, tc.host, tc.fp, got, err, tc.want)
		}
	}
}
