package xmppclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// forgetfulOutbox holds no message: every ack names an id it does not
// have, as the profile's outbox says it (chat's adapter wraps
// ErrNoSuchMessage around the store's not-found).
type forgetfulOutbox struct{ memOutbox }

func (*forgetfulOutbox) Acked(_ context.Context, id string) error {
	return fmt.Errorf("%w: outgoing message %q", ErrNoSuchMessage, id)
}

// An ack for a stanza that never was in the outbox (a receipt, a room
// message) is nothing; for a message this client sent from the outbox it
// is said: the profile lost a message the server has.
func TestAckOfAMessageTheProfileLost(t *testing.T) {
	c, err := New(Config{
		JID:    jid.MustParse("alice@example.invalid"),
		Dial:   func(context.Context) (net.Conn, error) { return nil, errors.New("no network in this test") },
		Outbox: &forgetfulOutbox{},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.sentNow = map[string]bool{"sent-now": true}
	c.sentBefore = map[string]bool{"sent-before": true}
	if err := c.record(context.Background(), []string{"receipt", "sent-now", "room-message", "sent-before"}); err != nil {
		t.Fatal(err)
	}
	c.queue.close()
	var said []string
	for {
		ev, ok := c.queue.pop()
		if !ok {
			break
		}
		e, ok := ev.(ErrorEvent)
		if !ok || !errors.Is(e.Err, ErrNoSuchMessage) {
			t.Fatalf("event %#v", ev)
		}
		said = append(said, e.Err.Error())
	}
	if len(said) != 2 || !strings.Contains(said[0], "sent-now") || !strings.Contains(said[1], "sent-before") {
		t.Fatalf("said %q; want the two messages sent from the outbox, nothing of the others", said)
	}
}
