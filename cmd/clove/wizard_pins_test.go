package main

import (
	"context"
	"errors"
	"testing"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/ui"
)

// A second account on a server whose certificate the profile already
// pinned (for the first account) is not asked about it again; a server of
// the same name with another certificate still is.
func TestWizardSecondAccountOnTheSameServerIsNotAskedAgain(t *testing.T) {
	srv := startWizardProsody(t)
	srv.CreateUser(t, "bob", "bob-pw")
	other := prosodytest.Start(t) // the same domain, its own certificate
	other.CreateUser(t, "carol", "carol-pw")
	if other.Domain != srv.Domain || other.CertFingerprint == srv.CertFingerprint {
		t.Fatalf("the stand-in for another certificate: domain %s, fingerprint %s", other.Domain, other.CertFingerprint)
	}
	wb, st := newTestWizardBackend(t, "hello@"+srv.Domain, "federation@muc."+srv.Domain)
	ctx := context.Background()
	add := func(user, addr string, fp string) error {
		return wb.AddAccount(ctx, ui.AccountForm{JID: user + "@" + srv.Domain, Password: user + "-pw", Conn: ui.ConnCustom, Custom: addr, Fingerprint: fp})
	}

	var ce *ui.CertError
	if err := add("alice", srv.C2SAddr, ""); !errors.As(err, &ce) {
		t.Fatalf("alice, first contact: %v; want the certificate question", err)
	}
	if err := add("alice", srv.C2SAddr, ce.Raw); err != nil {
		t.Fatalf("alice after trusting: %v", err)
	}
	// Bob, same server, nothing agreed in the form: no question.
	if err := add("bob", srv.C2SAddr, ""); err != nil {
		t.Fatalf("bob on the same server: %v; want a login without a question", err)
	}
	if pin, err := st.Pin(ctx, "bob@"+srv.Domain, srv.Domain); err != nil || pin != srv.CertFingerprint {
		t.Errorf("bob's pin %q %v; want %s", pin, err, srv.CertFingerprint)
	}
	// Carol, same name, another certificate: asked, with that certificate.
	err := add("carol", other.C2SAddr, "")
	if !errors.As(err, &ce) || ce.Raw != other.CertFingerprint {
		t.Fatalf("carol on a server with another certificate: %v; want the question about %s", err, other.CertFingerprint)
	}
	if _, err := st.Account(ctx, "carol@"+srv.Domain); err == nil {
		t.Error("carol was added without an answer")
	}
}
