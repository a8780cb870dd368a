//go:build !linux

package owner

import (
	"context"
	"time"
)

// pollEvery is how often, without inotify, a session looks whether
// another one ended.
const pollEvery = 30 * time.Second

func (w *Watcher) start(ctx context.Context, _ string) error {
	go func() {
		defer w.stop()
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.signalAll()
			}
		}
	}()
	return nil
}
