package transport

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestSettingsModeAndValidate(t *testing.T) {
	b32 := testB32("validate")
	tests := []struct {
		name     string
		s        Settings
		wantMode Mode
		wantErr  string
	}{
		{"empty is direct", Settings{}, ModeDirect, ""},
		{"socks", Settings{Proxy: "socks5://127.0.0.1:4447"}, ModeSOCKS5, ""},
		{"socks5h", Settings{Proxy: "socks5h://127.0.0.1:4447"}, ModeSOCKS5, ""},
		{"socks localhost", Settings{Proxy: "socks5://localhost:4447"}, ModeSOCKS5, ""},
		{"socks bare host:port", Settings{Proxy: "127.0.0.1:4447"}, ModeSOCKS5, ""},
		{"sam", Settings{SAM: "127.0.0.1:7656"}, ModeSAM, ""},
		{"both", Settings{Proxy: "socks5://127.0.0.1:4447", SAM: "127.0.0.1:7656"}, ModeSAM, "choose one"},
		{"http proxy", Settings{Proxy: "http://127.0.0.1:4444"}, ModeSOCKS5, "only SOCKS5"},
		{"proxy by name", Settings{Proxy: "socks5://proxy.example.org:1080"}, ModeSOCKS5, "must be an IP address"},
		{"proxy no port", Settings{Proxy: "socks5://127.0.0.1"}, ModeSOCKS5, "host:port"},
		{"proxy path", Settings{Proxy: "socks5://127.0.0.1:4447/x"}, ModeSOCKS5, "just socks5://host:port"},
		{"sam by name", Settings{SAM: "router.lan:7656"}, ModeSAM, "must be an IP address"},
		{"i2p-only direct", Settings{I2POnly: true}, ModeDirect, "I2P-only mode needs a SOCKS5 proxy"},
		{"server i2p direct", Settings{Server: b32 + ":5222"}, ModeDirect, "is an I2P address; set a SOCKS5 proxy"},
		{"server clearnet i2p-only", Settings{Server: "example.org:5222", Proxy: "socks5://127.0.0.1:4447", I2POnly: true}, ModeSOCKS5, "refusing to connect outside I2P"},
		{"server clearnet sam", Settings{Server: "example.org:5222", SAM: "127.0.0.1:7656"}, ModeSAM, "a SAM bridge can only reach"},
		{"server bad port", Settings{Server: "example.org:99999"}, ModeDirect, "invalid port"},
		{"server url", Settings{Server: "xmpp://example.org"}, ModeDirect, "should be host:port"},
		{"map ok", Settings{Proxy: "socks5://127.0.0.1:4447", DarknetMap: map[string]string{"Example.ORG": strings.ToUpper(b32)}}, ModeSOCKS5, ""},
		{"map to clearnet", Settings{DarknetMap: map[string]string{"example.org": "example.net"}}, ModeDirect, "is not an I2P address"},
		{"map from i2p", Settings{DarknetMap: map[string]string{b32: b32}}, ModeDirect, "already an I2P name"},
		{"map to address book name", Settings{DarknetMap: map[string]string{"example.org": "forum.i2p"}}, ModeDirect, "needs an address book"},
		{"map conflicting duplicates", Settings{DarknetMap: map[string]string{"example.org": b32, "EXAMPLE.org": testB32("other")}}, ModeDirect, "mapped twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Mode(); got != tc.wantMode {
				t.Errorf("Mode() = %v, want %v", got, tc.wantMode)
			}
			err := tc.s.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			wantErr(t, err, tc.wantErr)
		})
	}
}

func TestPlan(t *testing.T) {
	b32 := testB32("plan")
	other := testB32("plan-other")
	b33 := testB33("plan")
	socks := "socks5://127.0.0.1:4447"
	sam := "127.0.0.1:7656"
	dmap := map[string]string{"example.org": b32}
	tests := []struct {
		name    string
		s       Settings
		domain  string
		want    Target
		wantErr string
	}{
		{"clearnet direct", Settings{}, "Example.ORG", Target{"example.org", 5222, ModeDirect, false}, ""},
		{"clearnet trailing dot", Settings{}, "example.org.", Target{"example.org", 5222, ModeDirect, false}, ""},
		{"ip literal", Settings{}, "[::1]", Target{"::1", 5222, ModeDirect, false}, ""},
		{"clearnet via socks keeps the name", Settings{Proxy: socks}, "example.org", Target{"example.org", 5222, ModeSOCKS5, false}, ""},
		{"b32 via socks", Settings{Proxy: socks}, b32, Target{b32, 5222, ModeSOCKS5, false}, ""},
		{"b32 upper via socks", Settings{Proxy: socks}, strings.ToUpper(b32), Target{b32, 5222, ModeSOCKS5, false}, ""},
		{"b33 via sam", Settings{SAM: sam}, b33, Target{b33, 5222, ModeSAM, false}, ""},
		{"b32 via sam", Settings{SAM: sam}, b32, Target{b32, 5222, ModeSAM, false}, ""},
		{"b32 direct refused", Settings{}, b32, Target{}, "is an I2P address; set a SOCKS5 proxy (--proxy socks5://127.0.0.1:4447) or SAM bridge (--sam 127.0.0.1:7656)"},
		{"address book name refused", Settings{Proxy: socks}, "forum.i2p", Target{}, "needs an address book"},
		{"bogus b32", Settings{Proxy: socks}, "abc.b32.i2p", Target{}, "not a valid .b32.i2p address"},
		{"bogus domain", Settings{}, "exa mple.org", Target{}, "not a valid server domain"},
		{"empty domain", Settings{}, "", Target{}, "no server domain"},
		{"domain with port", Settings{}, "example.org:5222", Target{}, "not a valid server domain"},
		{"darknet map", Settings{Proxy: socks, DarknetMap: dmap}, "example.org", Target{b32, 5222, ModeSOCKS5, false}, ""},
		{"darknet map case", Settings{SAM: sam, DarknetMap: dmap}, "EXAMPLE.org", Target{b32, 5222, ModeSAM, false}, ""},
		{"darknet map i2p-only", Settings{Proxy: socks, I2POnly: true, DarknetMap: dmap}, "example.org", Target{b32, 5222, ModeSOCKS5, false}, ""},
		{"darknet map in direct mode", Settings{DarknetMap: dmap}, "example.org", Target{}, "is an I2P address; set a SOCKS5 proxy"},
		{"unmapped other domain direct", Settings{DarknetMap: dmap}, "example.net", Target{"example.net", 5222, ModeDirect, false}, ""},
		{"i2p-only refuses clearnet", Settings{Proxy: socks, I2POnly: true}, "example.net", Target{}, "I2P-only mode: example.net is not an I2P address and the darknet map has no entry for it"},
		{"i2p-only refuses ip", Settings{SAM: sam, I2POnly: true}, "192.0.2.1", Target{}, "I2P-only mode"},
		{"i2p-only allows b32", Settings{SAM: sam, I2POnly: true}, b32, Target{b32, 5222, ModeSAM, false}, ""},
		{"sam refuses clearnet", Settings{SAM: sam}, "example.net", Target{}, "a SAM bridge can only reach .b32.i2p addresses"},
		{"server override", Settings{Server: "127.0.0.1:5333"}, "example.org", Target{"127.0.0.1", 5333, ModeDirect, false}, ""},
		{"server override without port", Settings{Server: "xmpp.example.org"}, "example.org", Target{"xmpp.example.org", 5222, ModeDirect, false}, ""},
		{"server override ipv6", Settings{Server: "[::1]:5333"}, "example.org", Target{"::1", 5333, ModeDirect, false}, ""},
		{"server override bare ipv6", Settings{Server: "::1"}, "example.org", Target{"::1", 5222, ModeDirect, false}, ""},
		{"server override beats map", Settings{Server: other + ":5269", Proxy: socks, DarknetMap: dmap}, "example.org", Target{other, 5269, ModeSOCKS5, false}, ""},
		{"server override i2p direct", Settings{Server: other}, "example.org", Target{}, "is an I2P address"},
		{"server override i2p-only", Settings{Server: "xmpp.example.org:5222", Proxy: socks, I2POnly: true}, "example.org", Target{}, "refusing to connect outside I2P"},
		{"bad settings", Settings{Proxy: "socks5://127.0.0.1:4447", SAM: sam}, b32, Target{}, "connection settings: both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Plan(tc.s, tc.domain)
			if tc.wantErr != "" {
				wantErr(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Plan = %v", err)
			}
			if got != tc.want {
				t.Errorf("Plan = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// fakeDNS answers SRV questions from a table; everything else NXDOMAIN.
type fakeDNS struct {
	pc      net.PacketConn
	srv     map[string][]dnsmessage.SRVResource
	mu      sync.Mutex
	queries []string
}

func startFakeDNS(t *testing.T, srv map[string][]dnsmessage.SRVResource) (*fakeDNS, *net.Resolver) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeDNS{pc: pc, srv: srv}
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := f.answer(buf[:n]); out != nil {
				_, _ = pc.WriteTo(out, from)
			}
		}
	}()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
	return f, r
}

func (f *fakeDNS) answer(req []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	f.mu.Lock()
	f.queries = append(f.queries, q.Type.String()+" "+q.Name.String())
	f.mu.Unlock()
	resp := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeNameError}
	recs, ok := f.srv[q.Name.String()]
	if ok && q.Type == dnsmessage.TypeSRV {
		resp.RCode = dnsmessage.RCodeSuccess
	}
	// localhost answers here too: a minimal system may have no /etc/hosts.
	localhost := q.Name.String() == "localhost." && (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeAAAA)
	if localhost {
		resp.RCode = dnsmessage.RCodeSuccess
	}
	b := dnsmessage.NewBuilder(nil, resp)
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	if localhost && q.Type == dnsmessage.TypeA {
		_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
	}
	if resp.RCode == dnsmessage.RCodeSuccess && !localhost {
		for _, r := range recs {
			_ = b.SRVResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, r)
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}

func TestTargetsSRV(t *testing.T) {
	mustName := func(s string) dnsmessage.Name { return dnsmessage.MustNewName(s) }
	_, r := startFakeDNS(t, map[string][]dnsmessage.SRVResource{
		"_xmpp-client._tcp.example.org.": {
			{Priority: 10, Weight: 1, Port: 5223, Target: mustName("xmpp2.example.org.")},
			{Priority: 5, Weight: 1, Port: 5222, Target: mustName("xmpp1.example.org.")},
			{Priority: 20, Weight: 1, Port: 5222, Target: mustName(testB32("srv") + ".")},
		},
		"_xmpp-client._tcp.noservice.org.": {
			{Priority: 0, Weight: 0, Port: 0, Target: mustName(".")},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	got, err := Targets(ctx, Settings{}, "example.org", r)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{"xmpp1.example.org", 5222, ModeDirect, false},
		{"xmpp2.example.org", 5223, ModeDirect, false},
		{"example.org", 5222, ModeDirect, false}, // fallback; the .i2p SRV target is skipped
	}
	if len(got) != len(want) {
		t.Fatalf("Targets = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Targets[%d] = %v, want %v", i, got[i], want[i])
		}
	}

	got, err = Targets(ctx, Settings{}, "nosrv.org", r)
	if err != nil || len(got) != 1 || got[0] != (Target{"nosrv.org", 5222, ModeDirect, false}) {
		t.Errorf("no SRV: Targets = %v, %v; want nosrv.org:5222", got, err)
	}

	_, err = Targets(ctx, Settings{}, "noservice.org", r)
	wantErr(t, err, "offers no XMPP service")
}

// TestTargetsNoDNSInProxyModes: in SOCKS5 and SAM modes, and with a server
// override or IP literal, the resolver is never asked anything.
func TestTargetsNoDNSInProxyModes(t *testing.T) {
	r := failingResolver(t)
	b32 := testB32("nodns")
	ctx := context.Background()
	cases := []struct {
		s      Settings
		domain string
	}{
		{Settings{Proxy: "socks5://127.0.0.1:4447"}, "example.org"},
		{Settings{Proxy: "socks5://127.0.0.1:4447"}, b32},
		{Settings{SAM: "127.0.0.1:7656"}, b32},
		{Settings{SAM: "127.0.0.1:7656", DarknetMap: map[string]string{"example.org": b32}}, "example.org"},
		{Settings{Server: "xmpp.example.org:5222"}, "example.org"},
		{Settings{}, "192.0.2.7"},
	}
	for _, c := range cases {
		ts, err := Targets(ctx, c.s, c.domain, r)
		if err != nil || len(ts) != 1 {
			t.Errorf("Targets(%+v, %q) = %v, %v", c.s, c.domain, ts, err)
		}
	}
}
