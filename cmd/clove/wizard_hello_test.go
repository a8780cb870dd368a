package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/ui"
)

// The hello preset against a real prosody says what happened: to a domain
// that cannot be reached, a failure with the server's reason (it showed a
// green success before); to a user who is online, accepted by the server,
// then delivered (the contact's client confirmed it).
func TestWizardHelloSaysWhatHappened(t *testing.T) {
	prosodytest.Require(t)
	// No server-to-server: a remote domain bounces at once, as prosody
	// bounces one it cannot reach, and nothing is looked up in DNS (the
	// test's traffic stays on loopback).
	plugins := t.TempDir()
	if err := os.WriteFile(filepath.Join(plugins, "mod_no_remote.lua"), []byte(noRemoteModule), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := prosodytest.Start(t, prosodytest.PluginPath(plugins), prosodytest.WithModule("no_remote"))
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "hello", "hello-pw")
	guiSession(t, srv, t.TempDir(), "hello") // online, answers receipts
	wb, _ := newTestWizardBackend(t, "hello@nowhere.invalid", "")
	ctx := context.Background()
	if err := wb.AddAccount(ctx, ui.AccountForm{JID: "alice@" + srv.Domain, Password: "alice-pw", Conn: ui.ConnCustom, Custom: srv.C2SAddr, Fingerprint: srv.CertFingerprint}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		contact       string
		wantDelivered bool
		wantText      string // in the result, or in the error
		wantErr       bool
	}{
		{"hello@nowhere.invalid", false, `hello@nowhere.invalid was added, but "hello" was not delivered: Server-to-server connection failed: NXDomain (remote-server-not-found)`, true},
		{"hello@" + srv.Domain, true, `"hello" was delivered (hello@` + srv.Domain + ` confirmed it)`, false},
	} {
		t.Run(tc.contact, func(t *testing.T) {
			wb.Contact = tc.contact
			var steps []string
			text, delivered, err := wb.AddTestContact(ctx, func(s string) { steps = append(steps, s) })
			t.Logf("steps %q, result %q delivered=%v err=%v", steps, text, delivered, err)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.wantText) {
					t.Errorf("AddTestContact: %q %v; want the error %q", text, err, tc.wantText)
				}
				return
			}
			if err != nil || delivered != tc.wantDelivered || !strings.Contains(text, tc.wantText) {
				t.Errorf("AddTestContact: %q delivered=%v %v; want %q", text, delivered, err, tc.wantText)
			}
			// On loopback the receipt can overtake the server's ack (read
			// after the outbox is written): a receipt says it all.
			if len(steps) > 1 || (len(steps) == 1 && !strings.Contains(steps[0], `"hello" was accepted by your server`)) {
				t.Errorf("steps %q; want at most the server's acceptance before the receipt", steps)
			}
		})
	}
}

// noRemoteModule bounces every stanza for another domain before mod_s2s
// (priority -1) would look the domain up, with the error prosody sends
// when the lookup finds nothing.
const noRemoteModule = `local st = require "util.stanza";
module:hook("route/remote", function(event)
	local stanza = event.stanza;
	if stanza.attr.type ~= "error" and stanza.attr.type ~= "result" then
		event.origin.send(st.error_reply(stanza, "cancel", "remote-server-not-found",
			"Server-to-server connection failed: NXDomain"));
	end
	return true;
end, 10);
`
