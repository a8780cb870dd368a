package ui

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// csiBackend records what the window tells of the user's activity.
type csiBackend struct {
	*fakeBackend
	mu   sync.Mutex
	told []bool // inactive, in order
}

func (b *csiBackend) SetInactive(_ context.Context, inactive bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.told = append(b.told, inactive)
	return nil
}

func (b *csiBackend) got() []bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.told)
}

// The servers are told "inactive" (XEP-0352) only once the window has been
// in the background for a while (a glance elsewhere tells nothing), and
// "active" as soon as it is back in front.
func TestWindowTellsActivityAfterAWhileInTheBackground(t *testing.T) {
	fa := test.NewTempApp(t)
	b := &csiBackend{fakeBackend: threeContacts()}
	a := newApp(fa, "me@example.org", b)
	t.Cleanup(a.win.Close)
	a.shell.inactiveAfter = 200 * time.Millisecond
	lc := fa.Lifecycle().(interface {
		OnEnteredForeground() func()
		OnExitedForeground() func()
	})
	waitTold := func(want []bool) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for !slices.Equal(b.got(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("told %v, want %v", b.got(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	lc.OnExitedForeground()()
	time.Sleep(50 * time.Millisecond)
	lc.OnEnteredForeground()()
	time.Sleep(400 * time.Millisecond)
	if got := b.got(); len(got) != 0 {
		t.Fatalf("a glance at another window told %v", got)
	}

	lc.OnExitedForeground()()
	waitTold([]bool{true})
	lc.OnEnteredForeground()()
	waitTold([]bool{true, false})
}
