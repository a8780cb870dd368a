package main

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
)

// "Reconnect now": with the server down the window waits longer between
// attempts (1, 2, 4, 8 s …) and offers to try at once; once the server is
// back, the offer connects without waiting out the backoff.
func TestGUIReconnectNow(t *testing.T) {
	prosodytest.Require(t)
	srv := prosodytest.Start(t)
	srv.CreateUser(t, "alice", "alice-pw")
	_, _, win, _ := guiSession(t, srv, t.TempDir(), "alice")
	srv.Stop(t)
	retry := regexp.MustCompile(`retrying in (\d+)s$`)
	var wait time.Duration
	waitUntil(t, 60*time.Second, "a wait of 5 s or more before the next attempt", func() bool {
		m := retry.FindStringSubmatch(win.LastState())
		if m == nil {
			return false
		}
		n, _ := strconv.Atoi(m[1])
		wait = time.Duration(n) * time.Second
		return wait >= 5*time.Second
	})
	if !win.Saw("offer Reconnect now") {
		t.Fatal("waiting to retry, the window offers no \"Reconnect now\"")
	}
	srv.Restart(t)
	start := time.Now()
	win.Tap(t, "Reconnect now")
	waitUntil(t, wait, "online again before the wait is over", func() bool {
		return win.LastState() == "state online"
	})
	t.Logf("online %v after \"Reconnect now\" (the wait was %v)", time.Since(start).Round(time.Millisecond), wait)
}
