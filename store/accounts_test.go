package store

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestAccounts(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	full := Account{
		JID: "me@example.org", Server: "xmpp.example.org:5222", Proxy: "socks5://127.0.0.1:9050",
		SAM: "127.0.0.1:7656", I2POnly: true, Pin: "sha256:ab:cd",
		DarknetMap: map[string]string{"example.org": "abcd.b32.i2p"},
		SAMKeys:    "/home/me/.local/share/clove/me.keys", Created: at(0), I2PHops: 1,
	}
	if err := s.AddAccount(ctx, full); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if err := s.AddAccount(ctx, Account{JID: "alice@example.net"}); err != nil {
		t.Fatal(err)
	}

	got, err := s.Account(ctx, "me@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(full.Created) {
		t.Errorf("Created = %v, want %v", got.Created, full.Created)
	}
	got.Created = full.Created
	if !reflect.DeepEqual(got, full) {
		t.Errorf("Account = %+v\nwant      %+v", got, full)
	}
	alice, err := s.Account(ctx, "alice@example.net")
	if err != nil {
		t.Fatal(err)
	}
	if alice.Created.Before(before.Add(-time.Second)) || alice.Created.After(time.Now()) {
		t.Errorf("zero Created became %v, want about now", alice.Created)
	}
	if alice.DarknetMap != nil {
		t.Errorf("nil DarknetMap came back as %v", alice.DarknetMap)
	}

	upd := full
	upd.Server, upd.I2POnly, upd.DarknetMap, upd.Created = "", false, nil, at(99)
	if err := s.UpdateAccount(ctx, upd); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Account(ctx, "me@example.org")
	if got.Server != "" || got.I2POnly || got.DarknetMap != nil || got.Proxy != full.Proxy {
		t.Errorf("after update: %+v", got)
	}
	if !got.Created.Equal(full.Created) {
		t.Errorf("UpdateAccount changed Created to %v", got.Created)
	}

	list, err := s.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].JID != "alice@example.net" || list[1].JID != "me@example.org" {
		t.Errorf("Accounts = %+v", list)
	}

	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"add existing", s.AddAccount(ctx, Account{JID: "me@example.org"}), ErrExists},
		{"add empty", s.AddAccount(ctx, Account{}), ErrInvalid},
		{"update missing", s.UpdateAccount(ctx, Account{JID: "nobody@example.org"}), ErrNotFound},
		{"get missing", func() error { _, err := s.Account(ctx, "nobody@example.org"); return err }(), ErrNotFound},
		{"remove missing", s.RemoveAccount(ctx, "nobody@example.org"), ErrNotFound},
		{"roster version missing", func() error { _, err := s.RosterVersion(ctx, "nobody@example.org"); return err }(), ErrNotFound},
		{"set roster version missing", s.SetRosterVersion(ctx, "nobody@example.org", "v"), ErrNotFound},
		{"archive id missing", func() error { _, err := s.LastArchiveID(ctx, "nobody@example.org"); return err }(), ErrNotFound},
		{"set archive id missing", s.SetLastArchiveID(ctx, "nobody@example.org", "x"), ErrNotFound},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

func TestAccountFields(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org")
	for _, tc := range []struct {
		name string
		get  func() (string, error)
		set  func(string) error
	}{
		{"roster version",
			func() (string, error) { return s.RosterVersion(ctx, "me@example.org") },
			func(v string) error { return s.SetRosterVersion(ctx, "me@example.org", v) }},
		{"last archive id",
			func() (string, error) { return s.LastArchiveID(ctx, "me@example.org") },
			func(v string) error { return s.SetLastArchiveID(ctx, "me@example.org", v) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v, err := tc.get(); err != nil || v != "" {
				t.Errorf("initial = %q, %v; want empty", v, err)
			}
			for _, v := range []string{"ver-1", "ver-2", ""} {
				if err := tc.set(v); err != nil {
					t.Fatal(err)
				}
				if got, err := tc.get(); err != nil || got != v {
					t.Errorf("after set %q: got %q, %v", v, got, err)
				}
			}
		})
	}
	// UpdateAccount keeps them.
	if err := s.SetRosterVersion(ctx, "me@example.org", "keep"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateAccount(ctx, Account{JID: "me@example.org", Server: "x"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.RosterVersion(ctx, "me@example.org"); v != "keep" {
		t.Errorf("UpdateAccount reset the roster version to %q", v)
	}
}

func TestRemoveAccountRemovesItsData(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org", "other@example.org")
	for _, acct := range []string{"me@example.org", "other@example.org"} {
		if err := s.PutContact(ctx, Contact{Account: acct, JID: "you@example.org", Groups: []string{"g"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPin(ctx, acct, "example.org", "fp"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddOutgoing(ctx, out(acct, "you@example.org", "findable outgoing")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddIncoming(ctx, in(acct, "you@example.org", "findable incoming")); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDraft(ctx, acct, "you@example.org", "half a thought"); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRoom(ctx, Room{Account: acct, JID: "room@muc.example.org", Nick: "me"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RemoveAccount(ctx, "me@example.org"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"contacts", "pins", "messages", "outbox", "drafts", "rooms"} {
		if n := count(t, s, table, "account = 'me@example.org'"); n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
		if n := count(t, s, table, "account = 'other@example.org'"); n == 0 {
			t.Errorf("the other account lost its %s", table)
		}
	}
	if res, err := s.Search(ctx, "me@example.org", "", "findable", 10); err != nil || len(res) != 0 {
		t.Errorf("Search after remove = %v, %v", bodies(res), err)
	}
	if res, err := s.Search(ctx, "other@example.org", "", "findable", 10); err != nil || len(res) != 2 {
		t.Errorf("Search on the other account = %v, %v", bodies(res), err)
	}
	if _, err := s.Account(ctx, "me@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Account after remove: %v", err)
	}
	checkIntegrity(t, s)
}
