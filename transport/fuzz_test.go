package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func FuzzValidateI2PName(f *testing.F) {
	for _, s := range []string{testB32("a"), strings.ToUpper(testB32("b")), testB33("c"), "forum.i2p", "example.org",
		"", ".b32.i2p", "i2p", testB32("d") + ":1", "\u212a.b32.i2p", strings.Repeat("a", 52) + ".b32.i2p."} {
		f.Add(s)
	}
	b32re := regexp.MustCompile(`^[a-z2-7]{51}[aq]\.b32\.i2p$`)
	b33re := regexp.MustCompile(`^[a-z2-7]{56,}\.b32\.i2p$`)
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateI2PName(name)
		n := NormalizeHost(name)
		oracle := b32re.MatchString(n) || (b33re.MatchString(n) && len(n) <= maxHostLen)
		if (err == nil) != oracle {
			t.Fatalf("ValidateI2PName(%q) = %v, regexp oracle says valid=%v", name, err, oracle)
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if !IsI2P(name) {
			t.Fatalf("valid name %q is not IsI2P", name)
		}
		if ValidateI2PName(n) != nil || NormalizeHost(n) != n {
			t.Fatalf("normalisation of %q is not idempotent", name)
		}
	})
}

func FuzzPlan(f *testing.F) {
	b32 := testB32("fuzz")
	f.Add("example.org", "", "", "", false, "", "")
	f.Add(b32, "", "socks5://127.0.0.1:4447", "", true, "", "")
	f.Add("example.org", "", "", "127.0.0.1:7656", true, "example.org", b32)
	f.Add("EXAMPLE.org.", "127.0.0.1:5222", "", "", false, "x", "y")
	f.Add("forum.i2p", b32+":5222", "socks5://localhost:9050", "", true, "example.org", "forum.i2p")
	f.Add("[::1]", "", "", "", false, "", "")
	f.Fuzz(func(t *testing.T, domain, server, proxy, sam string, i2pOnly bool, mapKey, mapVal string) {
		s := Settings{Server: server, Proxy: proxy, SAM: sam, I2POnly: i2pOnly}
		if mapKey != "" || mapVal != "" {
			s.DarknetMap = map[string]string{mapKey: mapVal}
		}
		tg, err := Plan(s, domain)
		c, cerr := NewConnector(s, domain, WithResolver(failingResolver(t)))
		if cerr == nil {
			if c.Mode() != tg.Mode {
				t.Fatalf("Connector mode %v, plan %v", c.Mode(), tg.Mode)
			}
			c.Close()
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			if cerr == nil || cerr.Error() != err.Error() {
				t.Fatalf("Plan: %v; NewConnector: %v", err, cerr)
			}
			return
		}
		if tg.Mode != s.Mode() {
			t.Fatalf("mode %v, settings say %v", tg.Mode, s.Mode())
		}
		if tg.Port < 1 || tg.Port > 65535 || tg.Host == "" {
			t.Fatalf("bad target %+v", tg)
		}
		if IsI2P(tg.Host) {
			if tg.Mode == ModeDirect {
				t.Fatalf("I2P target %q planned for a direct connection", tg.Host)
			}
			if err := ValidateI2PName(tg.Host); err != nil {
				t.Fatalf("planned an invalid I2P name %q: %v", tg.Host, err)
			}
		}
		if i2pOnly || tg.Mode == ModeSAM {
			if !IsI2P(tg.Host) {
				t.Fatalf("I2P-only/SAM settings %+v planned non-I2P target %+v", s, tg)
			}
			if server == "" && !IsI2P(domain) && NormalizeHost(mapVal) != tg.Host {
				t.Fatalf("non-I2P domain %q reached I2P target %q without the map", domain, tg.Host)
			}
		}
		if tg.Mode != ModeDirect {
			// No DNS in proxy modes, whatever the input.
			ts, err := Targets(context.Background(), s, domain, failingResolver(t))
			if err != nil || len(ts) != 1 || ts[0] != tg {
				t.Fatalf("Targets = %v, %v; Plan = %v", ts, err, tg)
			}
		}
	})
}

// formatSAMLine writes a line parseSAMReply reads back to the same parts.
func formatSAMLine(topic, verb string, kv map[string]string) string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(topic + " " + verb)
	for _, k := range keys {
		v := kv[k]
		b.WriteString(" " + k + "=")
		if v == "" || strings.ContainsAny(v, " \t\"\\") {
			b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`)
		} else {
			b.WriteString(v)
		}
	}
	return b.String()
}

func FuzzParseSAMReply(f *testing.F) {
	for _, s := range []string{
		"HELLO REPLY RESULT=OK VERSION=3.1\n",
		`SESSION STATUS RESULT=I2P_ERROR MESSAGE="a \"b\" \\ c"`,
		"NAMING REPLY RESULT=OK NAME=x VALUE=AAAA~-",
		"STREAM STATUS SILENT",
		"HELLO REPLY RESULT=OK RESULT=OK",
		`X Y K="`,
		"\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		topic, verb, kv, err := parseSAMReply(line)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if !isSAMWord(topic) || !isSAMWord(verb) {
			t.Fatalf("accepted topic %q verb %q", topic, verb)
		}
		for k := range kv {
			if k == "" || strings.ContainsAny(k, " \t=\"") {
				t.Fatalf("bad key %q", k)
			}
		}
		again := formatSAMLine(topic, verb, kv)
		t2, v2, kv2, err := parseSAMReply(again)
		if err != nil || t2 != topic || v2 != verb || len(kv2) != len(kv) {
			t.Fatalf("round trip of %q via %q: %q %q %v %v", line, again, t2, v2, kv2, err)
		}
		for k, v := range kv {
			if kv2[k] != v {
				t.Fatalf("round trip of %q via %q: %s=%q, want %q", line, again, k, kv2[k], v)
			}
		}
	})
}

func FuzzSOCKSHandshake(f *testing.F) {
	f.Add([]byte{5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 80}, false)
	f.Add([]byte{5, 2, 1, 0, 5, 4, 0, 1}, true)
	f.Add([]byte{5, 0, 5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 1}, false)
	f.Add([]byte("HTTP/1.1 400"), false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, b []byte, withAuth bool) {
		h := parseSOCKSHandshake(b, withAuth)
		if h.Stage < socksNoAnswer || h.Stage > socksSucceeded {
			t.Fatalf("stage %d", h.Stage)
		}
		if h.Stage == socksReplyError && h.Code == 0 {
			t.Fatal("reply error with code 0")
		}
		// The shortest success: greeting answer (2) + reply header (4) +
		// empty domain name (1) + port (2).
		if h.Stage == socksSucceeded && (len(b) < 9 || b[0] != 5) {
			t.Fatalf("success from %x", b)
		}
		de := socksError(h, "127.0.0.1:4447", "x.b32.i2p", "x.b32.i2p:5222", errors.New("e"), false)
		if de.Error() == "" {
			t.Fatal("empty message")
		}
	})
}

// FuzzSOCKSDial runs the real dialer against a proxy that answers with the
// fuzzed bytes: no panic, a worded error, and success exactly when the bytes
// are a complete success reply.
func FuzzSOCKSDial(f *testing.F) {
	f.Add([]byte{5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 80})
	f.Add([]byte{5, 0, 5, 4, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{5, 0, 5, 0, 0, 3, 200})
	f.Add([]byte{5, 0xff})
	f.Add([]byte("garbage"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, reply []byte) {
		d, err := NewSOCKS5("127.0.0.1:4447")
		if err != nil {
			t.Fatal(err)
		}
		sd := d.(*socksDialer)
		done := make(chan struct{})
		sd.dialProxy = func(ctx context.Context, network, addr string) (net.Conn, error) {
			client, server := net.Pipe()
			go func() {
				defer close(done)
				go func() { _, _ = io.Copy(io.Discard, server) }()
				_, _ = server.Write(reply)
				server.Close()
			}()
			return client, nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := d.DialContext(ctx, "tcp", testB32("fz")+":5222")
		if c != nil {
			c.Close() // unblocks the proxy if it has more bytes to write
		}
		<-done
		want := parseSOCKSHandshake(reply, false).Stage == socksSucceeded
		if err != nil {
			if want {
				t.Fatalf("reply %x is a success but dial failed: %v", reply, err)
			}
			var de *DialError
			if !errors.As(err, &de) || de.Msg == "" {
				t.Fatalf("error %v is not a worded DialError", err)
			}
			if ctx.Err() != nil {
				t.Fatalf("dial hung until the deadline on %x", reply)
			}
			return
		}
		if !want {
			t.Fatalf("dial succeeded on %x, which the parser does not call a success", reply)
		}
	})
}
