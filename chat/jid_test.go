package chat

import (
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/store"
)

// FuzzJIDRules: any text a user types as an account or contact address
// gets a result or a clear error, never a panic; an accepted account
// address always has a local part and a domain and is bare.
func FuzzJIDRules(f *testing.F) {
	for _, s := range []string{"alice@example.org", "alice@@x", "@x", "x", "a@b/c", "ä@ö.example", "", " a@b ", "a@" + strings.Repeat("x", 2000), "a@[::1]", "a@b.b32.i2p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := ParseAccountJID(s)
		if err == nil {
			if j.Localpart() == "" || j.Domainpart() == "" || j.Resourcepart() != "" {
				t.Fatalf("accepted %q as %q", s, j)
			}
		} else if err.Error() == "" {
			t.Fatal("empty error")
		}
		if p, err := ParsePeerJID(s); err == nil && p.Domainpart() == "" {
			t.Fatalf("peer %q has no domain", s)
		}
		_ = store.Account{JID: s}.Domain()
	})
}
