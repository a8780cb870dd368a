package gui

import (
	"errors"
	"testing"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

// A file message reaches the window with its file, from the history and
// live; a message without one has none.
func TestFilesReachTheWindow(t *testing.T) {
	f := store.File{URL: "aesgcm://h/x.png#00", Name: "x.png", Size: 5, MIME: "image/png", Encrypted: true}
	want := ui.FileInfo{URL: f.URL, Name: f.Name, Size: f.Size, MIME: f.MIME, Encrypted: true}
	if got := uiMessage(store.Message{Body: f.URL, File: &f}).File; got == nil || *got != want {
		t.Errorf("from the history: %+v, want %+v", got, want)
	}
	ref := xmppclient.FileRef{URL: f.URL, Name: f.Name, Size: f.Size, MIME: f.MIME, Encrypted: true}
	if got := uiFileRef(&ref); got == nil || *got != want {
		t.Errorf("live: %+v, want %+v", got, want)
	}
	if uiMessage(store.Message{Body: "hi"}).File != nil || uiFileRef(nil) != nil {
		t.Error("a message without a file has one")
	}
}

// A picture fetched into memory stops at its limit.
func TestCappedStopsAtItsLimit(t *testing.T) {
	c := &capped{max: 10}
	if _, err := c.Write(make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(make([]byte, 3)); !errors.Is(err, errTooBig) || len(c.buf) != 8 {
		t.Errorf("past the limit: %v, %d bytes kept", err, len(c.buf))
	}
}
