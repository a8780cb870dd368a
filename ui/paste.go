package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// ClipboardImageReader returns the picture on the system clipboard (PNG
// bytes), or nil when it holds none; more than max bytes is an error. It
// may block on the clipboard's owner: the pane calls it off the UI
// goroutine. Fyne's clipboard carries text only, so the window gets one
// from outside (gui: internal/x11clip on X11).
type ClipboardImageReader func(ctx context.Context, max int64) ([]byte, error)

// Pasted pictures.
const (
	// maxPastedPicture bounds what Ctrl+V takes from the clipboard (a
	// screenshot of a 4K screen is some 10–25 MB as PNG).
	maxPastedPicture = 64 << 20
	// pasteTimeout bounds the wait for the clipboard's owner.
	pasteTimeout = 3 * time.Second
)

// SetClipboardImage gives the window a way to read pictures from the
// clipboard: Ctrl+V in a chat's composer then offers to send one, as the
// paperclip sends a file (Gajim and Dino do the same). nil: text only.
func (s *Shell) SetClipboardImage(r ClipboardImageReader) { s.clipboardImage = r }

// paste is the composer's Ctrl+V: a picture on the clipboard, in a chat
// with a contact of an account that shares files, is offered for sending;
// anything else is pasted as text (pasteText).
func (a *Pane) paste(pasteText func()) {
	read := a.shell.clipboardImage
	ch := a.chat
	if read == nil || a.sharer() == nil || ch == nil {
		pasteText()
		return
	}
	peer := ch.peer
	a.async(func() {
		ctx, cancel := context.WithTimeout(a.ctx, pasteTimeout)
		data, err := read(ctx, maxPastedPicture)
		cancel()
		a.do(func() {
			switch {
			case err != nil && data == nil && a.ctx.Err() == nil:
				// Whatever the clipboard holds, the text paste says it
				// best; the picture's trouble is one line.
				a.showNotice(fmt.Sprintf("no picture pasted: %v", err))
				pasteText()
			case data == nil:
				pasteText()
			default:
				a.confirmPastedPicture(peer, data)
			}
		})
	})
}

// confirmPastedPicture shows the clipboard's picture and asks before
// sending it to peer; Send goes on as the paperclip does (sendFile: the
// transfer row, Cancel, the unencrypted warning).
func (a *Pane) confirmPastedPicture(peer string, data []byte) {
	thumb, err := thumbnail(data, thumbW, thumbH)
	if err != nil {
		a.showNotice(fmt.Sprintf("not sent: the picture on the clipboard: %v", err))
		return
	}
	b := thumb.Bounds()
	img := canvas.NewImageFromImage(thumb)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(float32(b.Dx()), float32(b.Dy())))
	what := widget.NewLabel(fmt.Sprintf("A picture from the clipboard (%s) to %s.", humanSize(int64(len(data))), a.chatTitle(peer)))
	what.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Send this picture?", "Send", "Cancel", container.NewBorder(nil, what, nil, nil, container.NewCenter(img)), func(ok bool) {
		if ok {
			a.sendPastedPicture(peer, data)
		}
	}, a.win)
	d.Resize(fyne.NewSize(max(float32(b.Dx())+80, 420), float32(b.Dy())+180))
	showDialog(a.win, d)
	// Send has the focus (the composer had it): Enter sends, Escape
	// cancels, as in Gajim's and Dino's paste preview.
	if top := a.win.Canvas().Overlays().Top(); top != nil {
		walkObjects(top, func(o fyne.CanvasObject) {
			if b, ok := o.(*dialogButton); ok && b.Text == "Send" {
				a.win.Canvas().Focus(b)
			}
		})
	}
}

// walkObjects visits o and everything inside it (containers, pop-ups,
// widgets' renderers).
func walkObjects(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch x := o.(type) {
	case *widget.PopUp:
		walkObjects(x.Content, visit)
	case *fyne.Container:
		for _, c := range x.Objects {
			walkObjects(c, visit)
		}
	case *container.ThemeOverride:
		walkObjects(x.Content, visit)
	}
}

// sendPastedPicture writes the picture to a file of its own (SendFile
// takes a path; the upload needs its size first) and sends it; the file
// goes once the send is over, whatever became of it.
func (a *Pane) sendPastedPicture(peer string, data []byte) {
	dir, err := os.MkdirTemp("", "clove-paste-")
	if err != nil {
		a.showNotice(fmt.Sprintf("not sent: %v", err))
		return
	}
	path := filepath.Join(dir, "pasted-"+time.Now().Format("2006-01-02-150405")+".png")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		os.RemoveAll(dir)
		a.showNotice(fmt.Sprintf("not sent: %v", err))
		return
	}
	a.sendFileThen(peer, path, func() { os.RemoveAll(dir) })
}
