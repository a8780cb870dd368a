package store

import (
	"errors"
	"reflect"
	"testing"
)

func TestContacts(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	zed := Contact{Account: "me@example.org", JID: "zed@example.org", Name: "Zed", Subscription: "both", Groups: []string{"Friends", "Work"}}
	amy := Contact{Account: "me@example.org", JID: "amy@example.org", Subscription: "none", Ask: true}
	bob := Contact{Account: "other@example.org", JID: "bob@example.org", Subscription: "to"}
	for _, c := range []Contact{zed, amy, bob} {
		if err := s.PutContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	zed2 := zed
	zed2.Name, zed2.Groups, zed2.Subscription = "Zed Z.", []string{"Ünïcode ✓"}, "from"
	if err := s.PutContact(ctx, zed2); err != nil { // roster push: replace
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		remove  string // contact of me@example.org to remove first
		account string
		want    []Contact
	}{
		{"list sorted by JID", "", "me@example.org", []Contact{amy, zed2}},
		{"other account", "", "other@example.org", []Contact{bob}},
		{"unknown account", "", "nobody@example.org", nil},
		{"remove", "amy@example.org", "me@example.org", []Contact{zed2}},
		{"remove again is harmless", "amy@example.org", "me@example.org", []Contact{zed2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.remove != "" {
				if err := s.RemoveContact(ctx, "me@example.org", tc.remove); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Contacts(ctx, tc.account)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Contacts = %+v\nwant       %+v", got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		c    Contact
		want error
	}{
		{Contact{Account: "nobody@example.org", JID: "x@example.org"}, ErrNotFound},
		{Contact{Account: "me@example.org"}, ErrInvalid},
		{Contact{JID: "x@example.org"}, ErrInvalid},
	} {
		if err := s.PutContact(ctx, tc.c); !errors.Is(err, tc.want) {
			t.Errorf("PutContact(%+v) = %v, want %v", tc.c, err, tc.want)
		}
	}
}
