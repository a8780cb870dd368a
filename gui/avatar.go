package gui

import (
	"context"
	"errors"

	"github.com/clove-xmpp/clove/chat"
)

// AvatarHashes returns the hash of each contact's kept avatar (the pane
// asks again when a session tells chat.AvatarChanged).
func (b *Backend) AvatarHashes(ctx context.Context) (map[string]string, error) {
	return b.p.AvatarThumbs(ctx, b.account)
}

// AvatarThumb returns an avatar's roster copy.
func (b *Backend) AvatarThumb(ctx context.Context, hash string) ([]byte, error) {
	return b.p.AvatarThumb(ctx, hash)
}

// SetAvatar publishes the picture at path as the account's avatar ("":
// removes it); it needs the account online.
func (b *Backend) SetAvatar(ctx context.Context, path string) error {
	s := b.sess.Load()
	if s == nil {
		return errors.New("the account is not logged in")
	}
	if path == "" {
		return s.SetAvatar(ctx, nil)
	}
	img, err := chat.OwnAvatar(path)
	if err != nil {
		return err
	}
	return s.SetAvatar(ctx, img)
}
