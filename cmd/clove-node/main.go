// Command clove-node keeps a bundled Clove node running: it starts the
// node's i2pd and prosody as `clove node start` planned them, restarts
// either if it dies, and stops both on SIGTERM or SIGINT (`clove node
// stop`). It is separate from clove, and small, because it stays resident
// as long as the node runs; clove starts it from the directory clove itself
// is in, or from PATH.
//
// Usage: clove-node NODE_DIR
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/clove-xmpp/clove/internal/supervise"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] == "" || os.Args[1][0] == '-' {
		os.Stderr.WriteString("usage: clove-node NODE_DIR (started by 'clove node start')\n")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := func(msg string) {
		os.Stderr.WriteString(time.Now().UTC().Format(time.RFC3339) + " clove-node: " + msg + "\n")
	}
	if err := supervise.RunDir(ctx, os.Args[1], log); err != nil {
		log(err.Error())
		os.Exit(1)
	}
}
