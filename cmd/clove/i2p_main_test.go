package main

import (
	"os"
	"testing"

	"github.com/clove-xmpp/clove/internal/i2pnet"
)

// TestMain runs this package's tests inside a network namespace of their
// own (unshare -rn, see internal/i2pnet), where the private I2P network's
// router addresses (198.18.0.K) exist only on the namespace's loopback. The
// other tests are unaffected: prosodytest and their proxies use 127.0.0.1,
// which the namespace has.
func TestMain(m *testing.M) { os.Exit(i2pnet.Main(m)) }
