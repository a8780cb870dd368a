package ui

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeProfiler: bob published a profile, carol none; the account's own
// starts with a nickname. fetchErr, when set, fails every fetch.
type fakeProfiler struct {
	*fakeBackend
	mu       sync.Mutex
	kept     map[string]ContactProfile
	fetchErr error
	changes  []map[string]string
	own      map[string]string
}

func (p *fakeProfiler) ProfileFields() []ProfileField {
	return []ProfileField{{"fullname", "Full name"}, {"nickname", "Nickname"}, {"birthday", "Birthday"},
		{"email", "E-mail"}, {"phone", "Phone"}, {"url", "Website"}, {"org", "Organisation"}, {"role", "Role"},
		{"locality", "City"}, {"country", "Country"}, {"note", "About"}}
}

func (p *fakeProfiler) CachedProfile(_ context.Context, peer string) (ContactProfile, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.kept[peer]
	return c, ok, nil
}

var bobValues = map[string]string{"fullname": "Bob Builder", "nickname": "bobby", "birthday": "1990-04-01",
	"email": "bob@example.org", "phone": "+44 20 7946 0000", "url": "https://bob.example.org/", "org": "Builders Ltd",
	"role": "Foreman", "locality": "Bristol", "country": "UK", "note": "Can we fix it? Yes we can — and on Sundays too."}

func (p *fakeProfiler) FetchProfile(_ context.Context, peer string) (ContactProfile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fetchErr != nil {
		return ContactProfile{}, p.fetchErr
	}
	switch peer {
	case "bob@example.org":
		return ContactProfile{Values: bobValues, Fetched: time.Now()}, nil
	case "me@example.org":
		return ContactProfile{Values: p.own, Fetched: time.Now()}, nil
	}
	return ContactProfile{None: true, Fetched: time.Now()}, nil
}

func (p *fakeProfiler) SetProfile(_ context.Context, changes map[string]string) (ContactProfile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changes = append(p.changes, changes)
	for k, v := range changes {
		p.own[k] = v
	}
	return ContactProfile{Values: p.own}, nil
}

// keepShot writes the window as the test driver draws it to
// $CLOVE_KEEP_SHOTS/name (to look at; not a golden image).
func keepShot(t *testing.T, a *Pane, name string) {
	t.Helper()
	dir := os.Getenv("CLOVE_KEEP_SHOTS")
	if dir == "" {
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, a.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A contact's profile: label/value rows in the fields' order, the website
// a link, "none" and errors said in one line, the kept profile shown when
// the fetch fails; the contact menu offers it.
func TestProfileDialog(t *testing.T) {
	p := &fakeProfiler{fakeBackend: threeContacts(), kept: map[string]ContactProfile{}, own: map[string]string{}}
	a, _ := newTestApp(t, p)
	a.showContactMenu("bob@example.org", fyne.NewPos(10, 10))
	if got := strings.Join(overlayTexts(a), "|"); !strings.Contains(got, "Profile…") {
		t.Fatalf("the contact menu has no Profile…: %s", got)
	}
	for _, o := range a.win.Canvas().Overlays().List() {
		a.win.Canvas().Overlays().Remove(o)
	}
	a.showProfile("bob@example.org")
	got := overlayTexts(a)
	joined := strings.Join(got, "|")
	for _, w := range []string{"Profile — bob@example.org", "Full name|Bob Builder", "E-mail|bob@example.org", "City|Bristol", "Country|UK", "About|Can we fix it?"} {
		if !strings.Contains(joined, w) {
			t.Errorf("the dialog does not show %q: %q", w, joined)
		}
	}
	var link *widget.Hyperlink
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if h, ok := o.(*widget.Hyperlink); ok {
				link = h
			}
		})
	}
	if link == nil || link.Text != "https://bob.example.org/" || link.URL.Host != "bob.example.org" {
		t.Errorf("the website is not a link: %+v", link)
	}
	a.win.Resize(fyne.NewSize(900, 640))
	keepShot(t, a, "profile-contact.png")

	for _, o := range a.win.Canvas().Overlays().List() {
		a.win.Canvas().Overlays().Remove(o)
	}
	a.showProfile("carol@example.net")
	if joined := strings.Join(overlayTexts(a), "|"); !strings.Contains(joined, "carol@example.net has not published a profile.") {
		t.Errorf("carol: %q", joined)
	}

	// A click on the chat header's avatar opens it too.
	for _, o := range a.win.Canvas().Overlays().List() {
		a.win.Canvas().Overlays().Remove(o)
	}
	selectContact(t, a, "bob@example.org")
	var clicks *rowClicks
	walkShown(a.header, func(o fyne.CanvasObject) {
		if c, ok := o.(*rowClicks); ok {
			clicks = c
		}
	})
	if clicks == nil {
		t.Fatal("the chat header's avatar takes no click")
	}
	test.Tap(clicks)
	if joined := strings.Join(overlayTexts(a), "|"); !strings.Contains(joined, "Profile — bob@example.org") {
		t.Errorf("a click on the header's avatar: %q", joined)
	}

	// Offline: the kept one, and why it is not new.
	for _, o := range a.win.Canvas().Overlays().List() {
		a.win.Canvas().Overlays().Remove(o)
	}
	p.kept["bob@example.org"] = ContactProfile{Values: map[string]string{"fullname": "Bob (kept)"}, Fetched: time.Date(2026, 3, 1, 10, 0, 0, 0, time.Local)}
	p.fetchErr = errors.New("not connected")
	a.showProfile("bob@example.org")
	joined = strings.Join(overlayTexts(a), " ")
	if !strings.Contains(joined, "Bob (kept)") || !strings.Contains(joined, "Not updated (not connected); shown as fetched 1 Mar 2026 10:00.") {
		t.Errorf("offline: %q", joined)
	}
}

// My profile…: the fields as the server has them, and Save sends only
// what changed.
func TestMyProfileDialog(t *testing.T) {
	p := &fakeProfiler{fakeBackend: threeContacts(), kept: map[string]ContactProfile{}, own: map[string]string{"nickname": "me", "url": "https://me.example"}}
	a, _ := newTestApp(t, p)
	a.showMyProfile()
	var entries []*dialogEntry
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if e, ok := o.(*dialogEntry); ok {
				entries = append(entries, e)
			}
		})
	}
	if len(entries) != 11 {
		t.Fatalf("%d entries, want 11", len(entries))
	}
	if entries[1].Text != "me" || entries[5].Text != "https://me.example" {
		t.Fatalf("not filled from the server: %q %q", entries[1].Text, entries[5].Text)
	}
	test.Type(entries[0], "Me Myself")
	entries[1].SetText("")
	entries[10].SetText("two\nlines")
	a.win.Resize(fyne.NewSize(900, 720))
	keepShot(t, a, "profile-mine.png")
	test.Tap(findButtonIn(t, a.win, "Save"))
	if len(p.changes) != 1 {
		t.Fatalf("saved %d times", len(p.changes))
	}
	c := p.changes[0]
	if len(c) != 3 || c["fullname"] != "Me Myself" || c["nickname"] != "" || c["note"] != "two\nlines" {
		t.Errorf("changes %q, want fullname, nickname removed, note", c)
	}
	if _, ok := c["url"]; ok {
		t.Error("an unchanged field was sent")
	}
}

// The website in a profile opens only on a click, as a link in a
// message: a web address in the browser, an I2P site only after asking
// (the browser must use I2P's proxy), a value that is no address as text.
func TestProfileWebsiteLink(t *testing.T) {
	p := &fakeProfiler{fakeBackend: threeContacts(), kept: map[string]ContactProfile{}, own: map[string]string{}}
	a, _ := newTestApp(t, p)
	var opened []string
	a.openURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
	link := func(val string) *widget.Hyperlink {
		v := a.newProfileView()
		v.show(p.ProfileFields(), ContactProfile{Values: map[string]string{"url": val}})
		var h *widget.Hyperlink
		walkShown(v.body, func(o fyne.CanvasObject) {
			if x, ok := o.(*widget.Hyperlink); ok {
				h = x
			}
		})
		return h
	}
	h := link("https://bob.example.org/")
	if len(opened) != 0 {
		t.Fatalf("opened before a click: %q", opened)
	}
	h.OnTapped() // what Fyne calls on a click over the text
	if len(opened) != 1 || opened[0] != "https://bob.example.org/" {
		t.Fatalf("a click opened %q", opened)
	}
	link("stats.i2p/bob").OnTapped()
	if len(opened) != 1 {
		t.Fatalf("an I2P site was opened without asking: %q", opened)
	}
	if joined := strings.Join(overlayTexts(a), " "); !strings.Contains(joined, "I2P") {
		t.Errorf("no question before the I2P site: %q", joined)
	}
	for _, notLink := range []string{"javascript:alert(1)", "file:///etc/passwd", "just text"} {
		if h := link(notLink); h != nil {
			t.Errorf("%q shown as a link", notLink)
		}
	}
}
