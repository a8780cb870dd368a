package store

import (
	"errors"
	"reflect"
	"testing"
)

func TestDrafts(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	const me, bob, carol = "me@example.org", "bob@example.org", "carol@example.org"
	for _, tc := range []struct {
		name          string
		account, peer string
		text          string
		wantErr       error
		want          map[string]string
	}{
		{"one", me, bob, "hi Bob, about", nil, map[string]string{bob: "hi Bob, about"}},
		{"another chat", me, carol, "Carol:\nline two", nil, map[string]string{bob: "hi Bob, about", carol: "Carol:\nline two"}},
		{"replaced", me, bob, "hi Bob, about tomorrow", nil, map[string]string{bob: "hi Bob, about tomorrow", carol: "Carol:\nline two"}},
		{"emptied", me, carol, "", nil, map[string]string{bob: "hi Bob, about tomorrow"}},
		{"emptied again", me, carol, "", nil, map[string]string{bob: "hi Bob, about tomorrow"}},
		{"unknown account", "nobody@example.org", bob, "x", ErrNotFound, map[string]string{bob: "hi Bob, about tomorrow"}},
		{"no peer", me, "", "x", ErrInvalid, map[string]string{bob: "hi Bob, about tomorrow"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.SetDraft(ctx, tc.account, tc.peer, tc.text); !errors.Is(err, tc.wantErr) {
				t.Fatalf("SetDraft: %v, want %v", err, tc.wantErr)
			}
			got, err := s.Drafts(ctx, me)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Drafts = %v, %v; want %v", got, err, tc.want)
			}
			if other, err := s.Drafts(ctx, "other@example.org"); err != nil || len(other) != 0 {
				t.Errorf("the other account's drafts: %v %v", other, err)
			}
		})
	}
	if err := s.RemoveAccount(ctx, me); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Drafts(ctx, me); err != nil || len(got) != 0 {
		t.Errorf("drafts of a removed account: %v %v", got, err)
	}
}
