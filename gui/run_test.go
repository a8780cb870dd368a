package gui

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/xmppclient"
)

// The login prompt's "remember" keeps the password only once a login
// with it worked, and once: a mistyped password is never kept.
func TestKeepOnLoginKeepsOnlyAWorkingPassword(t *testing.T) {
	var kept []string
	g := &run{o: Options{Log: slog.New(slog.DiscardHandler), Remember: func(account, pw string) error {
		kept = append(kept, account+" "+pw)
		return nil
	}}}
	online := chat.Saved{Event: xmppclient.StateChanged{State: xmppclient.Online}}
	failed := chat.Saved{Event: xmppclient.StateChanged{State: xmppclient.Failed, Err: errors.New("not-authorized")}}

	wrong := g.keepOnLogin("alice@example.org", "wrong")
	wrong(chat.Saved{Event: xmppclient.StateChanged{State: xmppclient.Connecting}})
	wrong(failed)
	if len(kept) != 0 {
		t.Fatalf("a password that did not log in was kept: %q", kept)
	}
	right := g.keepOnLogin("alice@example.org", "right")
	right(online)
	right(online) // a reconnect later
	if len(kept) != 1 || kept[0] != "alice@example.org right" {
		t.Fatalf("kept %q; want the working password once", kept)
	}
}
