// Command clove-node keeps a bundled Clove node running: it starts the
// node's i2pd and prosody as `clove node start` planned them, restarts
// either if it dies, and stops both on SIGTERM or SIGINT (`clove node
// stop`). It is separate from clove, and small, because it stays resident
// as long as the node runs; clove starts it from the directory clove itself
// is in, or from PATH.
//
// Usage: clove-node NODE_DIR
//
// It is also the dispatcher of a node with its own i2pd, a child of the
// node like i2pd and prosody: the streams to the node's I2P port 0 (every
// SAM client's) go by their first bytes to prosody's client, server or
// HTTP port, or a TLS handshake to its direct TLS port (internal/portmux).
//
// Usage: clove-node --dispatch 127.0.0.1:PORT C2S_PORT S2S_PORT HTTP_PORT [DIRECT_TLS_PORT]
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/clove-xmpp/clove/internal/portmux"
	"github.com/clove-xmpp/clove/internal/supervise"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--dispatch" {
		os.Exit(dispatch(os.Args[2:]))
	}
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

func dispatch(args []string) int {
	log := func(msg string) {
		os.Stderr.WriteString(time.Now().UTC().Format(time.RFC3339) + " clove-node dispatch: " + msg + "\n")
	}
	ln, ports, err := portmux.ListenArgs(args)
	if err != nil {
		log(err.Error())
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log("listening on " + ln.Addr().String())
	if err := portmux.Serve(ctx, ln, ports, 0, log); err != nil {
		log(err.Error())
		return 1
	}
	return 0
}
