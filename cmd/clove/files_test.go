package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// The CLI's file contract (issue 19): `send --file PATH TO` prints the URL
// it sent once the server acked it — aesgcm:// to a contact with OMEMO
// devices, http(s):// with --plain; `listen --json` and `history --json`
// carry "file" {url,name,size,mime,encrypted}; `fetch URL -o PATH` writes
// the very bytes sent. A missing file or a bad fetch is one clear error.
func TestCLISendFile(t *testing.T) {
	_, alice, bob, aj, bj := cliPair(t, prosodytest.WithPEP(), prosodytest.WithMAM(), prosodytest.WithHTTPUpload())
	bob.ok("listen", "--account", bj, "--timeout", "2s") // publishes bob's device
	dir := t.TempDir()
	data := make([]byte, 300_000)
	_, _ = rand.Read(data)
	path := filepath.Join(dir, "report.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	type line struct {
		jsonMessage
		File *jsonFile `json:"file"`
	}
	listen := func() line {
		t.Helper()
		out := strings.TrimSpace(bob.ok("listen", "--account", bj, "--count", "1", "--timeout", "20s", "--json"))
		var l line
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("listen: %q: %v", out, err)
		}
		return l
	}
	fetch := func(url string) []byte {
		t.Helper()
		dst := filepath.Join(dir, "fetched")
		bob.ok("fetch", "--account", bj, url, "-o", dst)
		b, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		args   []string
		scheme string
		enc    bool
	}{
		{"encrypted", nil, "aesgcm://", true},
		{"plain", []string{"--plain"}, "http://", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"send", "--account", aj}, tc.args...), "--file", path, bj)
			url := strings.TrimSpace(alice.ok(args...))
			if !strings.HasPrefix(url, tc.scheme) {
				t.Fatalf("send --file printed %q, want a %s URL", url, tc.scheme)
			}
			l := listen()
			if l.File == nil || l.File.URL != url || l.File.Encrypted != tc.enc || l.Encrypted != tc.enc {
				t.Fatalf("bob's listen: %+v file %+v; want the file %s (encrypted %v)", l.jsonMessage, l.File, url, tc.enc)
			}
			if got := fetch(url); !bytes.Equal(got, data) {
				t.Errorf("fetched %d bytes, not the %d sent", len(got), len(data))
			}
			if tc.enc {
				// A wrong key (the last digit changed): one clear error,
				// and no file where the download was to go.
				last := url[len(url)-1]
				wrong := url[:len(url)-1] + map[bool]string{true: "1", false: "0"}[last == '0']
				dst := filepath.Join(dir, "wrong-key")
				bob.fails(1, "wrong key", "fetch", "--account", bj, wrong, "-o", dst)
				if _, err := os.Stat(dst); !os.IsNotExist(err) {
					t.Errorf("a file that did not decrypt was written: %v", err)
				}
			}
		})
	}
	hist := alice.ok("history", "--account", aj, "--with", bj, "--json")
	if n := strings.Count(hist, `"file":{"url":`); n != 2 {
		t.Errorf("alice's history has %d file lines, want 2: %s", n, hist)
	}
	if !strings.Contains(hist, `"name":"report.bin","size":300000`) {
		t.Errorf("alice's history does not keep the file's name and size: %s", hist)
	}
	alice.fails(1, "not a file", "send", "--account", aj, "--file", filepath.Join(dir, "nope"), bj)
	alice.fails(2, "fetch takes", "fetch", "--account", aj, "http://x.b32.i2p/a")
	bob.fails(1, "key", "fetch", "--account", bj, "aesgcm://127.0.0.1:1/f#00", "-o", filepath.Join(dir, "x"))
}

// Files with a client that is not ours (slixmpp, Debian 12): a file
// slixmpp uploads with its own XEP-0363 plugin and sends with out-of-band
// data reaches Clove as a file that fetches to the same bytes; Clove's
// plaintext file reaches slixmpp with out-of-band data naming the URL
// that is the body, as Conversations, Dino and Gajim expect.
func TestFileInteropSlixmpp(t *testing.T) {
	slixtest.RequireUpload(t)
	srv, alice, _, aj, _ := cliPair(t, prosodytest.WithHTTPUpload())
	srv.CreateUser(t, "carol", "pw")
	cj := "carol@" + srv.Domain
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	carol, err := slixtest.Start(ctx, slixtest.Params{JID: cj + "/slixmpp", Password: "pw", Addr: srv.C2SAddr, CertPEM: srv.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	dir := t.TempDir()
	data := make([]byte, 200_000)
	_, _ = rand.Read(data)
	path := filepath.Join(dir, "from-carol.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	url, err := carol.UploadFile(ctx, path, "application/octet-stream")
	if err != nil {
		t.Fatalf("slixmpp's upload: %v", err)
	}
	if err := carol.Send(ctx, slixtest.Outgoing{To: aj, Body: url, ExtraXML: "<x xmlns='jabber:x:oob'><url>" + url + "</url></x>"}); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSpace(alice.ok("listen", "--account", aj, "--count", "1", "--timeout", "20s", "--json"))
	var l struct {
		jsonMessage
		File *jsonFile `json:"file"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil || l.File == nil || l.File.URL != url || l.File.Encrypted {
		t.Fatalf("Clove's listen of slixmpp's file: %s (%v)", out, err)
	}
	dst := filepath.Join(dir, "fetched")
	alice.ok("fetch", "--account", aj, url, "-o", dst)
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Errorf("Clove fetched %d bytes of slixmpp's file, not the same %d", len(got), len(data))
	}

	sent := strings.TrimSpace(alice.ok("send", "--account", aj, "--file", path, cj))
	msgs, err := carol.Wait(ctx, func(ms []slixtest.Message) bool {
		for _, m := range ms {
			if m.Body == sent {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("slixmpp did not get Clove's file message: %v", err)
	}
	for _, m := range msgs {
		// ElementTree names the namespace's prefix ns<N>.
		oobURL := regexp.MustCompile(`<(ns\d+:)?url>` + regexp.QuoteMeta(sent) + `</(ns\d+:)?url>`)
		if m.Body == sent && (!strings.Contains(m.XML, "jabber:x:oob") || !oobURL.MatchString(m.XML)) {
			t.Errorf("Clove's file message has no out-of-band data for its URL: %s", m.XML)
		}
	}
}
