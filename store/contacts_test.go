package store

import (
	"errors"
	"fmt"
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

// UpdateRoster stores a roster result or push in one transaction: a full
// roster replaces what was stored (for that account only), a push adds,
// changes and removes, the version is stored with the items, and bad
// input changes nothing.
func TestUpdateRoster(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	c := func(jid, name string) Contact {
		return Contact{Account: "me@example.org", JID: jid, Name: name, Subscription: "both"}
	}
	bob := Contact{Account: "other@example.org", JID: "bob@example.org", Subscription: "to"}
	if err := s.PutContact(ctx, bob); err != nil {
		t.Fatal(err)
	}
	big := make([]Contact, 1000)
	for i := range big {
		big[i] = c(fmt.Sprintf("c%04d@example.org", i), "")
	}
	for _, tc := range []struct {
		name    string
		u       RosterUpdate
		wantErr error
		want    []Contact // me@example.org's contacts after
		ver     string
	}{
		{"full roster", RosterUpdate{Account: "me@example.org", Full: true, Put: []Contact{c("amy@example.org", "Amy"), c("zed@example.org", "Zed")}, Ver: "v1"},
			nil, []Contact{c("amy@example.org", "Amy"), c("zed@example.org", "Zed")}, "v1"},
		{"push: change, add, remove", RosterUpdate{Account: "me@example.org", Put: []Contact{c("zed@example.org", "Zed Z."), c("kim@example.org", "")}, Remove: []string{"amy@example.org"}, Ver: "v2"},
			nil, []Contact{c("kim@example.org", ""), c("zed@example.org", "Zed Z.")}, "v2"},
		{"push without a version keeps the last", RosterUpdate{Account: "me@example.org", Remove: []string{"nobody@example.org"}},
			nil, []Contact{c("kim@example.org", ""), c("zed@example.org", "Zed Z.")}, "v2"},
		{"full roster replaces", RosterUpdate{Account: "me@example.org", Full: true, Put: []Contact{c("amy@example.org", "")}, Ver: "v3"},
			nil, []Contact{c("amy@example.org", "")}, "v3"},
		{"empty JID: nothing stored", RosterUpdate{Account: "me@example.org", Full: true, Put: []Contact{c("", "")}, Ver: "v4"},
			ErrInvalid, []Contact{c("amy@example.org", "")}, "v3"},
		{"unknown account", RosterUpdate{Account: "nobody@example.org", Put: []Contact{c("x@example.org", "")}},
			ErrNotFound, []Contact{c("amy@example.org", "")}, "v3"},
		{"1,000 at once", RosterUpdate{Account: "me@example.org", Full: true, Put: big, Ver: "v5"},
			nil, big, "v5"},
		{"empty full roster", RosterUpdate{Account: "me@example.org", Full: true, Ver: "v6"},
			nil, nil, "v6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.UpdateRoster(ctx, tc.u)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("UpdateRoster: %v, want %v", err, tc.wantErr)
			}
			got, err := s.Contacts(ctx, "me@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("contacts after: %d %v, want %d %v", len(got), head(got), len(tc.want), head(tc.want))
			}
			if ver, err := s.RosterVersion(ctx, "me@example.org"); err != nil || ver != tc.ver {
				t.Errorf("roster version: %q, %v; want %q", ver, err, tc.ver)
			}
			if others, err := s.Contacts(ctx, "other@example.org"); err != nil || len(others) != 1 {
				t.Errorf("the other account's contacts: %v, %v; want bob only", others, err)
			}
		})
	}
}

func head(cs []Contact) []Contact {
	if len(cs) > 3 {
		return cs[:3]
	}
	return cs
}
