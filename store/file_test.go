package store

import (
	"context"
	"reflect"
	"testing"
)

// A message that shares a file keeps what it shares, incoming and
// outgoing, in the history and in the outbox (issue 19); a text message
// has none.
func TestFileColumn(t *testing.T) {
	ctx := context.Background()
	s := newStoreWith(t, "alice@example.org")
	enc := &File{URL: "aesgcm://x.b32.i2p/file_share/a/b.jpg#00", Name: "b.jpg", Size: 5 << 20, MIME: "image/jpeg", Encrypted: true}
	plain := &File{URL: "http://x.b32.i2p/file_share/c/d.pdf", Name: "d.pdf", Size: 10, MIME: "application/pdf"}
	m := in("alice@example.org", "bob@example.org", enc.URL)
	m.OriginID, m.File = "in-1", enc
	if _, err := s.AddIncoming(ctx, m); err != nil {
		t.Fatal(err)
	}
	o := out("alice@example.org", "bob@example.org", plain.URL)
	o.File = plain
	if err := s.AddOutgoing(ctx, o); err != nil {
		t.Fatal(err)
	}
	txt := out("alice@example.org", "bob@example.org", "just text")
	if err := s.AddOutgoing(ctx, txt); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, "alice@example.org", "bob@example.org", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*File{enc.URL: enc, plain.URL: plain, "just text": nil}
	for _, m := range h {
		if w, ok := want[m.Body]; !ok || !reflect.DeepEqual(m.File, w) {
			t.Errorf("%q: file %+v, want %+v", m.Body, m.File, w)
		}
	}
	p, err := s.Pending(ctx, "alice@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || !reflect.DeepEqual(p[0].File, plain) || p[1].File != nil {
		t.Errorf("pending: %+v", p)
	}
	checkIntegrity(t, s)
}
