package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// fillAvatars gives each contact an avatar of its own in the profile
// (BenchmarkGUISideBySide with CLOVE_BENCH_AVATARS=1): a 192×192 PNG and
// its roster copy, as if fetched, so the window loads 1,000 of them.
func fillAvatars(tb testing.TB, profile, account string, contacts []store.Contact) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(profile, "clove.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	for i, c := range contacts {
		img := image.NewNRGBA(image.Rect(0, 0, 192, 192))
		for y := 0; y < 192; y++ {
			for x := 0; x < 192; x++ {
				img.Set(x, y, color.NRGBA{uint8(i), uint8(x + i/256*64), uint8(y), 255})
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			tb.Fatal(err)
		}
		h := xmppclient.AvatarHash(b.Bytes())
		a, err := chat.CheckAvatar(h, b.Bytes())
		if err != nil {
			tb.Fatal(err)
		}
		if err := st.PutAvatar(ctx, a); err != nil {
			tb.Fatal(err)
		}
		if _, err := st.SetContactAvatar(ctx, account, store.ContactAvatar{JID: c.JID, Hash: h, Source: store.AvatarPEP}); err != nil {
			tb.Fatal(err)
		}
	}
}

// withoutAvatars copies the profile at src to dst without the avatar
// tables, at schema 13 (the one before migration 14, the avatars): what a build without
// avatars opens.
func withoutAvatars(tb testing.TB, src, dst string) {
	tb.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		tb.Fatalf("cp: %v %s", err, out)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dst, "clove.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"DROP TABLE contact_avatars", "DROP TABLE avatars", "PRAGMA user_version = 13", "VACUUM"} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatal(fmt.Errorf("%s: %w", q, err))
		}
	}
}
