package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/clove-xmpp/clove/chat"
)

// The window's "remember the password": the keyring where there is one
// (go-keyring's in-memory stand-in), else the profile (0600), and either
// way the next start finds it.
func TestWindowRemembersInTheKeyringOrTheProfile(t *testing.T) {
	keyring.MockInit()
	const aj = "alice@example.org"
	for _, tc := range []struct {
		name          string
		dbus          bool
		wantNoKeyring string // "" the keyring is used
	}{
		{"keyring", true, ""},
		{"no D-Bus", false, "no D-Bus session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			profile := t.TempDir()
			e := &env{profile: profile, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), getenv: func(k string) string {
				if k == "DBUS_SESSION_BUS_ADDRESS" && tc.dbus {
					return "unix:path=/nonexistent" // go-keyring's mock never dials it
				}
				return ""
			}}
			remember, probe := e.rememberer()
			noKeyring := probe()
			if (noKeyring == nil) != (tc.wantNoKeyring == "") || (noKeyring != nil && !strings.Contains(noKeyring.Error(), tc.wantNoKeyring)) {
				t.Fatalf("noKeyring %v; want %q", noKeyring, tc.wantNoKeyring)
			}
			if err := remember(aj, "s3cret"); err != nil {
				t.Fatal(err)
			}
			saved := filepath.Join(chat.PasswordsDir(profile), aj)
			fi, statErr := os.Stat(saved)
			inKeyring, _ := keyring.Get(keyringService, aj)
			if tc.dbus {
				if inKeyring != "s3cret" || statErr == nil {
					t.Errorf("keyring %q, profile file %v; want the keyring alone", inKeyring, statErr)
				}
			} else if statErr != nil || fi.Mode() != 0o600 {
				t.Errorf("the profile's file: %v %v; want mode 0600", fi, statErr)
			}
			if pw, err := e.password(aj); pw != "s3cret" || err != nil {
				t.Errorf("the next start's password: %q %v", pw, err)
			}
			e.forgetPassword(aj)
			if pw, err := e.password(aj); err == nil {
				t.Errorf("after forgetting, the password is still found: %q", pw)
			}
		})
	}
}
