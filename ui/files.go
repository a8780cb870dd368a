package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // the picture types shown inline: decoded for thumbnails
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/clove-xmpp/clove/files"
)

// FileSharer is a backend whose account shares files: uploaded to the
// server (XEP-0363) and sent as a message, encrypted (XEP-0454) exactly
// when the account's messages to that contact are. The pane then has a
// paperclip by the composer, takes files dropped on the window, shows
// each file message with Save…, and shows contacts' pictures inline.
type FileSharer interface {
	// SendFile uploads the file at path and sends it to peer (a contact);
	// progress gets the bytes uploaded so far and their total. The message
	// is queued as Send's are: its Key is named again in OnMessageState.
	SendFile(ctx context.Context, peer, path string, progress func(sent, total int64)) (Message, error)
	// SaveFile downloads m's file (decrypted) into dst, whole or not at
	// all: dst is replaced only once all of it arrived and checked out.
	SaveFile(ctx context.Context, m Message, dst string, progress func(got, total int64)) error
	// FetchFile downloads m's file (decrypted) into memory; more than max
	// bytes is an error. For pictures shown in the chat.
	FetchFile(ctx context.Context, m Message, max int64) ([]byte, error)
}

func (a *Pane) sharer() FileSharer {
	s, _ := a.backend.(FileSharer)
	return s
}

// Pictures in the chat.
const (
	// thumbW×thumbH bounds a picture in its message row, as Dino and
	// Gajim show a preview, not the picture.
	thumbW, thumbH = 320, 240
	// prefPictureMiB: pictures from contacts up to this many MiB are
	// downloaded and shown at once (0: never; a click loads one).
	prefPictureMiB     = "pref.pictureMiB"
	defaultPictureMiB  = 5
	maxManualPicture   = 64 << 20 // "Load picture" and the full view: beyond this, Save… it
	pictureCacheBudget = 48 << 20 // downloaded pictures kept in memory for the full view and Save…
	pictureDownloads   = 2        // pictures downloading at once (the rest wait)
)

// paperclipIcon marks a file message and is the attach button.
var paperclipIcon = fyne.NewStaticResource("paperclip.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="none" stroke="#000000" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5"/></svg>`))

// humanSize words a byte count as file managers do (binary units).
func humanSize(n int64) string { return files.HumanSize(n) }

// fileName is the name a file is shown and saved under: the sender's
// name without any path, control or bidirectional characters (a name is
// chosen by whoever sent it: "../../.bashrc" or "gpj.exe\u202e" must not
// become what the user thinks they save), never hidden, never empty.
func fileName(f *FileInfo) string {
	name := f.Name
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		return "file"
	}
	return shorten(name, 120)
}

// displayText is what stands for m's body outside its row (notifications,
// search results): a file message's body is its URL, which must not be
// shown (an encrypted file's holds the key).
func displayText(m Message) string {
	if m.File == nil {
		return m.Body
	}
	text := "File: " + fileName(m.File)
	if m.File.Size > 0 {
		text += " (" + humanSize(m.File.Size) + ")"
	}
	return text
}

// isPicture reports whether f claims a type Clove shows inline: by its
// MIME type, or, where the message carries none (an encrypted file's has
// only its URL), its name's extension. What it really is, Sniff tells
// once it is here.
func isPicture(f *FileInfo) bool {
	if f.MIME != "" {
		switch strings.ToLower(f.MIME) {
		case "image/jpeg", "image/png", "image/gif":
			return true
		}
		return false
	}
	switch strings.ToLower(filepath.Ext(fileName(f))) {
	case ".jpg", ".jpeg", ".png", ".gif":
		return true
	}
	return false
}

// Transfers: a row above the composer for each file going up or down,
// with its progress and Cancel, shown in its chat.

type transfer struct {
	peer   string
	row    fyne.CanvasObject
	label  *widget.Label
	bar    *widget.ProgressBar
	cancel context.CancelFunc
	last   time.Time // the last progress shown (written by the transfer's goroutine only)
}

// startTransfer shows a transfer row in peer's chat saying what; warn,
// if set, is said under it (a file that goes unencrypted). The row goes
// when ctx's transfer ends (endTransfer) or Cancel cancels it.
func (a *Pane) startTransfer(ctx context.Context, peer, what, warn string) (context.Context, *transfer) {
	ctx, cancel := context.WithCancel(ctx)
	t := &transfer{peer: peer, cancel: cancel, label: widget.NewLabel(what), bar: widget.NewProgressBar()}
	t.label.Truncation = fyne.TextTruncateEllipsis
	t.bar.TextFormatter = func() string {
		if t.bar.Max <= 1 {
			return "starting…"
		}
		return humanSize(int64(t.bar.Value)) + " of " + humanSize(int64(t.bar.Max))
	}
	stop := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		cancel()
		a.endTransfer(t)
	})
	text := fyne.CanvasObject(t.label)
	if warn != "" {
		w := widget.NewLabel(warn)
		w.Importance = widget.WarningImportance
		w.Wrapping = fyne.TextWrapWord
		w.SizeName = theme.SizeNameCaptionText
		text = container.NewVBox(t.label, w)
	}
	t.row = container.NewBorder(nil, nil, widget.NewIcon(theme.NewThemedResource(paperclipIcon)), container.NewCenter(stop),
		container.NewBorder(nil, t.bar, nil, nil, text))
	a.transferRows = append(a.transferRows, t)
	a.transfers.Add(t.row)
	a.showTransfers()
	return ctx, t
}

// progress is t's progress callback, called from the transfer's
// goroutine: shown at most ten times a second (a fast link calls it for
// every 32 KB).
func (a *Pane) progress(t *transfer) func(done, total int64) {
	return func(done, total int64) {
		if now := time.Now(); now.Sub(t.last) >= 100*time.Millisecond || done == total {
			t.last = now
			a.do(func() {
				t.bar.Max = float64(max(total, 1))
				t.bar.SetValue(float64(min(done, max(total, 1))))
			})
		}
	}
}

// endTransfer takes t's row away (once: Cancel and the end both call it).
func (a *Pane) endTransfer(t *transfer) {
	for i, x := range a.transferRows {
		if x == t {
			a.transferRows = append(a.transferRows[:i], a.transferRows[i+1:]...)
			a.transfers.Remove(t.row)
			break
		}
	}
	a.showTransfers()
}

// showTransfers shows the open chat's transfers (those of other chats
// keep going, out of view).
func (a *Pane) showTransfers() {
	any := false
	for _, t := range a.transferRows {
		on := a.chat != nil && a.chat.peer == t.peer
		setShown(t.row, on)
		any = any || on
	}
	setShown(a.transfers, any)
	// Laid out again from the composer's row: the transfers' box was
	// never laid out while hidden, and its rows would keep no width.
	a.bottom.Refresh()
	a.chatPane.Refresh()
}

// Sending.

// newAttachButton is the paperclip left of the composer: pick a file to
// send to the open chat.
func (a *Pane) newAttachButton() *widget.Button {
	b := widget.NewButtonWithIcon("", theme.NewThemedResource(paperclipIcon), a.pickFile)
	b.Importance = widget.LowImportance
	return b
}

// pickFile opens the file dialog; the file chosen goes to the open chat.
func (a *Pane) pickFile() {
	ch := a.chat
	if ch == nil {
		return
	}
	peer := ch.peer
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			a.showNotice(fmt.Sprintf("not sent: %v", err))
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		r.Close()
		a.sendFile(peer, path)
	}, a.win)
	d.Resize(a.dialogSize())
	d.Show()
}

// dialogSize is the size of the file dialogs: most of the window, so the
// files are not a few rows in a small box.
func (a *Pane) dialogSize() fyne.Size {
	s := a.win.Canvas().Size()
	return fyne.NewSize(max(s.Width*0.9, 500), max(s.Height*0.9, 380))
}

// dropped sends the files dropped on the window to the open chat.
func (a *Pane) dropped(uris []fyne.URI) {
	if a.chat == nil {
		a.showNotice("open a chat first, then drop the file on it")
		return
	}
	for _, u := range uris {
		if u.Scheme() != "file" {
			a.showNotice(fmt.Sprintf("not sent: %s is not a file on this computer", u.String()))
			continue
		}
		a.sendFile(a.chat.peer, u.Path())
	}
}

// sendFile uploads the file at path and sends it to peer, with a
// transfer row in peer's chat; what goes wrong is one line, and nothing
// is sent.
func (a *Pane) sendFile(peer, path string) { a.sendFileThen(peer, path, nil) }

// sendFileThen is sendFile; after (if set) runs once the file is no
// longer needed: sent, failed or refused.
func (a *Pane) sendFileThen(peer, path string, after func()) {
	uploading := false
	defer func() {
		if !uploading && after != nil {
			after()
		}
	}()
	fs := a.sharer()
	name := filepath.Base(path)
	switch {
	case fs == nil:
		a.showNotice("not sent: this account cannot send files")
		return
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		a.showNotice(fmt.Sprintf("not sent: cannot read %s: %v", name, unwrapPath(err)))
		return
	case st.IsDir():
		a.showNotice("not sent: " + name + " is a folder; only files can be sent")
		return
	case !st.Mode().IsRegular():
		a.showNotice("not sent: " + name + " is not a regular file")
		return
	}
	warn := ""
	if a.isRoom(peer) {
		// A room's file is encrypted exactly when its messages are (a
		// private room whose members all have OMEMO): else say so, as
		// for a contact without OMEMO.
		if a.encryptor() == nil || a.chat == nil || a.chat.peer != peer || !a.lockState.On {
			why := a.lockState.Why
			if why == "" || a.chat == nil || a.chat.peer != peer {
				why = "this group chat's messages are not"
			}
			warn = "Not encrypted: " + why + ". Everyone in the room, and its server, can fetch the file."
		}
	} else if a.encryptor() != nil && a.chat != nil && a.chat.peer == peer && !a.lockState.On {
		if a.lockState.Refused {
			// The upload would be in the clear before the message refused
			// to go: nothing leaves at all.
			a.showNotice("not sent: " + encryptionText(peer, a.lockState))
			return
		}
		why := a.lockState.Why
		if why == "" {
			why = "no OMEMO device of theirs is known"
		}
		warn = "Not encrypted: " + why + ". The file goes to your server as it is, and its link in the clear."
	}
	ctx, t := a.startTransfer(a.ctx, peer, "Sending "+name+" ("+humanSize(st.Size())+")", warn)
	uploading = true
	a.async(func() {
		m, err := fs.SendFile(ctx, peer, path, a.progress(t))
		cancelled := ctx.Err() != nil
		t.cancel()
		if after != nil {
			after()
		}
		a.do(func() {
			a.endTransfer(t)
			switch {
			case err != nil && cancelled:
				// The user's Cancel: nothing was sent, nothing to say.
			case err != nil:
				a.showNotice(fmt.Sprintf("%s not sent: %v", name, err))
			default:
				a.notice.Hide()
				a.addMessage(m)
			}
		})
	})
}

// unwrapPath drops the path from an *os.PathError: the message names the
// file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Saving.

// saveFile asks where to save m's file (a save dialog with its name) and
// downloads it there, with a transfer row; the file appears only once
// all of it arrived.
func (a *Pane) saveFile(m Message) {
	fs := a.sharer()
	if fs == nil || m.File == nil {
		return
	}
	name := fileName(m.File)
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			a.showNotice(fmt.Sprintf("could not save %s: %v", name, err))
			return
		}
		if w == nil {
			return // cancelled
		}
		// Fyne's dialog has created (or emptied) the file: the download
		// goes to a temporary file beside it and replaces it at the end,
		// so a cut download never looks like the file.
		dst := w.URI().Path()
		w.Close()
		a.download(m, dst)
	}, a.win)
	d.SetFileName(name)
	d.Resize(a.dialogSize())
	d.Show()
}

// download saves m's file at dst (from memory when the picture is here
// already), with a transfer row in its chat.
func (a *Pane) download(m Message, dst string) {
	fs := a.sharer()
	name, url := fileName(m.File), m.File.URL
	var raw []byte
	if p := a.pics[url]; p != nil {
		raw = p.raw
	}
	ctx, t := a.startTransfer(a.ctx, m.Peer, "Saving "+name+" to "+filepath.Dir(dst), "")
	a.async(func() {
		var err error
		if raw != nil {
			err = writeWhole(dst, raw)
		} else {
			err = fs.SaveFile(ctx, m, dst, a.progress(t))
		}
		cancelled := ctx.Err() != nil
		t.cancel()
		if err != nil {
			if st, serr := os.Stat(dst); serr == nil && st.Size() == 0 {
				os.Remove(dst) // the empty file the dialog made
			}
		}
		a.do(func() {
			a.endTransfer(t)
			switch {
			case err != nil && cancelled:
			case err != nil:
				a.showNotice(fmt.Sprintf("could not save %s: %v", name, err))
			default:
				a.saved[url] = dst
				a.refreshFile(url)
			}
		})
	})
}

// writeWhole writes data to a temporary file beside dst and renames it
// over dst once it is on disk.
func writeWhole(dst string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".clove-save-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// Pictures.

type picState int

const (
	picNone    picState = iota
	picLoading          // downloading and decoding
	picShown            // thumb ready
	picFailed           // err says why
)

// picture is a file message's picture, by its URL.
type picture struct {
	state picState
	thumb image.Image // at most thumbW×thumbH
	raw   []byte      // the file, while within the memory budget (full view, Save…)
	err   string
	open  bool // show it full size once loaded (the click came first)
}

// pictureLimit is the largest picture from a contact that is shown at
// once (0: none).
func (a *Pane) pictureLimit() int64 {
	return int64(a.fa.Preferences().IntWithFallback(prefPictureMiB, defaultPictureMiB)) << 20
}

// autoPicture reports whether m's picture is downloaded by itself: ours
// (in a room too), or from a contact in the roster (not a stranger, nor a
// room, where anyone can post), and not above the limit the user set.
func (a *Pane) autoPicture(m Message) bool {
	limit := a.pictureLimit()
	if limit <= 0 || m.File.Size > limit {
		return false
	}
	if m.Outgoing {
		return true // ours, in a room too
	}
	if a.isRoom(m.Peer) {
		return false
	}
	it := a.byJID[m.Peer]
	return it != nil && !it.Stranger && !it.Room
}

// pictureFor is m's picture as its row shows it, starting its download
// when it is one shown by itself (nil: not a picture, or not loaded).
func (a *Pane) pictureFor(m Message) *picture {
	if m.File == nil || !isPicture(m.File) || a.sharer() == nil {
		return nil
	}
	p := a.pics[m.File.URL]
	if p == nil && a.autoPicture(m) {
		p = a.loadPicture(m, a.pictureLimit(), false)
	}
	return p
}

// loadPicture downloads m's picture (at most max bytes), checks it and
// makes its thumbnail, all off the UI goroutine, then shows it (and full
// size, when open).
func (a *Pane) loadPicture(m Message, max int64, open bool) *picture {
	url := m.File.URL
	p := a.pics[url]
	if p == nil {
		p = &picture{}
		a.pics[url] = p
	}
	p.open = p.open || open
	if p.state == picLoading {
		return p
	}
	p.state, p.err = picLoading, ""
	fs := a.sharer()
	// Started later: this runs inside the list's update of the row.
	a.later(func() {
		select {
		case a.picSlots <- struct{}{}:
		case <-a.ctx.Done():
			return
		}
		data, err := fs.FetchFile(a.ctx, m, max)
		<-a.picSlots
		var thumb image.Image
		if err == nil {
			thumb, err = thumbnail(data, thumbW, thumbH)
		}
		a.do(func() {
			if err != nil {
				p.state, p.err = picFailed, "picture not shown: "+err.Error()
				p.open = false
			} else {
				p.state, p.thumb = picShown, thumb
				a.keepRaw(url, p, data)
			}
			a.refreshFile(url)
			if p.open && p.state == picShown {
				p.open = false
				a.showFullPicture(m, data)
			}
		})
	})
	return p
}

// keepRaw keeps a picture's bytes for the full view and Save… while all
// kept stay within the budget; the oldest go first.
func (a *Pane) keepRaw(url string, p *picture, data []byte) {
	if int64(len(data)) > pictureCacheBudget {
		return
	}
	p.raw = data
	a.rawOrder = append(a.rawOrder, url)
	a.rawBytes += int64(len(data))
	for a.rawBytes > pictureCacheBudget && len(a.rawOrder) > 0 {
		old := a.pics[a.rawOrder[0]]
		a.rawOrder = a.rawOrder[1:]
		if old != nil && old.raw != nil {
			a.rawBytes -= int64(len(old.raw))
			old.raw = nil
		}
	}
}

// refreshFile lays out again the rows of the open chat sharing url (its
// picture came, or it was saved).
func (a *Pane) refreshFile(url string) {
	ch := a.chat
	if ch == nil {
		return
	}
	for i, m := range ch.msgs {
		if m.File == nil || m.File.URL != url {
			continue
		}
		a.tellHeight(i, a.rowHeightAt(i))
		a.msgList.RefreshItem(i)
		if i >= len(ch.msgs)-2 {
			// The newest messages: a picture grew the row, and the chat
			// stays at its end.
			a.msgList.ScrollToBottom()
		}
	}
}

// openPicture shows m's picture full size: from memory, or downloaded
// first.
func (a *Pane) openPicture(m Message) {
	p := a.pics[m.File.URL]
	if p != nil && p.raw != nil {
		a.showFullPicture(m, p.raw)
		return
	}
	a.loadPicture(m, maxManualPicture, true)
	a.refreshFile(m.File.URL)
}

// showFullPicture decodes data off the UI goroutine and shows it in a
// window of its own, at most the screen's usual size; Escape closes it.
func (a *Pane) showFullPicture(m Message, data []byte) {
	name := fileName(m.File)
	a.async(func() {
		img, o, err := decodePicture(data)
		if err == nil {
			img = files.Orient(img, o) // as the camera was held
		}
		a.do(func() {
			if err != nil {
				a.showNotice(fmt.Sprintf("cannot show %s: %v", name, err))
				return
			}
			w := a.fa.NewWindow(name)
			c := canvas.NewImageFromImage(img)
			c.FillMode = canvas.ImageFillContain
			c.ScaleMode = canvas.ImageScaleSmooth
			bg := canvas.NewRectangle(color.Black)
			w.SetPadded(false) // the picture to the window's edges
			w.SetContent(container.NewStack(bg, c))
			b := img.Bounds()
			scale := min(1, 1200/float32(b.Dx()), 850/float32(b.Dy()))
			w.Resize(fyne.NewSize(max(float32(b.Dx())*scale, 200), max(float32(b.Dy())*scale, 150)))
			w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
				if k.Name == fyne.KeyEscape {
					w.Close()
				}
			})
			w.Show()
			a.pictureWindows = append(a.pictureWindows, w)
		})
	})
}

// decodePicture checks data with files.Sniff (a picture type Clove
// shows, not a bomb: its size read from the header before anything is
// decoded) and decodes it. It also returns the picture's EXIF orientation
// (a JPEG from a camera held sideways; files.Orient turns it upright).
func decodePicture(data []byte) (image.Image, int, error) {
	mime, err := files.Sniff(bytes.NewReader(data))
	if err != nil {
		return nil, 0, err
	}
	o := files.OrientationNormal
	switch mime {
	case "image/jpeg":
		o = files.JPEGOrientation(bytes.NewReader(data))
	case "image/png", "image/gif":
	default:
		return nil, 0, fmt.Errorf("it is not a picture Clove shows (%s)", mime)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, fmt.Errorf("the picture is damaged: %w", err)
	}
	return img, o, nil
}

// thumbnail decodes a picture (decodePicture), scales it down to fit w×h
// once upright, and turns it upright: the small picture, not the whole
// photo, is turned.
func thumbnail(data []byte, w, h int) (image.Image, error) {
	img, o, err := decodePicture(data)
	if err != nil {
		return nil, err
	}
	if files.SwapsSides(o) {
		w, h = h, w
	}
	return files.Orient(scaleDown(img, w, h), o), nil
}

// scaleDown fits img into w×h, keeping its proportions, by averaging the
// source pixels under each new one (a box filter: a photo scaled down by
// 20 keeps its colours instead of picking one pixel in 400). A picture
// that fits already comes back as it is.
func scaleDown(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw <= w && sh <= h {
		return img
	}
	scale := min(float64(w)/float64(sw), float64(h)/float64(sh))
	dw, dh := max(1, int(float64(sw)*scale+0.5)), max(1, int(float64(sh)*scale+0.5))
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		y0, y1 := b.Min.Y+y*sh/dh, b.Min.Y+(y+1)*sh/dh
		for x := 0; x < dw; x++ {
			x0, x1 := b.Min.X+x*sw/dw, b.Min.X+(x+1)*sw/dw
			// At most 4×4 samples a pixel: enough for a preview, and a
			// 40-megapixel photo is scaled in a fraction of a second.
			stepX, stepY := max(1, (x1-x0)/4), max(1, (y1-y0)/4)
			var r, g, bl, al, n uint64
			for sy := y0; sy < max(y1, y0+1); sy += stepY {
				for sx := x0; sx < max(x1, x0+1); sx += stepX {
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					r, g, bl, al, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), al+uint64(ca), n+1
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), uint8(al / n >> 8)})
		}
	}
	return out
}

// The file part of a message row.

// fileView is a file message's part of its row, in place of the body: a
// paperclip, the name, the size, Load picture / Save…, the picture, and
// a line under it (why a picture is not shown, where the file was saved).
type fileView struct {
	box   *fyne.Container
	name  *widget.Label
	size  *canvas.Text
	load  *widget.Button
	save  *widget.Button
	thumb *thumbView
	note  *widget.Label
}

func newFileView(onLoad, onSave, onOpen func()) *fileView {
	v := &fileView{
		name:  widget.NewLabel(""),
		size:  canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
		load:  widget.NewButtonWithIcon("Load picture", theme.DownloadIcon(), onLoad),
		save:  widget.NewButtonWithIcon("Save…", theme.DocumentSaveIcon(), onSave),
		thumb: newThumbView(onOpen),
		note:  widget.NewLabel(""),
	}
	v.name.TextStyle = fyne.TextStyle{Bold: true}
	v.name.Truncation = fyne.TextTruncateEllipsis
	v.size.TextSize = theme.CaptionTextSize()
	v.load.Importance, v.save.Importance = widget.LowImportance, widget.LowImportance
	v.note.SizeName = theme.SizeNameCaptionText
	v.note.Wrapping = fyne.TextWrapWord
	v.note.Hide()
	v.load.Hide()
	v.thumb.Hide()
	clip := widget.NewIcon(theme.NewThemedResource(paperclipIcon))
	line := container.NewBorder(nil, nil, clip, container.NewHBox(container.NewCenter(v.size), v.load, v.save), v.name)
	pad := theme.Padding()
	v.box = container.NewVBox(line,
		container.New(&leftInset{2 * pad}, v.thumb),
		v.note)
	return v
}

// set shows f and its picture p (nil: none), and saved, where it was saved.
func (v *fileView) set(f *FileInfo, p *picture, saved string) {
	v.name.SetText(fileName(f))
	v.size.Text = ""
	if f.Size > 0 {
		v.size.Text = humanSize(f.Size)
	}
	v.size.Refresh()
	pic := isPicture(f)
	switch {
	case !pic || p != nil && p.state == picShown:
		v.load.Hide()
	case p != nil && p.state == picLoading:
		v.load.SetText("Loading picture…")
		v.load.Disable()
		v.load.Show()
	default:
		v.load.SetText("Load picture")
		v.load.Enable()
		v.load.Show()
	}
	if p != nil && p.state == picShown {
		v.thumb.setImage(p.thumb)
		v.thumb.Show()
	} else {
		v.thumb.setImage(nil)
		v.thumb.Hide()
	}
	note, imp := "", widget.MediumImportance
	switch {
	case p != nil && p.state == picFailed:
		note, imp = p.err, widget.DangerImportance
	case saved != "":
		note = "Saved as " + saved
	}
	v.note.Importance = imp
	if note == "" {
		v.note.Hide()
	} else {
		v.note.SetText(note)
		v.note.Show()
	}
}

// leftInset lays its one object out at its own size, inset from the left.
type leftInset struct{ left float32 }

func (l *leftInset) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(l.left, 0))
		o.Resize(o.MinSize())
	}
}

func (l *leftInset) MinSize(objs []fyne.CanvasObject) fyne.Size {
	for _, o := range objs {
		if o.Visible() {
			m := o.MinSize()
			return fyne.NewSize(m.Width+l.left, m.Height)
		}
	}
	return fyne.Size{}
}

// thumbView is a picture's thumbnail in its row: a click opens it full
// size.
type thumbView struct {
	widget.BaseWidget
	img    *canvas.Image
	onOpen func()
	onMenu func(*fyne.PointEvent) // a right-click: the message's menu (Save…)
}

func newThumbView(onOpen func()) *thumbView {
	t := &thumbView{img: canvas.NewImageFromImage(nil), onOpen: onOpen}
	t.img.FillMode = canvas.ImageFillContain
	t.img.ScaleMode = canvas.ImageScaleSmooth
	t.ExtendBaseWidget(t)
	return t
}

func (t *thumbView) setImage(img image.Image) {
	if t.img.Image == img {
		return
	}
	t.img.Image = img
	size := fyne.Size{}
	if img != nil {
		size = fyne.NewSize(float32(img.Bounds().Dx()), float32(img.Bounds().Dy()))
	}
	t.img.SetMinSize(size)
	t.img.Refresh()
	t.Refresh()
}

func (t *thumbView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.img)
}

func (t *thumbView) MinSize() fyne.Size { return t.img.MinSize() }

func (t *thumbView) Tapped(*fyne.PointEvent) {
	if t.onOpen != nil {
		t.onOpen()
	}
}

func (t *thumbView) TappedSecondary(ev *fyne.PointEvent) {
	if t.onMenu != nil {
		t.onMenu(ev)
	}
}

// Cursor: a hand, as over a link (the picture opens).
func (t *thumbView) Cursor() desktop.Cursor { return desktop.PointerCursor }

// fileRowHeight is the height of file message m's row (without the
// reason of a failure), laid out as it shows now at the list's width.
func (a *Pane) fileRowHeight(m Message) float32 {
	if a.measureFile == nil {
		a.measureFile = newMessageRow()
	}
	r := a.measureFile
	shown := m
	shown.State = Received // the reason is added by rowHeight
	r.set(shown, "")
	r.fileView().set(m.File, a.pics[m.File.URL], a.saved[m.File.URL])
	if a.listW > 0 {
		// Twice: the first lays the note out at the list's width, the
		// second measures it wrapped.
		r.Resize(fyne.NewSize(a.listW, 1000))
		r.relayout()
	}
	return r.MinSize().Height
}

// The row's buttons, by the message's index in the open chat.

func (a *Pane) fileAt(id widget.ListItemID) (Message, bool) {
	ch := a.chat
	if ch == nil || id < 0 || id >= len(ch.msgs) || ch.msgs[id].File == nil {
		return Message{}, false
	}
	return ch.msgs[id], true
}

func (a *Pane) loadPictureAt(id widget.ListItemID) {
	if m, ok := a.fileAt(id); ok {
		a.loadPicture(m, maxManualPicture, false)
		a.refreshFile(m.File.URL)
	}
}

func (a *Pane) saveFileAt(id widget.ListItemID) {
	if m, ok := a.fileAt(id); ok {
		a.saveFile(m)
	}
}

func (a *Pane) openPictureAt(id widget.ListItemID) {
	if m, ok := a.fileAt(id); ok {
		a.openPicture(m)
	}
}
