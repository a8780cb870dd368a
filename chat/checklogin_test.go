package chat

import (
	"context"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/xmppclient"
)

// A login check (AddAccount's CheckLogin) leaves the account's OMEMO
// device unpublished, even when it stays online long enough to have
// published it: the profile's first session announces the device, list
// entry and bundle together. (A check used to publish in the background
// until its logout cut it off: under load, the device was sometimes listed
// with no bundle; docs/omemo.md.)
func TestCheckLoginPublishesNoDevice(t *testing.T) {
	srv := prosodytest.Start(t, prosodytest.WithPEP())
	srv.CreateUser(t, "alice", "alice-pw")
	srv.CreateUser(t, "bob", "bob-pw")
	ap, aa := testAccount(t, srv, "alice") // AddAccount: a CheckLogin
	bp, ba := testAccount(t, srv, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := jid.MustParse(aa.JID)

	// The check's own session, kept online: a slow logout's worth of time
	// and more. A publication takes a few round trips (~10–100 ms here).
	chk := startRunning(t, ctx, ap, aa, "alice-pw", Options{Passive: true, NoReconnect: true, check: true})
	chk.wait(t, "the check online", func(ev xmppclient.Event) bool {
		sc, ok := ev.(xmppclient.StateChanged)
		return ok && sc.State == xmppclient.Online
	})
	time.Sleep(2 * time.Second)
	chk.close()
	for ev := range chk.events {
		if r, ok := ev.(xmppclient.OMEMOReady); ok {
			t.Errorf("the check published its OMEMO device: %+v", r)
		}
	}

	bs := startRunning(t, ctx, bp, ba, "bob-pw", Options{})
	bs.ready(t)
	devs, err := bs.s.OMEMODevices(ctx, alice)
	if err != nil || len(devs) != 0 {
		t.Fatalf("alice's devices after two login checks and a check session: %v, %v; want none", devs, err)
	}

	// Her first session publishes the device.
	as := startRunning(t, ctx, ap, aa, "alice-pw", Options{})
	id := as.ready(t)
	devs, err = as.s.OMEMODevices(ctx, alice)
	if err != nil || len(devs) != 1 || devs[0] != id {
		t.Fatalf("alice's devices from her first session: %v, %v; want [%d]", devs, err, id)
	}
}
