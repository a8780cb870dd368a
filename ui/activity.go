package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
)

// ActivityTeller is offered by a Backend that tells its server whether
// the user is looking at the window (XEP-0352, Client State Indication):
// the server may then hold back what is not urgent (presence updates)
// while nobody looks.
type ActivityTeller interface {
	SetInactive(ctx context.Context, inactive bool) error
}

// inactiveAfter is how long the window must be out of the foreground
// (unfocused, minimised) before the servers are told nobody looks: a
// glance at another window does not make every presence update wait.
const inactiveAfter = time.Minute

// watchActivity tells the accounts' servers when the window has been out
// of the foreground for inactiveAfter, and at once when it is back.
func (s *Shell) watchActivity(lc fyne.Lifecycle) {
	lc.SetOnEnteredForeground(func() {
		s.foreground = true
		for _, a := range s.apps {
			a.tellSeen(false) // the open chat is seen now (markers.go)
		}
		if s.awayTimer != nil {
			s.awayTimer.Stop()
			s.awayTimer = nil
		}
		if s.toldInactive {
			s.toldInactive = false
			s.tellActivity(false)
		}
	})
	lc.SetOnExitedForeground(func() {
		s.foreground = false
		if s.awayTimer != nil {
			return
		}
		s.awayTimer = time.AfterFunc(s.inactiveAfter, func() {
			fyne.Do(func() {
				if s.foreground || s.awayTimer == nil {
					return
				}
				s.awayTimer = nil
				s.toldInactive = true
				s.tellActivity(true)
			})
		})
	})
}

// tellActivity tells every account's server the user's state, off the UI
// goroutine.
func (s *Shell) tellActivity(inactive bool) {
	for _, a := range s.apps {
		if t, ok := a.backend.(ActivityTeller); ok {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_ = t.SetInactive(ctx, inactive) // kept for the next login when offline
			}()
		}
	}
}
