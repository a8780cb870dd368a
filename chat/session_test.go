package chat

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/store"
)

// The router line of an I2P account: not found, then up but not online;
// only the account's own proxy port is dialled.
func TestWatchRouterSaysWhatToDo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a := store.Account{JID: "alice@" + strings.Repeat("a", 52) + ".b32.i2p", Proxy: "socks5://" + addr, I2POnly: true}
	if got, _ := routerAddr(a); got != addr {
		t.Fatalf("routerAddr %q, want %q", got, addr)
	}
	if got, _ := routerAddr(store.Account{JID: "a@example.org"}); got != "" {
		t.Fatalf("a direct account has a router address: %q", got)
	}
	p, err := OpenProfile(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := p.Session(a, "pw", Options{WatchRouter: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Wait()
	lines := make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.watchRouter(ctx)
	go func() {
		for ev := range s.side {
			lines <- ev.(RouterStatus).Text
		}
	}()
	if got := <-lines; !strings.Contains(got, "not found at "+addr) || !strings.Contains(got, "start i2pd") {
		t.Fatalf("no router: %q", got)
	}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port taken meanwhile: %v", err)
	}
	defer ln2.Close()
	select {
	case got := <-lines:
		if !strings.Contains(got, "router up") {
			t.Fatalf("router up, client offline: %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no second report")
	}
}
