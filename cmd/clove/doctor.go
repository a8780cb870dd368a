package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/clove-xmpp/clove/transport"
)

func cmdDoctor(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	socks := fs.String("socks", transport.DefaultSOCKSAddr, "SOCKS5 proxy to probe")
	sam := fs.String("sam", transport.DefaultSAMAddr, "SAM bridge to probe")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("doctor takes no arguments")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st := transport.Detect(ctx, *socks, *sam)
	fmt.Fprint(e.stdout, st.String())
	return nil
}
