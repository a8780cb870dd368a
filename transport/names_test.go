package transport

import (
	"strings"
	"testing"
)

func TestValidateI2PName(t *testing.T) {
	b32 := testB32("names")
	b33 := testB33("names")
	tests := []struct {
		name    string
		in      string
		wantErr string // "" = valid
	}{
		{"b32", b32, ""},
		{"b32 upper-case", strings.ToUpper(b32), ""},
		{"b32 mixed case", strings.ToUpper(b32[:10]) + b32[10:], ""},
		{"b32 trailing dot", b32 + ".", ""},
		{"b32 surrounding space", "  " + b32 + "\n", ""},
		{"b33 56 chars", b33, ""},
		{"b33 longer", strings.Repeat("b", 70) + B32Suffix, ""},
		{"b32 bad last char", b32[:51] + "b" + B32Suffix, "must be 'a' or 'q'"},
		{"b32 too short", b32[:51] + B32Suffix, "expected 52 base32 characters"},
		{"between b32 and b33", strings.Repeat("a", 54) + B32Suffix, "got 54"},
		{"digit 1 not base32", "1" + b32[1:], "only the letters a–z and digits 2–7"},
		{"digit 0 not base32", "0" + b32[1:], "only the letters a–z and digits 2–7"},
		{"empty label", B32Suffix, "empty"},
		{"extra label", "www." + b32, "more than one label"},
		{"address book name", "forum.i2p", "Clove connects to .b32.i2p addresses; forum.i2p needs an address book"},
		{"address book name upper", "Forum.I2P", "forum.i2p needs an address book"},
		{"bare tld", "i2p", "needs an address book"},
		{"clearnet", "example.org", "is not an I2P address"},
		{"i2p inside clearnet", "i2p.example.org", "is not an I2P address"},
		{"empty", "", "no I2P address given"},
		{"host port", b32 + ":5222", "has a port"},
		{"kelvin sign is not k", strings.Replace(b32, "k", "\u212a", 1), ""},
		{"far too long", strings.Repeat("a", 300) + B32Suffix, "too long"},
		{"url", "http://" + b32, "is not an I2P address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if tc.name == "kelvin sign is not k" {
				if !strings.Contains(b32, "k") {
					t.Skip("seed has no k")
				}
				tc.wantErr = "only the letters"
			}
			err := ValidateI2PName(in)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateI2PName(%q) = %v, want nil", in, err)
				}
				return
			}
			wantErr(t, err, tc.wantErr)
			if _, ok := err.(*NameError); !ok {
				t.Errorf("error type %T, want *NameError", err)
			}
		})
	}
}

func TestIsI2P(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"forum.i2p", true},
		{"FORUM.I2P", true},
		{"forum.i2p.", true},
		{testB32("x"), true},
		{testB32("x") + ":5222", true},
		{"i2p", true},
		{"example.org", false},
		{"i2p.example.org", false},
		{"fooi2p", false},
		{"", false},
		{"127.0.0.1", false},
		{"[::1]:5222", false},
	}
	for _, tc := range tests {
		if got := IsI2P(tc.in); got != tc.want {
			t.Errorf("IsI2P(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Example.ORG", "example.org"},
		{"example.org.", "example.org"},
		{" a.b32.i2p ", "a.b32.i2p"},
		{"\u212a.i2p", "\u212a.i2p"}, // only ASCII folds
		{"", ""},
	}
	for _, tc := range tests {
		if got := NormalizeHost(tc.in); got != tc.want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseLocalEndpoint(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{"127.0.0.1:4447", "127.0.0.1:4447", ""},
		{"localhost:4447", "127.0.0.1:4447", ""},
		{"LOCALHOST:7656", "127.0.0.1:7656", ""},
		{"[::1]:4447", "[::1]:4447", ""},
		{"192.168.1.5:4447", "192.168.1.5:4447", ""},
		{"proxy.example.org:1080", "", "must be an IP address"},
		{"127.0.0.1", "", "host:port"},
		{"127.0.0.1:0", "", "invalid port"},
		{"127.0.0.1:70000", "", "invalid port"},
		{"127.0.0.1:+80", "", "invalid port"},
		{"", "", "no SOCKS5 proxy address"},
	}
	for _, tc := range tests {
		got, err := parseLocalEndpoint("SOCKS5 proxy", tc.in)
		if tc.wantErr != "" {
			wantErr(t, err, tc.wantErr)
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseLocalEndpoint(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
