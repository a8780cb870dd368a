package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// roomFiles is a backend with rooms that shares files.
type roomFiles struct {
	*fakeRooms
	fb *fileBackend
}

func (r *roomFiles) SendFile(ctx context.Context, peer, path string, progress func(int64, int64)) (Message, error) {
	return r.fb.SendFile(ctx, peer, path, progress)
}
func (r *roomFiles) SaveFile(ctx context.Context, m Message, dst string, progress func(int64, int64)) error {
	return r.fb.SaveFile(ctx, m, dst, progress)
}
func (r *roomFiles) FetchFile(ctx context.Context, m Message, max int64) ([]byte, error) {
	return r.fb.FetchFile(ctx, m, max)
}

// In a room: a participant's picture is a file row with "Load picture",
// never downloaded by itself (anyone can post in a room); the paperclip
// sends a file there, with the warning that it goes unencrypted.
func TestFilesInRooms(t *testing.T) {
	rooms := newRooms()
	pic := twoColours(t, 400, 300)
	const url = "https://upload.example.org/a1/cat.png"
	b := &roomFiles{fakeRooms: rooms, fb: &fileBackend{fakeBackend: rooms.fakeBackend, files: map[string][]byte{url: pic}}}
	a, pending := newTestApp(t, b)
	a.joinRoom(lounge, "", false)
	a.OnRoomJoined(lounge, "me")
	a.OnOccupant(lounge, "ann", false)
	a.OnMessage(Message{Key: "rf1", Peer: lounge, Nick: "ann", Body: url, Time: time.Now(), State: Received,
		File: &FileInfo{URL: url, Name: "cat.png", Size: int64(len(pic)), MIME: "image/png"}})
	runLater(pending)
	row := fileRow(t, a, "cat.png")
	if !row.file.load.Visible() || row.file.load.Text != "Load picture" || row.file.thumb.Visible() {
		t.Errorf("ann's picture in the room: Load picture shown %v, thumbnail %v", row.file.load.Visible(), row.file.thumb.Visible())
	}
	if got := b.fb.fetches(); len(got) != 0 {
		t.Errorf("fetched %q from a room without a click", got)
	}
	mustNotShow(t, a, url)
	// The first row of a chat of file rows has room for its day
	// separator (the separator's height was measured only with a text
	// row: a room's file rows overlapped the next one).
	if row.Size().Height < row.MinSize().Height {
		t.Errorf("the file row is given %v, it needs %v", row.Size().Height, row.MinSize().Height)
	}
	// Our own picture in a room is shown by itself.
	const mine = "https://upload.example.org/b2/mine.png"
	b.fb.files[mine] = pic
	a.OnMessage(Message{Key: "rf2", Peer: lounge, Outgoing: true, Body: mine, Time: time.Now(), State: Sent,
		File: &FileInfo{URL: mine, Name: "mine.png", Size: int64(len(pic)), MIME: "image/png"}})
	runLater(pending)
	if got := b.fb.fetches(); len(got) != 1 || got[0] != mine {
		t.Errorf("our own picture in the room: fetched %q", got)
	}

	if a.attach == nil || !a.attach.Visible() {
		t.Fatal("no paperclip in the room")
	}
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("for the room"), 0o600); err != nil {
		t.Fatal(err)
	}
	backgroundUploads(a)
	gate := make(chan struct{})
	defer close(gate)
	b.fb.set(gate, nil)
	a.sendFile(lounge, path)
	mustShow(t, a, "Sending notes.txt", "Not encrypted: this group chat's messages are not.")
	for end := time.Now().Add(5 * time.Second); b.fb.uploads() == 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if b.fb.uploads() != 1 {
		t.Errorf("%d uploads to the room", b.fb.uploads())
	}
}
