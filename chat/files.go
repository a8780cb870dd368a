package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/files"
	"github.com/clove-xmpp/clove/node"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// FileOptions are SendFile's choices.
type FileOptions struct {
	// Progress, if set, is called with the bytes uploaded so far and the
	// upload's size.
	Progress func(sent, total int64)
}

// SentFile is what SendFile uploaded and sent.
type SentFile struct {
	ID   string // the message's id, as Send returns it
	File store.File
}

// SendFile uploads the file at path (XEP-0363, through the account's own
// way out: in I2P mode only the router) and sends it to `to` as a message
// (see xmppclient.Client.SendFile). To a contact with OMEMO devices it is
// encrypted first (XEP-0454: a fresh key, sent only inside the OMEMO
// message), unless the session is Plain. A JPEG or PNG loses its metadata (EXIF,
// GPS, text chunks) before the upload. The name in the URL is random.
func (s *Session) SendFile(ctx context.Context, to jid.JID, path string, opts FileOptions) (SentFile, error) {
	src, err := os.Open(path)
	if err != nil {
		return SentFile{}, fmt.Errorf("could not read the file: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return SentFile{}, fmt.Errorf("%s is not a file that can be sent", path)
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(src, head)
	ctype := contentType(head[:n], filepath.Ext(path))
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return SentFile{}, err
	}
	body, size := io.Reader(src), st.Size()
	if ctype == "image/jpeg" || ctype == "image/png" {
		// Stripped into a temporary file beside the profile (not in
		// memory): the slot needs the exact size before the upload.
		tmp, err := os.CreateTemp(s.p.dir, ".upload-*")
		if err != nil {
			return SentFile{}, fmt.Errorf("could not prepare the picture: %w", err)
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		if err := files.StripMetadata(tmp, src, ctype); err != nil {
			return SentFile{}, fmt.Errorf("could not remove the picture's metadata: %w", err)
		}
		if size, err = tmp.Seek(0, io.SeekCurrent); err != nil {
			return SentFile{}, err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return SentFile{}, err
		}
		body = tmp
	}
	// Encrypted exactly when the message will be: OMEMO on in this
	// session (not Options.Plain) and the contact has devices, or the
	// room is private and each member has one (RoomEncryption).
	nick, inRoom := s.client.RoomNick(to.Bare())
	if !inRoom {
		// A room of the profile we are not in (yet): a chat message to
		// its address would only bounce.
		if rooms, err := s.p.st.Rooms(ctx, s.account.JID); err == nil && slices.ContainsFunc(rooms, func(r store.Room) bool { return r.JID == to.Bare().String() }) {
			return SentFile{}, errNotIn(to.Bare())
		}
	}
	encrypt := false
	if inRoom {
		st, err := s.client.RoomEncryption(ctx, to.Bare())
		if err != nil {
			return SentFile{}, fmt.Errorf("could not tell whether %s can receive an encrypted file: %w", to.Bare(), err)
		}
		encrypt = st.Encrypted
	} else {
		devs, err := s.client.OMEMODevices(ctx, to.Bare())
		if err != nil {
			return SentFile{}, fmt.Errorf("could not tell whether %s can receive an encrypted file: %w", to.Bare(), err)
		}
		encrypt = len(devs) > 0
	}
	var key files.Key
	uploadSize, uploadType := size, ctype
	if encrypt {
		if key, err = files.NewKey(); err != nil {
			return SentFile{}, err
		}
		body = files.Encrypt(body, key)
		uploadSize, uploadType = files.EncryptedSize(size), "application/octet-stream"
	}
	slot, err := s.client.RequestUploadSlot(ctx, randomName(path, ctype), uploadSize, uploadType)
	if err != nil {
		return SentFile{}, err
	}
	hc, err := s.httpClient()
	if err != nil {
		return SentFile{}, err
	}
	var progress func(int64)
	if opts.Progress != nil {
		progress = func(sent int64) { opts.Progress(sent, uploadSize) }
	}
	if err := hc.Put(ctx, slot.PutURL, slot.Headers, body, uploadSize, uploadType, progress); err != nil {
		return SentFile{}, fmt.Errorf("the upload failed: %w", err)
	}
	f := store.File{URL: slot.GetURL, Name: filepath.Base(path), Size: size, MIME: ctype, Encrypted: encrypt}
	if encrypt {
		if f.URL, err = files.AESGCMURL(slot.GetURL, key); err != nil {
			return SentFile{}, err
		}
	}
	if inRoom {
		return s.sendRoomFile(ctx, to.Bare(), nick, f)
	}
	id, err := s.client.SendFile(ctx, to, *clientFile(&f))
	if err != nil {
		return SentFile{}, err
	}
	return SentFile{ID: id, File: f}, nil
}

// sendRoomFile shares the uploaded file f in room (we are in it as
// nick): its URL as the body and as out-of-band data, kept in the history
// as ours and queued as SendGroup keeps a message, until the room's copy
// comes back.
func (s *Session) sendRoomFile(ctx context.Context, room jid.JID, nick string, f store.File) (SentFile, error) {
	id, err := s.client.SendGroupFile(ctx, room, f.URL)
	if err != nil {
		return SentFile{}, err
	}
	ref := clientFile(&f)
	m := groupMessage(s.account.JID, xmppclient.GroupMessage{Room: room, Nick: nick, Body: f.URL, ID: id, Time: time.Now(), Self: true, File: ref,
		Encrypted: s.client.GroupEncrypted(id)})
	m.State = store.Queued
	if _, err := s.p.st.AddIncoming(ctx, m); err != nil {
		return SentFile{}, fmt.Errorf("shared in %s, but not kept in the history: %w", room, err)
	}
	return SentFile{ID: id, File: f}, nil
}

// httpClient is the HTTP client for the account's files: it dials through
// the account's connector (the same way out as its XMPP connection).
func (s *Session) httpClient() (*files.Client, error) {
	if s.dialer.c == nil {
		return nil, errors.New("this session has no connection settings")
	}
	return files.NewClient(s.p.fileDialer(s.account, s.dialer), files.Options{I2POnly: s.account.I2POnly, Logger: s.p.log}), nil
}

// fileDialer is how the account's file transfers leave: its connector's
// way out, or, for an account on the profile's own node, the node's HTTP
// port on loopback for the node's own files (i2pd 2.45.1 carries nothing
// on a stream from the node's router to its own address: docs/node.md)
// and the node's SOCKS proxy for other .i2p hosts.
func (p *Profile) fileDialer(a store.Account, d dialer) files.Dialer {
	info, err := node.Load(p.NodeDir())
	if err == nil && (info.Domain == a.Domain() || slices.Contains(info.Hosts, a.Domain())) {
		return nodeDialer{info}
	}
	return hostDialer{d}
}

type nodeDialer struct{ info *node.Info }

func (n nodeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a host:port address: %w", addr, err)
	}
	host = transport.NormalizeHost(host)
	if host == n.info.Domain {
		if port != "80" || n.info.HTTPPort == 0 {
			return nil, fmt.Errorf("your node serves files on port 80 of %s only (start it again to enable uploads)", host)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(n.info.HTTPPort)))
	}
	if !transport.IsI2P(host) {
		return nil, fmt.Errorf("%s is not an I2P address, and an account on your node reaches I2P addresses only", host)
	}
	sd, err := transport.NewSOCKS5(n.info.SOCKS)
	if err != nil {
		return nil, err
	}
	return sd.DialContext(ctx, network, addr)
}

// hostDialer lets the files client dial through the account's connector.
type hostDialer struct{ d dialer }

func (h hostDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return h.d.c.DialHost(ctx, network, addr)
}

// randomName is the name the file gets in its URL: random, with the
// extension its type calls for (the real name stays in the profile).
func randomName(path, ctype string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	ext := strings.ToLower(filepath.Ext(path))
	if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 && !slices.Contains(exts, ext) {
		ext = exts[0]
	}
	if len(ext) > 8 || strings.ContainsAny(ext, "/\\ ") {
		ext = ""
	}
	return hex.EncodeToString(b) + ext
}

// contentType tells a file's type from its first bytes; where they say
// no more than "binary" or "text", from its extension.
func contentType(head []byte, ext string) string {
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	if t == "application/octet-stream" || t == "text/plain" {
		if byExt, _, _ := strings.Cut(mime.TypeByExtension(strings.ToLower(ext)), ";"); byExt != "" {
			return byExt
		}
	}
	return t
}

// MaxDownload bounds a download (FetchFile): a server that sends more,
// or never ends, is cut off there.
const MaxDownload = 512 << 20

// FetchFile downloads what url points at into w, through the account's way
// out (in I2P mode only the router): an aesgcm:// URL (XEP-0454) is
// fetched and decrypted; nothing reaches w unless the whole file checked
// out... except that decryption is streamed: w must be a temporary file
// the caller keeps only when FetchFile returns nil. It needs no login.
func (p *Profile) FetchFile(ctx context.Context, account, url string, w io.Writer, progress func(got, total int64)) (int64, error) {
	a, err := p.Account(ctx, account)
	if err != nil {
		return 0, err
	}
	j, err := ParseAccountJID(a.JID)
	if err != nil {
		return 0, err
	}
	d, err := p.newDialer(a, j.Domainpart())
	if err != nil {
		return 0, err
	}
	defer d.Close()
	hc := files.NewClient(p.fileDialer(a, d), files.Options{I2POnly: a.I2POnly, Logger: p.log})
	if !strings.HasPrefix(strings.ToLower(url), "aesgcm://") {
		n, _, err := hc.Get(ctx, url, w, MaxDownload, progress)
		return n, err
	}
	fetch, key, err := files.ParseAESGCM(url)
	if err != nil {
		return 0, err
	}
	dec := files.Decrypt(w, key)
	n, _, err := hc.Get(ctx, fetch, dec, MaxDownload+16, progress)
	if cerr := dec.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return n - 16, nil
}

// SaveFile downloads url (FetchFile) into a temporary file beside dst and
// renames it to dst only once the whole file arrived, is on disk and, for
// an encrypted file, its authentication tag checked out: a cut or forged
// download never takes dst's name.
func (p *Profile) SaveFile(ctx context.Context, account, url, dst string, progress func(got, total int64)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part-*")
	if err != nil {
		return 0, fmt.Errorf("could not write next to %s: %w", dst, err)
	}
	defer os.Remove(tmp.Name()) // nothing left once renamed
	n, err := p.FetchFile(ctx, account, url, tmp, progress)
	if err != nil {
		tmp.Close()
		return 0, err
	}
	err = tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		return 0, fmt.Errorf("could not write %s: %w", dst, err)
	}
	return n, nil
}

// RequestUploadSlot asks the account's upload service for a slot (see
// xmppclient.Client.RequestUploadSlot): for tools and benchmarks that
// upload by other means.
func (s *Session) RequestUploadSlot(ctx context.Context, name string, size int64, contentType string) (xmppclient.UploadSlot, error) {
	return s.client.RequestUploadSlot(ctx, name, size, contentType)
}
