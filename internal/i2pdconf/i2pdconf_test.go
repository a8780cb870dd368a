package i2pdconf

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		c         Conf
		want, not []string
	}{
		{"everything off", Conf{LogFile: "/l/i2pd.log", Network: "netid = 99\n"},
			[]string{"logfile = /l/i2pd.log\nloglevel = warn\n", "netid = 99\n", "[http]\nenabled = false\n", "[socksproxy]\nenabled = false\n", "[sam]\nenabled = false\n", "[upnp]\nenabled = false\n"},
			[]string{"port =", "keys"}},
		{"services on loopback", Conf{Header: "written by a test", LogFile: "x", LogLevel: "info", Console: 7070, ConsoleAnyHost: true,
			SOCKS: &Proxy{Port: 4447, Keys: "xmpp.dat", Lengths: &Lengths{1, 0}, Quantity: 3, LeaseSetEncType: 4}, SAM: 7656},
			[]string{"# written by a test\n", "loglevel = info", "[http]\nenabled = true\naddress = 127.0.0.1\nport = 7070\nstrictheaders = false\n",
				"[socksproxy]\nenabled = true\naddress = 127.0.0.1\nport = 4447\nkeys = xmpp.dat\ninbound.length = 1\noutbound.length = 0\ninbound.quantity = 3\noutbound.quantity = 3\ni2cp.leaseSetEncType = 4\n",
				"[sam]\nenabled = true\naddress = 127.0.0.1\nport = 7656\n", "[httpproxy]\nenabled = false"},
			nil},
		{"strict console, default tunnels", Conf{LogFile: "x", Console: 1, SOCKS: &Proxy{Port: 2}}, []string{"port = 1\n", "port = 2\n"}, []string{"strictheaders", "length", "quantity", "leaseSet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.c.Text()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in\n%s", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("%q in\n%s", n, got)
				}
			}
		})
	}
}
