package i2pdconf

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// The network parts that node init's key generator (node/init.go
// keygenNetwork), the private network's routers and joiners
// (internal/i2pnet networkConf) and node's supervisor test
// (isolatedRouter) wrote by hand before Network: Network must say the same
// to i2pd.
const (
	oldKeygen = `netid = 99
nat = false
host = 127.0.0.1
port = %[1]d
[ntcp2]
enabled = true
published = false
port = %[1]d
[ssu2]
enabled = false
[reseed]
verify = false
urls = https://127.0.0.1:1/
threshold = 0
[addressbook]
enabled = false
[nettime]
enabled = false
`
	oldI2PNet = `netid = 99
ipv4 = true
nat = false
host = %[1]s
address4 = %[1]s
port = %[2]d
floodfill = %[3]t
bandwidth = X
reservedrange = false

[ntcp2]
enabled = true
published = true
port = %[2]d

[ssu2]
enabled = false

[reseed]
verify = false
urls = https://127.0.0.1:1/
threshold = 0

[addressbook]
enabled = true
defaulturl = http://nonexistent.i2p/hosts.txt
subscriptions = http://nonexistent.i2p/hosts.txt

[exploratory]
inbound.length = 1
outbound.length = 1
inbound.quantity = 2
outbound.quantity = 2

[nettime]
enabled = false
frompeers = false

[persist]
profiles = false
`
	oldIsolated = `netid = 99
host = 127.0.0.1
port = %[1]d
nat = false
[ntcp2]
enabled = true
published = false
port = %[1]d
[ssu2]
enabled = false
[reseed]
verify = false
urls = https://127.0.0.1:1/
threshold = 0
[nettime]
enabled = false
[addressbook]
enabled = true
defaulturl = http://nonexistent.i2p/hosts.txt
subscriptions = http://nonexistent.i2p/hosts.txt
`
)

// i2pdDefaults are settings i2pd has when a config leaves them out.
var i2pdDefaults = map[string]string{"floodfill": "false"}

// settings reads i2pd.conf lines as i2pd does: "section.key" → value,
// comments and blank lines skipped, defaults dropped; a key set twice is
// an error.
func settings(t *testing.T, text string) map[string]string {
	t.Helper()
	m := map[string]string{}
	section := ""
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			section = l[1:len(l)-1] + "."
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("not a setting: %q", l)
			}
			k, v = section+strings.TrimSpace(k), strings.TrimSpace(v)
			if _, dup := m[k]; dup {
				t.Fatalf("%s set twice in\n%s", k, text)
			}
			if i2pdDefaults[k] != v {
				m[k] = v
			}
		}
	}
	return m
}

func TestNetworkSaysWhatTheHandWrittenTextsSaid(t *testing.T) {
	keygen := Isolated("127.0.0.1", 4567)
	isolated := keygen // node's supervisor test
	isolated.Addressbook = true
	router := PrivateRouter
	for _, tc := range []struct {
		name string
		old  string
		new  Network
	}{
		{"node init's key generator", fmt.Sprintf(oldKeygen, 4567), keygen},
		{"a router kept off every network", fmt.Sprintf(oldIsolated, 4567), isolated},
		{"a floodfill of the private network", fmt.Sprintf(oldI2PNet, "198.18.0.1", 31000, true), router("198.18.0.1", 31000, true)},
		{"a router of the private network", fmt.Sprintf(oldI2PNet, "198.18.0.5", 31004, false), router("198.18.0.5", 31004, false)},
		{"a router joining it", fmt.Sprintf(oldI2PNet, "198.18.0.7", 40000, false), router("198.18.0.7", 40000, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.new.Text()
			old, got := settings(t, tc.old), settings(t, text)
			for _, k := range slices.Sorted(maps.Keys(old)) {
				if got[k] != old[k] {
					t.Errorf("%s = %q, was %q", k, got[k], old[k])
				}
			}
			for _, k := range slices.Sorted(maps.Keys(got)) {
				if _, ok := old[k]; !ok {
					t.Errorf("%s = %q is new", k, got[k])
				}
			}
			// In a whole config, before the services' sections.
			conf := Conf{LogFile: "x", Net: &tc.new}.Text()
			if !strings.Contains(conf, "ipv6 = false\n"+text) || !maps.Equal(settings(t, conf), mergeSettings(settings(t, Conf{LogFile: "x"}.Text()), got)) {
				t.Errorf("the network part is not whole in\n%s", conf)
			}
		})
	}
}

func mergeSettings(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}

func TestNetworkOptions(t *testing.T) {
	got := Network{Comment: "a test", NetID: 42, Host: "10.0.0.1", Port: 1, Exploratory: &Tunnels{Lengths: Lengths{0, 2}}}.Text()
	for _, w := range []string{"# a test\nnetid = 42\n", "host = 10.0.0.1\n", "[exploratory]\ninbound.length = 0\noutbound.length = 2\n\n[nettime]"} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in\n%s", w, got)
		}
	}
	for _, n := range []string{"quantity", "address4", "floodfill", "bandwidth", "reservedrange", "defaulturl", "frompeers", "[persist]"} {
		if strings.Contains(got, n) {
			t.Errorf("%q in\n%s", n, got)
		}
	}
}
