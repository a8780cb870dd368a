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
