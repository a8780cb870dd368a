package ui

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fileBackend shares files: what it sends, fetches and saves is recorded;
// sendGate, when set, holds SendFile until closed (or its ctx ends).
type fileBackend struct {
	*fakeBackend
	fmu      sync.Mutex
	files    map[string][]byte // by URL: what FetchFile and SaveFile give
	fetched  []string
	sentPath []string
	sendErr  error
	sendGate chan struct{}
	enc      *Encryption // nil: no Encryptor behaviour (see encFileBackend)
}

func (b *fileBackend) SendFile(ctx context.Context, peer, path string, progress func(int64, int64)) (Message, error) {
	b.fmu.Lock()
	b.sentPath = append(b.sentPath, path)
	gate, err := b.sendGate, b.sendErr
	b.fmu.Unlock()
	progress(10, 100)
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
	}
	if err != nil {
		return Message{}, err
	}
	progress(100, 100)
	f := &FileInfo{URL: "https://upload.example.org/x/" + filepath.Base(path), Name: filepath.Base(path), Size: 100, MIME: "application/octet-stream"}
	return Message{Key: "file1", Peer: peer, Outgoing: true, Body: f.URL, Time: time.Now(), State: Queued, File: f}, nil
}

func (b *fileBackend) SaveFile(_ context.Context, m Message, dst string, progress func(int64, int64)) error {
	b.fmu.Lock()
	data, ok := b.files[m.File.URL]
	b.fetched = append(b.fetched, m.File.URL)
	b.fmu.Unlock()
	if !ok {
		return errors.New("404 Not Found")
	}
	progress(int64(len(data)), int64(len(data)))
	return os.WriteFile(dst, data, 0o600)
}

func (b *fileBackend) FetchFile(_ context.Context, m Message, max int64) ([]byte, error) {
	b.fmu.Lock()
	defer b.fmu.Unlock()
	b.fetched = append(b.fetched, m.File.URL)
	data, ok := b.files[m.File.URL]
	if !ok {
		return nil, errors.New("404 Not Found")
	}
	if int64(len(data)) > max {
		return nil, errors.New("too large")
	}
	return data, nil
}

func (b *fileBackend) fetches() []string {
	b.fmu.Lock()
	defer b.fmu.Unlock()
	return slices.Clone(b.fetched)
}

// encFileBackend is a fileBackend whose account encrypts (ui.Encryptor),
// with messages to everyone in the state enc.
type encFileBackend struct {
	*fileBackend
	state    Encryption
	required bool
}

func (e *encFileBackend) Encryption(context.Context, string) (Encryption, error) { return e.state, nil }
func (e *encFileBackend) RoomEncryption(context.Context, string) (Encryption, error) {
	return e.state, nil
}
func (e *encFileBackend) Keys(context.Context, string) (DeviceKey, []DeviceKey, error) {
	return DeviceKey{}, nil, nil
}
func (e *encFileBackend) SetKeyTrust(context.Context, string, string, bool) error { return nil }
func (e *encFileBackend) RequireEncryption(context.Context) (bool, error)         { return e.required, nil }
func (e *encFileBackend) SetRequireEncryption(context.Context, bool) error        { return nil }

// twoColours is a w×h PNG, its left half red and its right half blue.
func twoColours(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngBomb is a PNG header claiming w×h pixels (a few bytes, gigabytes
// once decoded).
func pngBomb(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	chunk := append([]byte("IHDR"), ihdr[:]...)
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

const (
	secretURL = "aesgcm://upload.example.org/a1b2/photo.png#00112233445566778899aabb00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	plainURL  = "https://upload.example.org/c3d4/report.pdf"
)

// filesChat: bob (a contact) sent an encrypted picture and a plain
// report; dave, a stranger, a picture too.
func filesChat(t *testing.T) *fileBackend {
	b := threeContacts()
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	pic := twoColours(t, 400, 300)
	b.history["bob@example.org"] = append(b.history["bob@example.org"],
		Message{ID: 10, Key: "f1", Peer: "bob@example.org", Body: secretURL, Time: t0, State: Received, Encrypted: true,
			File: &FileInfo{URL: secretURL, Name: "photo.png", Size: int64(len(pic)), MIME: "image/png", Encrypted: true}},
		Message{ID: 11, Key: "f2", Peer: "bob@example.org", Body: plainURL, Time: t0.Add(time.Minute), State: Received,
			File: &FileInfo{URL: plainURL, Name: "report.pdf", Size: 1_572_864, MIME: "application/pdf"}},
	)
	b.contacts = append(b.contacts, Contact{JID: "dave@example.net", Stranger: true})
	b.history["dave@example.net"] = []Message{{ID: 20, Key: "d1", Peer: "dave@example.net", Body: "https://x.example.net/p.png", Time: t0, State: Received,
		File: &FileInfo{URL: "https://x.example.net/p.png", Name: "p.png", Size: int64(len(pic)), MIME: "image/png"}}}
	return &fileBackend{fakeBackend: b, files: map[string][]byte{secretURL: pic, plainURL: []byte("%PDF-1.4 report"), "https://x.example.net/p.png": pic}}
}

// fileRow is the row of the open chat showing the file named name.
func fileRow(t *testing.T, a *Pane, name string) *messageRow {
	t.Helper()
	var row *messageRow
	walkShown(a.msgList, func(o fyne.CanvasObject) {
		if r, ok := o.(*messageRow); ok && r.file != nil && r.file.box.Visible() && r.file.name.Text == name {
			row = r
		}
	})
	if row == nil {
		t.Fatalf("no row shows the file %q; the window shows %q", name, rendered(a))
	}
	return row
}

// runLater runs the background work the list asked for (picture
// downloads), as the app's goroutines would.
func runLater(pending *[]func()) {
	for len(*pending) > 0 {
		f := (*pending)[0]
		*pending = (*pending)[1:]
		f()
	}
}

// A file message shows a paperclip, its name, its size and a lock, with
// Save…; never its URL (an aesgcm:// URL holds the key), and its menu
// copies the link of a plaintext file only.
func TestAFileMessageShowsItsNameNotItsURL(t *testing.T) {
	b := filesChat(t)
	a, pending := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	runLater(pending)
	mustShow(t, a, "photo.png", "report.pdf", "1.5 MiB", "Save…")
	mustNotShow(t, a, secretURL, plainURL)
	for _, s := range rendered(a) {
		if strings.Contains(s, "aesgcm") || strings.Contains(s, "00112233") {
			t.Errorf("the window shows %q: the encrypted file's key", s)
		}
	}
	if row := fileRow(t, a, "photo.png"); !row.lock.Visible() {
		t.Error("the encrypted file's row has no lock")
	}
	if row := fileRow(t, a, "report.pdf"); row.lock.Visible() {
		t.Error("the plaintext file's row has a lock")
	}

	menu := func(name string) []string {
		t.Helper()
		row := fileRow(t, a, name)
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(row.file.name).Add(fyne.NewPos(5, 5))
		st, ok := clickTarget(a, at).(fyne.SecondaryTappable)
		if !ok {
			t.Fatalf("a right-click on %s reaches %T", name, clickTarget(a, at))
		}
		test.TapSecondaryAt(st, at.Subtract(fyne.CurrentApp().Driver().AbsolutePositionForObject(st.(fyne.CanvasObject))))
		return menuItems(a)
	}
	if got, want := menu("photo.png"), []string{"Save…", "Open picture", "Copy file name", "Copy address"}; !slices.Equal(got, want) {
		t.Errorf("the encrypted picture's menu is %q, want %q (no link, no Copy of the URL)", got, want)
	}
	a.win.Canvas().Overlays().Top().Hide()
	if got, want := menu("report.pdf"), []string{"Save…", "Copy file name", "Copy link", "Copy address"}; !slices.Equal(got, want) {
		t.Errorf("the plaintext file's menu is %q, want %q", got, want)
	}
	tapMenuItem(t, a, "Copy link")
	if got := fyne.CurrentApp().Clipboard().Content(); got != plainURL {
		t.Errorf("Copy link copied %q", got)
	}

	// A notification and a search result name the file, not the URL.
	if got := displayText(b.history["bob@example.org"][3]); got != "File: photo.png ("+humanSize(int64(len(b.files[secretURL])))+")" {
		t.Errorf("a file message's text elsewhere is %q", got)
	}
}

// A contact's picture under the limit is downloaded and shown as a
// thumbnail of at most 320×240 in its colours; its row grows to hold it.
// A stranger's is not fetched until "Load picture" is clicked.
func TestAContactsPictureShowsInline(t *testing.T) {
	b := filesChat(t)
	a, pending := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	runLater(pending)
	row := fileRow(t, a, "photo.png")
	if !row.file.thumb.Visible() || row.file.thumb.img.Image == nil {
		t.Fatalf("bob's picture is not shown; fetched %q, note %q", b.fetches(), row.file.note.Text)
	}
	img := row.file.thumb.img.Image
	if s := img.Bounds().Size(); s.X != 320 || s.Y != 240 {
		t.Errorf("the thumbnail is %v, want 320×240 (400×300 scaled to fit)", s)
	}
	if r, _, bl, _ := img.At(10, 120).RGBA(); r>>8 < 200 || bl>>8 > 40 {
		t.Errorf("the thumbnail's left is %v, not red", img.At(10, 120))
	}
	if r, _, bl, _ := img.At(310, 120).RGBA(); bl>>8 < 200 || r>>8 > 40 {
		t.Errorf("the thumbnail's right is %v, not blue", img.At(310, 120))
	}
	i := slices.IndexFunc(a.chat.msgs, func(m Message) bool { return m.Key == "f1" })
	if h, need := a.rowHeightAt(i), row.MinSize().Height; h < 240 || need > h+0.5 {
		t.Errorf("the picture's row is %.0f high; it needs %.0f", h, need)
	}
	if slices.Contains(b.fetches(), plainURL) {
		t.Error("the PDF was downloaded by itself")
	}
	mustNotShow(t, a, "Load picture")

	// A click on it: full size, in a window of its own.
	before := len(fyne.CurrentApp().Driver().AllWindows())
	test.Tap(row.file.thumb)
	if n := len(fyne.CurrentApp().Driver().AllWindows()); n != before+1 || len(a.pictureWindows) != 1 || a.pictureWindows[0].Title() != "photo.png" {
		t.Fatalf("a click on the thumbnail opened %d windows", n-before)
	}
	a.pictureWindows[0].Close()

	selectContact(t, a, "dave@example.net")
	runLater(pending)
	if slices.Contains(b.fetches(), "https://x.example.net/p.png") {
		t.Fatal("a stranger's picture was downloaded by itself")
	}
	row = fileRow(t, a, "p.png")
	if !row.file.load.Visible() || row.file.load.Text != "Load picture" {
		t.Fatal("a stranger's picture offers no Load picture")
	}
	test.Tap(row.file.load)
	runLater(pending)
	if row = fileRow(t, a, "p.png"); !row.file.thumb.Visible() {
		t.Errorf("Load picture did not show it: %q", row.file.note.Text)
	}
}

// With pictures set to "Never", a contact's picture waits for a click
// too.
func TestPicturesCanBeTurnedOff(t *testing.T) {
	b := filesChat(t)
	a, pending := newTestApp(t, b)
	a.fa.Preferences().SetInt(prefPictureMiB, 0)
	selectContact(t, a, "bob@example.org")
	runLater(pending)
	if len(b.fetches()) != 0 {
		t.Errorf("fetched %q with pictures off", b.fetches())
	}
	mustShow(t, a, "Load picture")
}

// A picture whose header claims 50,000×50,000 pixels is refused before
// anything decodes it, and the row says why.
func TestAPictureBombIsNotDecoded(t *testing.T) {
	b := filesChat(t)
	b.files[secretURL] = pngBomb(50000, 50000)
	a, pending := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	runLater(pending)
	row := fileRow(t, a, "photo.png")
	if row.file.thumb.Visible() || !row.file.note.Visible() || !strings.Contains(row.file.note.Text, "50000×50000") {
		t.Errorf("the bomb's row: thumbnail %v, note %q", row.file.thumb.Visible(), row.file.note.Text)
	}
	if _, err := thumbnail([]byte("GIF89a not really"), thumbW, thumbH); err == nil {
		t.Error("a damaged GIF made a thumbnail")
	}
}

// A file dropped on the window goes to the open chat: a row with its
// progress and Cancel while it uploads, then its message. Cancel stops
// it and sends nothing; an error is one line; a folder is refused.
func TestDroppingAFileSendsItWithProgressAndCancel(t *testing.T) {
	b := filesChat(t)
	a, _ := newTestApp(t, b)
	pump := backgroundUploads(a)
	selectContact(t, a, "bob@example.org")
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	drop := func(p string) { a.shell.dropped(fyne.NewPos(300, 300), []fyne.URI{storage.NewFileURI(p)}) }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); !ok(); pump() {
			if time.Now().After(end) {
				t.Fatalf("waited 5 s for %s; the window shows %q", what, rendered(a))
			}
		}
	}

	b.set(make(chan struct{}), nil)
	drop(path)
	mustShow(t, a, "Sending notes.txt (5 bytes)")
	if len(a.transferRows) != 1 {
		t.Fatalf("%d transfers shown", len(a.transferRows))
	}
	tr := a.transferRows[0]
	waitFor("the progress", func() bool { return tr.bar.Value == 10 && tr.bar.Max == 100 })
	var cancel *widget.Button
	walkShown(tr.row, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Button); ok && x.Text == "Cancel" {
			cancel = x
		}
	})
	test.Tap(cancel)
	waitFor("the cancelled upload to end", func() bool { return len(a.transferRows) == 0 && !a.transfers.Visible() })
	if slices.ContainsFunc(a.chat.msgs, func(m Message) bool { return m.File != nil && m.File.Name == "notes.txt" }) || a.notice.Visible() {
		t.Errorf("a cancelled upload left a message or a notice %q", a.notice.Text)
	}

	b.set(nil, nil)
	drop(path)
	waitFor("the file's message", func() bool {
		return slices.ContainsFunc(a.chat.msgs, func(m Message) bool { return m.File != nil && m.File.Name == "notes.txt" })
	})
	mustShow(t, a, "notes.txt")
	mustNotShow(t, a, "https://upload.example.org/x/notes.txt")

	b.set(nil, errors.New("your server offers no file upload (XEP-0363)"))
	drop(path)
	waitFor("the error", func() bool { return a.notice.Visible() })
	if want := "notes.txt not sent: your server offers no file upload (XEP-0363)"; a.notice.Text != want {
		t.Errorf("the notice says %q, want %q", a.notice.Text, want)
	}

	b.set(nil, nil)
	before := b.uploads()
	drop(dir)
	if !strings.Contains(a.notice.Text, "is a folder") || b.uploads() != before {
		t.Errorf("a dropped folder: notice %q, %d uploads", a.notice.Text, b.uploads()-before)
	}
	a.sendFile("bob@example.org", filepath.Join(dir, "gone.txt"))
	if !strings.Contains(a.notice.Text, "cannot read gone.txt") {
		t.Errorf("a missing file: notice %q", a.notice.Text)
	}
}

// backgroundUploads runs a's backend work on goroutines, as the app
// does, and what they hand back to the UI goroutine when the test calls
// pump (which waits a little for it): the test's goroutine is the UI's.
func backgroundUploads(a *Pane) (pump func()) {
	ui := make(chan func(), 64)
	a.async = func(f func()) { go f() }
	a.do = func(f func()) { ui <- f }
	return func() {
		select {
		case f := <-ui:
			f()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (b *fileBackend) uploads() int {
	b.fmu.Lock()
	defer b.fmu.Unlock()
	return len(b.sentPath)
}

func (b *fileBackend) set(gate chan struct{}, err error) {
	b.fmu.Lock()
	defer b.fmu.Unlock()
	b.sendGate, b.sendErr = gate, err
}

// The paperclip is there in a contact's chat and in a room's.
func TestThePaperclipIsForContactsAndRooms(t *testing.T) {
	a, _ := newTestApp(t, filesChat(t))
	if a.attach == nil {
		t.Fatal("no attach button")
	}
	selectContact(t, a, "bob@example.org")
	if !a.attach.Visible() {
		t.Error("no paperclip in bob's chat")
	}
	a.showChatBody(true)
	if !a.attach.Visible() {
		t.Error("no paperclip in a room")
	}
	// A backend that shares no files: no paperclip at all.
	if b, _ := newTestApp(t, threeContacts()); b.attach != nil {
		t.Error("a paperclip without file sharing")
	}
}

// A chat whose messages are not encrypted says that the file goes
// unencrypted; with "never send unencrypted" nothing is uploaded at all.
func TestAFileToAnUnencryptedChatSaysSo(t *testing.T) {
	fb := filesChat(t)
	fb.sendGate = make(chan struct{})
	e := &encFileBackend{fileBackend: fb, state: Encryption{Why: "carol has no OMEMO device"}}
	a, _ := newTestApp(t, e)
	pump := backgroundUploads(a)
	selectContact(t, a, "carol@example.net")
	for end := time.Now().Add(5 * time.Second); a.lockState.Why == "" && time.Now().Before(end); {
		pump() // the lock's state
	}
	path := filepath.Join(t.TempDir(), "plan.txt")
	os.WriteFile(path, []byte("plan"), 0o600)
	a.sendFile("carol@example.net", path)
	const warn = "Not encrypted: carol has no OMEMO device. The file goes to your server as it is, and its link in the clear."
	if shown := strings.Join(rendered(a), " "); !strings.Contains(shown, warn) { // wrapped: lines joined
		t.Errorf("the transfer does not warn %q; the window shows %q", warn, rendered(a))
	}
	if w := a.transferRows[0].bar.Size().Width; w < 200 {
		// The transfers' box, hidden until then, was not laid out again:
		// its row had a negative width (and the painter crashed on it).
		t.Errorf("the transfer's progress bar is %.0f wide", w)
	}
	if dir := os.Getenv("CLOVE_KEEP_SHOTS"); dir != "" {
		var buf bytes.Buffer
		png.Encode(&buf, a.win.Canvas().Capture())
		os.WriteFile(filepath.Join(dir, "ui-transfer.png"), buf.Bytes(), 0o644)
	}
	// The upload runs on its own goroutine: counted before the count
	// below is taken (it failed once under a loaded package run:
	// "uploads 1" — this one, counted late).
	for end := time.Now().Add(5 * time.Second); fb.uploads() == 0 && time.Now().Before(end); {
		pump()
	}
	a.transferRows[0].cancel()

	e.required, e.state = true, Encryption{Why: "carol has no OMEMO device"}
	a.lockState = Encryption{Why: "carol has no OMEMO device", Refused: true}
	sent := fb.uploads()
	a.sendFile("carol@example.net", path)
	if fb.uploads() != sent || !strings.HasPrefix(a.notice.Text, "not sent: Messages to carol@example.net cannot be encrypted") {
		t.Errorf("with encryption required: uploads %d, notice %q", fb.uploads()-sent, a.notice.Text)
	}
}

// Save… writes the whole file at the place chosen and says where; a
// picture already here is written from memory, not downloaded again; a
// failed download leaves no file behind.
func TestSavingAFile(t *testing.T) {
	b := filesChat(t)
	a, pending := newTestApp(t, b)
	selectContact(t, a, "bob@example.org")
	runLater(pending)
	dir := t.TempDir()
	msg := func(key string) Message {
		i := slices.IndexFunc(a.chat.msgs, func(m Message) bool { return m.Key == key })
		return a.chat.msgs[i]
	}

	dst := filepath.Join(dir, "report.pdf")
	a.download(msg("f2"), dst)
	if got, _ := os.ReadFile(dst); string(got) != "%PDF-1.4 report" {
		t.Errorf("saved %q", got)
	}
	mustShow(t, a, "Saved as "+dst)

	fetched := len(b.fetches())
	pic := filepath.Join(dir, "photo.png")
	a.download(msg("f1"), pic)
	if got, _ := os.ReadFile(pic); !bytes.Equal(got, b.files[secretURL]) || len(b.fetches()) != fetched {
		t.Errorf("the picture saved: %d bytes (want %d), downloads %d", len(got), len(b.files[secretURL]), len(b.fetches())-fetched)
	}

	delete(b.files, plainURL)
	bad := filepath.Join(dir, "again.pdf")
	os.WriteFile(bad, nil, 0o600) // what Fyne's save dialog leaves
	a.download(msg("f2"), bad)
	if _, err := os.Stat(bad); err == nil || !strings.Contains(a.notice.Text, "could not save report.pdf: 404 Not Found") {
		t.Errorf("after a failed download: the file is there (%v), notice %q", err, a.notice.Text)
	}
	left, _ := os.ReadDir(dir)
	for _, e := range left {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a temporary file is left: %s", e.Name())
		}
	}
}

// A sender's file name is shown and saved without a path, control or
// bidirectional characters, and is never hidden or empty.
func TestFileNamesAreCleaned(t *testing.T) {
	for in, want := range map[string]string{
		"photo.jpg":              "photo.jpg",
		"../../.bashrc":          "bashrc",
		`C:\Users\x\a.txt`:       "a.txt",
		"gpj.exe\u202e":          "gpj.exe",
		"a\x1b[31mred.txt":       "a[31mred.txt",
		"":                       "file",
		"...":                    "file",
		"tab\there.txt":          "tabhere.txt",
		"写真.png":                 "写真.png",
		strings.Repeat("x", 300): strings.Repeat("x", 119) + "…",
	} {
		if got := fileName(&FileInfo{Name: in}); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0 bytes", 999: "999 bytes", 2048: "2 KiB", 1_572_864: "1.5 MiB", 5 << 20: "5 MiB", 3 << 30: "3 GiB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
