package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/xmppclient"
)

// accountAvatar is `clove account avatar --account JID PATH | --remove`:
// it publishes the picture (scaled to 192×192 at most, written anew as PNG
// without the file's metadata) as the account's avatar (XEP-0084, and the
// vCard for older clients), or removes it.
func accountAvatar(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("account avatar", flag.ContinueOnError)
	account := fs.String("account", "", "account")
	remove := fs.Bool("remove", false, "remove the avatar")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the server")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" {
		return usagef("account avatar needs --account JID")
	}
	if *remove == (len(pos) == 1) || len(pos) > 1 {
		return usagef("account avatar takes a picture (PNG, JPEG, GIF) or --remove")
	}
	var img *xmppclient.AvatarImage
	if !*remove {
		if img, err = chat.OwnAvatar(pos[0]); err != nil {
			return err
		}
	}
	s, done, err := e.session(ctx, *account, chat.Options{Passive: true})
	if err != nil {
		return err
	}
	defer done()
	if !flagSet(fs, "timeout") && chat.OverI2P(s.Account()) {
		*timeout = 5 * time.Minute // I2P: tunnels and lookups take minutes on a cold router
	}
	if err := s.PublishAvatar(ctx, img, *timeout); err != nil {
		return err
	}
	if img == nil {
		fmt.Fprintln(e.stdout, "avatar removed")
		return nil
	}
	fmt.Fprintf(e.stdout, "avatar set: %s (%d×%d PNG, %d bytes)\n", xmppclient.AvatarHash(img.Data), img.Width, img.Height, len(img.Data))
	return nil
}
