package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A profile is kept per account and contact, replaced by the next fetch,
// refused when oversized, and goes with its account.
func TestProfiles(t *testing.T) {
	ctx := context.Background()
	s := newStoreWith(t, "me@x")
	if _, err := s.Profile(ctx, "me@x", "bob@x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before any: %v, want ErrNotFound", err)
	}
	at := time.Unix(1700000000, 5)
	if err := s.PutProfile(ctx, "me@x", Profile{JID: "bob@x", Data: []byte(`{"fullname":"Bob"}`), Fetched: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutProfile(ctx, "me@x", Profile{JID: "bob@x", None: true, Data: []byte(`{}`), Fetched: at.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Profile(ctx, "me@x", "bob@x")
	if err != nil || !p.None || string(p.Data) != "{}" || !p.Fetched.Equal(at.Add(time.Second)) {
		t.Errorf("got %+v %v, want the second", p, err)
	}
	if err := s.PutProfile(ctx, "me@x", Profile{JID: "bob@x", Data: []byte(strings.Repeat("a", maxProfileData+1))}); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized: %v, want ErrInvalid", err)
	}
	if err := s.PutProfile(ctx, "nobody@x", Profile{JID: "bob@x", Data: []byte(`{}`)}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: %v, want ErrNotFound", err)
	}
}
