package node

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/files"
	"github.com/clove-xmpp/clove/omemo/device"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
	"mellium.im/xmpp/jid"
)

// picturePNG is a PNG of about size bytes (random pixels, stored without
// compression, so the size is what the test asks for).
func picturePNG(t *testing.T, size int) []byte {
	t.Helper()
	side := 1
	for side*side*4 < size {
		side++
	}
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ownNodeDialer is how Clove uploads for an account on its own node
// (chat's nodeDialer): the node's own b32, port 80, is its HTTP port on
// loopback, since i2pd 2.45.1 carries nothing on a stream from a
// destination to itself (docs/node.md).
type ownNodeDialer struct{ info *Info }

func (d ownNodeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || transport.NormalizeHost(host) != d.info.Domain || port != "80" {
		return nil, fmt.Errorf("the test's uploads go to node %s's port 80 only, not %s", d.info.Domain, addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(d.info.HTTPPort)))
}

// omemoUser logs account in with an OMEMO device of its own (a fresh
// profile store in a temporary directory, as a new Clove profile has) and
// waits until the device and its bundle are published. It returns the
// device's id too.
func omemoUser(t *testing.T, addr, account, password, pin string) (*user, uint32) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "profile.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.AddAccount(ctx, store.Account{JID: account}); err != nil {
		t.Fatal(err)
	}
	dev, err := device.Open(ctx, st, account)
	if err != nil {
		t.Fatal(err)
	}
	u := connectWith(t, addr, account, password, pin, func(c *xmppclient.Config) { c.OMEMO = dev })
	ev := u.wait(t, "OMEMO set up", 2*time.Minute, func(ev xmppclient.Event) bool {
		_, ok := ev.(xmppclient.OMEMOReady)
		return ok
	}).(xmppclient.OMEMOReady)
	if ev.Err != nil {
		t.Fatalf("%s: OMEMO: %v", account, ev.Err)
	}
	return u, ev.DeviceID
}

// fileArrived matches the file message from from whose URL is url.
func fileArrived(from jid.JID, url string) func(xmppclient.Event) bool {
	return func(ev xmppclient.Event) bool {
		m, ok := ev.(xmppclient.MessageReceived)
		return ok && !m.Outgoing && m.From.Bare().Equal(from.Bare()) && m.File != nil && m.File.URL == url
	}
}

// sendPicture is one file message over the federation, as Clove sends
// and receives it, with xmppclient and files alone: from gets a slot from
// its node's upload service and PUTs pic through its node's loopback HTTP
// port (encrypted with a fresh XEP-0454 key if encrypt), sends the URL as
// a file message (XEP-0066 out-of-band data in plaintext, the aesgcm://
// URL inside OMEMO), and rcpt, on the other node, takes it as a file
// message and GETs it through its own node's SOCKS proxy. It fails unless
// rcpt ends up with pic's very bytes.
func sendPicture(t *testing.T, from, rcpt *user, fromDir string, fromNode, rcptNode *Info, pic []byte, encrypt bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	size, mime := int64(len(pic)), "image/png"
	var key files.Key
	up := files.NewClient(ownNodeDialer{fromNode}, files.Options{I2POnly: true})
	defer up.CloseIdleConnections()
	t0 := time.Now()
	if encrypt {
		var err error
		if key, err = files.NewKey(); err != nil {
			t.Fatal(err)
		}
		size, mime = files.EncryptedSize(size), "application/octet-stream"
	}
	slot, err := from.c.RequestUploadSlot(ctx, "picture.png", size, mime)
	if err != nil {
		t.Fatalf("upload slot: %v", err)
	}
	var r io.Reader = bytes.NewReader(pic)
	if encrypt {
		r = files.Encrypt(r, key)
	}
	t1 := time.Now()
	if err := up.Put(ctx, slot.PutURL, slot.Headers, r, size, mime, nil); err != nil {
		t.Fatalf("PUT %s through node %s's loopback HTTP port: %v", slot.PutURL, fromNode.Domain, err)
	}
	tookPut := time.Since(t1)
	checkStored(t, fromDir, fromNode, slot.PutURL, pic, encrypt)
	ref := xmppclient.FileRef{URL: slot.GetURL, Name: "picture.png", Size: int64(len(pic)), MIME: "image/png"}
	if encrypt {
		if ref.URL, err = files.AESGCMURL(slot.GetURL, key); err != nil {
			t.Fatal(err)
		}
		ref.Encrypted = true
	}
	t2 := time.Now()
	id, err := from.c.SendFile(ctx, rcpt.jid, ref)
	if err != nil {
		t.Fatalf("send the file message: %v", err)
	}
	ev, err := rcpt.waitErr("the file message", 4*time.Minute, func(ev xmppclient.Event) bool {
		return from.find(failed(id)) != nil || fileArrived(from.jid, ref.URL)(ev)
	})
	if f := from.find(failed(id)); f != nil {
		t.Fatalf("the file message failed: %v", f)
	}
	if err != nil {
		t.Fatal(err)
	}
	tookMsg := time.Since(t2)
	m := ev.(xmppclient.MessageReceived)
	if m.Encrypted != encrypt || m.File.Encrypted != encrypt {
		t.Errorf("received: message encrypted %v, file encrypted %v; want %v", m.Encrypted, m.File.Encrypted, encrypt)
	}
	if encrypt && from.find(func(ev xmppclient.Event) bool {
		e, ok := ev.(xmppclient.MessageEncrypted)
		return ok && slices.Contains(e.IDs, id)
	}) == nil {
		t.Errorf("no MessageEncrypted for the file message %s", id)
	}

	socks, err := transport.NewSOCKS5(rcptNode.SOCKS)
	if err != nil {
		t.Fatal(err)
	}
	down := files.NewClient(socks, files.Options{I2POnly: true})
	defer down.CloseIdleConnections()
	fetchURL := m.File.URL
	if encrypt {
		if fetchURL, key, err = files.ParseAESGCM(m.File.URL); err != nil {
			t.Fatal(err)
		}
	}
	var got bytes.Buffer
	tookGet, tries := samTry(t, "GET through node "+rcptNode.Domain+"'s SOCKS", func(ctx context.Context) error {
		got.Reset()
		if !encrypt {
			_, _, err := down.Get(ctx, fetchURL, &got, int64(len(pic)), nil)
			return err
		}
		dec := files.Decrypt(&got, key)
		if _, _, err := down.Get(ctx, fetchURL, dec, files.EncryptedSize(int64(len(pic))), nil); err != nil {
			return err
		}
		return dec.Close()
	})
	if !bytes.Equal(got.Bytes(), pic) {
		t.Fatalf("bob got %d bytes, not the %d-byte picture alice sent", got.Len(), len(pic))
	}
	t.Logf("%d-byte picture, encrypted %v: slot %v, PUT (loopback) %v %.2f MB/s, message A → B %v, GET through B's SOCKS %v %.2f MB/s (%d tries); %v in all",
		len(pic), encrypt, t1.Sub(t0).Round(time.Millisecond), tookPut.Round(time.Millisecond), mbps(int(size), tookPut),
		tookMsg.Round(time.Millisecond), tookGet.Round(time.Millisecond), mbps(int(size), tookGet), tries, time.Since(t0).Round(time.Millisecond))
}

// checkStored checks what the sender's node keeps of the upload at
// putURL: the picture itself, or, encrypted, as many bytes plus the GCM
// tag and nothing of the picture in the clear.
func checkStored(t *testing.T, dir string, info *Info, putURL string, pic []byte, encrypt bool) {
	t.Helper()
	id, _, ok := strings.Cut(strings.TrimPrefix(putURL, "http://"+info.Domain+"/file_share/"), "/")
	if !ok {
		t.Fatalf("slot URL %s is not on node %s's file share", putURL, info.Domain)
	}
	stored, err := os.ReadFile(storedUpload(dir, info, id))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case !encrypt && !bytes.Equal(stored, pic):
		t.Errorf("node stores %d bytes, not the %d-byte picture", len(stored), len(pic))
	case encrypt && (int64(len(stored)) != files.EncryptedSize(int64(len(pic))) || bytes.Contains(stored, pic[:64])):
		t.Errorf("node stores %d bytes (want %d), the picture's first 64 bytes among them: %v", len(stored), files.EncryptedSize(int64(len(pic))), bytes.Contains(stored, pic[:64]))
	}
}
