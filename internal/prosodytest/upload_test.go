package prosodytest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/internal/slixtest"
)

// WithHTTPUpload, driven by a client that is not ours (slixmpp's
// xep_0363): it finds the service through disco, uploads over loopback,
// and a GET of the URL it got gives the same bytes; a slot for a file over
// the limit is refused as XEP-0363 says.
func TestWithHTTPUpload(t *testing.T) {
	slixtest.RequireUpload(t)
	const limit = 256 << 10
	s := prosodytest.Start(t, prosodytest.WithHTTPUploadLimit(limit))
	if s.UploadDomain != "upload."+s.Domain || s.HTTPPort == 0 || s.UploadLimit != limit {
		t.Fatalf("upload service %q on port %d, limit %d", s.UploadDomain, s.HTTPPort, s.UploadLimit)
	}
	s.CreateUser(t, "alice", "alice-pw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := slixtest.Start(ctx, slixtest.Params{JID: "alice@" + s.Domain + "/slixmpp", Password: "alice-pw", Addr: s.C2SAddr, CertPEM: s.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	base := fmt.Sprintf("http://127.0.0.1:%d/file_share/", s.HTTPPort)

	t.Run("slixmpp uploads", func(t *testing.T) {
		data := random(t, 100<<10)
		path := filepath.Join(t.TempDir(), "photo.jpg")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		url, err := c.UploadFile(ctx, path, "")
		if err != nil {
			t.Fatalf("%v\n%s", err, s.LogTail(20))
		}
		if !strings.HasPrefix(url, base) || !strings.HasSuffix(url, "/photo.jpg") {
			t.Errorf("GET URL %s, want %s<slot>/photo.jpg", url, base)
		}
		if got, ctype := get(t, ctx, url); !bytes.Equal(got, data) || ctype != "image/jpeg" {
			t.Errorf("GET gave %d bytes of %s (same: %v); want the %d uploaded, image/jpeg", len(got), ctype, bytes.Equal(got, data), len(data))
		}
	})

	for _, tc := range []struct {
		name    string
		size    int64
		refused bool
	}{
		{"at the limit", limit, false},
		{"one byte over", limit + 1, true},
		{"far over", 1 << 30, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slot, err := c.RequestUploadSlot(ctx, "f.bin", tc.size, "application/octet-stream")
			if slot.Service != s.UploadDomain || slot.MaxFileSize != limit {
				t.Errorf("service %q advertising %d bytes; want %s, %d", slot.Service, slot.MaxFileSize, s.UploadDomain, limit)
			}
			var refused *slixtest.UploadRefused
			if tc.refused {
				if !errors.As(err, &refused) || refused.Type != "modify" || refused.Condition != "not-acceptable" || refused.Text != "File too large" {
					t.Fatalf("got %+v, %v; want modify/not-acceptable \"File too large\"", slot, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(slot.PutURL, base) || slot.GetURL != slot.PutURL || !strings.HasPrefix(slot.Headers["Authorization"], "Bearer ") {
				t.Fatalf("slot %+v", slot)
			}
			data := random(t, int(tc.size))
			put(t, ctx, slot, data)
			if got, _ := get(t, ctx, slot.GetURL); !bytes.Equal(got, data) {
				t.Errorf("GET gave %d bytes, not the %d uploaded", len(got), len(data))
			}
		})
	}
}

func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// put uploads data to the slot with the headers it asks for.
func put(t *testing.T, ctx context.Context, slot slixtest.UploadSlot, data []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, slot.PutURL, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range slot.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("PUT %s: %s %s", slot.PutURL, resp.Status, b)
	}
}

func get(t *testing.T, ctx context.Context, url string) ([]byte, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return b, resp.Header.Get("Content-Type")
}
