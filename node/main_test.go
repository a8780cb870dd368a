package node

import (
	"os"
	"testing"

	"github.com/clove-xmpp/clove/internal/i2pnet"
)

// TestMain runs the package's tests inside a network namespace of their own
// (unshare -rn, see internal/i2pnet), where the private I2P network's router
// addresses exist; the other tests only use 127.0.0.1, which it has.
func TestMain(m *testing.M) { os.Exit(i2pnet.Main(m)) }
