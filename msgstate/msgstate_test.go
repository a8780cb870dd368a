package msgstate

import "testing"

func TestNext(t *testing.T) {
	for _, c := range []struct{ cur, next, want State }{
		{"", Sent, Sent},
		{"", Delivered, Delivered},
		{Queued, Sent, Sent},
		{Queued, Delivered, Delivered},
		{Queued, Failed, Failed},
		{Sent, Delivered, Delivered},
		{Sent, Failed, Failed},
		{Sent, Queued, Sent},           // never back
		{Delivered, Sent, Delivered},   // an ack after the receipt
		{Delivered, Failed, Delivered}, // it arrived
		{Failed, Delivered, Delivered}, // the receipt proves it arrived
		{Failed, Sent, Failed},
		{Received, Sent, Received}, // incoming messages stay so
		{Received, Failed, Received},
		{Received, Delivered, Received},
		{Delivered, Read, Read},
		{Sent, Read, Read},
		{Read, Delivered, Read}, // a receipt after the marker
		{Read, Failed, Read},
		{Received, Read, Received},
	} {
		if got := Next(c.cur, c.next); got != c.want {
			t.Errorf("Next(%q, %q) = %q, want %q", c.cur, c.next, got, c.want)
		}
	}
}
