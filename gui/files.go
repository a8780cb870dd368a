package gui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

var _ ui.FileSharer = (*Backend)(nil)

func uiFile(f *store.File) *ui.FileInfo {
	if f == nil {
		return nil
	}
	return &ui.FileInfo{URL: f.URL, Name: f.Name, Size: f.Size, MIME: f.MIME, Encrypted: f.Encrypted}
}

func uiFileRef(f *xmppclient.FileRef) *ui.FileInfo {
	if f == nil {
		return nil
	}
	return &ui.FileInfo{URL: f.URL, Name: f.Name, Size: f.Size, MIME: f.MIME, Encrypted: f.Encrypted}
}

// SendFile uploads the file at path and sends it to peer (chat.Session.SendFile:
// encrypted exactly when a message to peer is).
func (b *Backend) SendFile(ctx context.Context, peer, path string, progress func(sent, total int64)) (ui.Message, error) {
	s, err := b.session()
	if err != nil {
		return ui.Message{}, err
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return ui.Message{}, err
	}
	sf, err := s.SendFile(ctx, to, path, chat.FileOptions{Progress: progress})
	if err != nil {
		return ui.Message{}, err
	}
	f := sf.File
	return ui.Message{Key: sf.ID, Peer: to.Bare().String(), Outgoing: true, Body: f.URL, Time: time.Now(), State: ui.Queued,
		Encrypted: f.Encrypted, File: uiFile(&f)}, nil
}

// SaveFile downloads m's file into a temporary file beside dst and
// renames it to dst only once the download (and for an encrypted file its
// authentication tag) checked out: a cut or forged download never takes
// dst's name.
func (b *Backend) SaveFile(ctx context.Context, m ui.Message, dst string, progress func(got, total int64)) error {
	if m.File == nil {
		return errors.New("this message shares no file")
	}
	_, err := b.p.SaveFile(ctx, b.account, m.File.URL, dst, progress)
	return err
}

// errTooBig stops a download into memory past its limit.
var errTooBig = errors.New("too large")

// capped is a buffer that refuses to grow past max bytes.
type capped struct {
	buf []byte
	max int64
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(len(c.buf)+len(p)) > c.max {
		return 0, errTooBig
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

// FetchFile downloads m's file (decrypted) into memory, at most max
// bytes: a picture to show. The bytes are returned only when all of
// them arrived and (encrypted) their tag checked out.
func (b *Backend) FetchFile(ctx context.Context, m ui.Message, max int64) ([]byte, error) {
	if m.File == nil {
		return nil, errors.New("this message shares no file")
	}
	if m.File.Size > max {
		return nil, fmt.Errorf("it is larger than %s; Save… it instead", mib(max))
	}
	// An encrypted download carries the 16-byte tag after the file, and
	// decryption writes only the file.
	w := &capped{max: max}
	if _, err := b.p.FetchFile(ctx, b.account, m.File.URL, w, nil); err != nil {
		if errors.Is(err, errTooBig) {
			return nil, fmt.Errorf("it is larger than %s; Save… it instead", mib(max))
		}
		return nil, err
	}
	return w.buf, nil
}

// mib words a limit in whole MiB.
func mib(n int64) string { return fmt.Sprintf("%d MiB", max(n>>20, 1)) }
