package files

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// xep0454Python runs Debian's slixmpp's XEP-0454 implementation (a client
// that is not ours): "encrypt IN OUT" writes the ciphertext and prints the
// fragment; "decrypt IN FRAGMENT OUT" writes the plaintext.
const xep0454Python = `
import io, sys
from slixmpp.plugins.xep_0454 import XEP_0454
if sys.argv[1] == "encrypt":
    ct, frag = XEP_0454.encrypt(open(sys.argv[2], "rb"))
    open(sys.argv[3], "wb").write(ct)
    print(frag)
else:
    open(sys.argv[4], "wb").write(XEP_0454.decrypt(open(sys.argv[2], "rb"), sys.argv[3]))
`

func slixmppXEP0454(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", append([]string{"-c", xep0454Python}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("slixmpp's xep_0454 %s: %v: %s", args[0], err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// XEP-0454 as slixmpp (python3-slixmpp, Debian 12) does it: what Clove
// encrypts, slixmpp decrypts, and the other way round, for several sizes.
func TestXEP0454WithSlixmpp(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import slixmpp.plugins.xep_0454, cryptography").Run(); err != nil {
		t.Skipf("python3-slixmpp with its XEP-0454 plugin is not installed (make deps): %v", err)
	}
	dir := t.TempDir()
	for _, size := range []int{0, 1, 16, 1000, 300_001} {
		plain := make([]byte, size)
		_, _ = rand.Read(plain)
		in := filepath.Join(dir, "plain")
		if err := os.WriteFile(in, plain, 0o600); err != nil {
			t.Fatal(err)
		}

		// Clove encrypts, slixmpp decrypts.
		k, err := NewKey()
		if err != nil {
			t.Fatal(err)
		}
		ct, err := io.ReadAll(Encrypt(bytes.NewReader(plain), k))
		if err != nil {
			t.Fatal(err)
		}
		ctPath, outPath := filepath.Join(dir, "ct"), filepath.Join(dir, "out")
		if err := os.WriteFile(ctPath, ct, 0o600); err != nil {
			t.Fatal(err)
		}
		u, err := AESGCMURL("https://upload.example/f/x.bin", k)
		if err != nil {
			t.Fatal(err)
		}
		frag := u[strings.LastIndex(u, "#")+1:]
		slixmppXEP0454(t, "decrypt", ctPath, frag, outPath)
		if got, _ := os.ReadFile(outPath); !bytes.Equal(got, plain) {
			t.Errorf("%d bytes: slixmpp decrypted %d bytes that differ", size, len(got))
		}

		// slixmpp encrypts, Clove decrypts.
		frag = slixmppXEP0454(t, "encrypt", in, ctPath)
		if _, err := hex.DecodeString(frag); err != nil || len(frag) != 88 {
			t.Fatalf("slixmpp's fragment %q", frag)
		}
		_, k2, err := ParseAESGCM("aesgcm://upload.example/f/x.bin#" + frag)
		if err != nil {
			t.Fatal(err)
		}
		ct, _ = os.ReadFile(ctPath)
		var got bytes.Buffer
		w := Decrypt(&got, k2)
		if _, err := w.Write(ct); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("%d bytes: Clove cannot decrypt slixmpp's file: %v", size, err)
		}
		if !bytes.Equal(got.Bytes(), plain) {
			t.Errorf("%d bytes: Clove decrypted slixmpp's file to different bytes", size)
		}
	}
}
