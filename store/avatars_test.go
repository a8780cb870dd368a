package store

import (
	"context"
	"testing"
)

// A contact's avatar: a PEP hash wins over a vCard one, an image is kept
// once by its hash, and only contacts whose image is kept are listed.
func TestContactAvatars(t *testing.T) {
	ctx := context.Background()
	s := newStoreWith(t, "me@x")
	set := func(jid, hash, source string, wantChanged bool) {
		t.Helper()
		changed, err := s.SetContactAvatar(ctx, "me@x", ContactAvatar{JID: jid, Hash: hash, Source: source})
		if err != nil || changed != wantChanged {
			t.Fatalf("set %s %s %s: changed=%v err=%v, want changed=%v", jid, hash, source, changed, err, wantChanged)
		}
	}
	set("bob@x", "aa", AvatarVCard, true)
	set("bob@x", "aa", AvatarVCard, false)
	set("bob@x", "bb", AvatarPEP, true)
	set("bob@x", "cc", AvatarVCard, false) // PEP wins
	if c, _ := s.ContactAvatar(ctx, "me@x", "bob@x"); c.Hash != "bb" || c.Source != AvatarPEP {
		t.Errorf("bob: %+v", c)
	}
	set("bob@x", "", AvatarPEP, true) // removed over PEP: a vCard hash may come back
	set("bob@x", "cc", AvatarVCard, true)
	set("carol@x", "bb", AvatarPEP, true)
	if m, err := s.ContactAvatars(ctx, "me@x"); err != nil || len(m) != 0 {
		t.Errorf("nothing kept yet, listed %v %v", m, err)
	}
	for i := 0; i < 2; i++ {
		if err := s.PutAvatar(ctx, Avatar{Hash: "bb", MIME: "image/png", Data: []byte{1}, Thumb: []byte{2}}); err != nil {
			t.Fatal(err)
		}
	}
	if m, _ := s.ContactAvatars(ctx, "me@x"); len(m) != 1 || m["carol@x"] != "bb" {
		t.Errorf("listed %v, want carol's bb", m)
	}
	if b, err := s.AvatarThumb(ctx, "bb"); err != nil || len(b) != 1 || b[0] != 2 {
		t.Errorf("thumb %v %v", b, err)
	}
	if _, err := s.AvatarData(ctx, "zz"); err == nil {
		t.Error("an unknown hash has data")
	}
	if _, err := s.SetContactAvatar(ctx, "me@x", ContactAvatar{JID: "d@x", Hash: "a", Source: "http"}); err == nil {
		t.Error("source http accepted")
	}
}
