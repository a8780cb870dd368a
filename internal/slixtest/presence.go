package slixtest

import (
	"context"
	"fmt"
)

// Presence is one presence stanza as the child received it.
type Presence struct {
	From string
	To   string
	Type string // "" for available
	XML  string // the whole stanza, for extensions
}

// Presences returns the presence stanzas received so far, in order.
func (c *Client) Presences() []Presence {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Presence(nil), c.pres...)
}

// WaitPresence returns the first presence received after the first skip
// (len(Presences()) before an action: one that came after it) for which
// match holds, waiting for it until ctx ends or the child does.
func (c *Client) WaitPresence(ctx context.Context, skip int, match func(Presence) bool) (Presence, error) {
	for {
		c.mu.Lock()
		ps := append([]Presence(nil), c.pres...)
		changed := c.changed
		c.mu.Unlock()
		for _, p := range ps[min(skip, len(ps)):] {
			if match(p) {
				return p, nil
			}
		}
		select {
		case <-c.exited:
			return Presence{}, fmt.Errorf("slixtest: the client ended while waiting for a presence (%d came): %w", len(ps), c.Err())
		case <-ctx.Done():
			return Presence{}, fmt.Errorf("slixtest: waiting for a presence (%d came): %w", len(ps), ctx.Err())
		case <-changed:
		}
	}
}
