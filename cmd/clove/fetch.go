package main

import (
	"context"
	"flag"
	"fmt"
)

// cmdFetch is `clove fetch --account JID URL -o PATH`: it downloads a
// shared file through the account's way out (in I2P mode only its router)
// and decrypts an aesgcm:// one (XEP-0454). PATH appears only once the
// whole file arrived (and, encrypted, checked out).
func cmdFetch(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	account := fs.String("account", "", "account whose connection settings to fetch through")
	out := fs.String("o", "", "write the file here")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *account == "" || *out == "" || len(pos) != 1 {
		return usagef("fetch takes --account JID, URL and -o PATH")
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	n, err := p.SaveFile(ctx, *account, pos[0], *out, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d bytes\n", *out, n)
	return nil
}
