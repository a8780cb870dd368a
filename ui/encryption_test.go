package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeEncryptor: bob has one OMEMO device with a key seen, carol none.
type fakeEncryptor struct {
	*fakeBackend
	mu       sync.Mutex
	trust    map[string]string // fingerprint -> trust
	required bool
}

func (e *fakeEncryptor) RequireEncryption(context.Context) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.required, nil
}

func (e *fakeEncryptor) SetRequireEncryption(_ context.Context, on bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.required = on
	return nil
}

const (
	ownFP = "05aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233"
	bobFP = "05bb11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112244"
)

func (e *fakeEncryptor) Encryption(_ context.Context, peer string) (Encryption, error) {
	if peer == "bob@example.org" {
		return Encryption{On: true, Devices: 1}, nil
	}
	return Encryption{Why: "no OMEMO device of theirs is known"}, nil
}

func (e *fakeEncryptor) RoomEncryption(_ context.Context, room string) (Encryption, error) {
	switch room {
	case "team@rooms.example.org":
		return Encryption{On: true, Members: []string{"bob@example.org", "carol@example.org"}}, nil
	case "big@rooms.example.org":
		return Encryption{On: true, Members: []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}}, nil
	}
	return Encryption{Why: "the room is not private: OMEMO needs a members-only room that shows members' addresses"}, nil
}

func (e *fakeEncryptor) Keys(_ context.Context, peer string) (DeviceKey, []DeviceKey, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	own := DeviceKey{Device: 111, Fingerprint: ownFP, Trust: "verified"}
	if peer != "bob@example.org" {
		return own, nil, nil
	}
	return own, []DeviceKey{{Device: 4242, Fingerprint: bobFP, Trust: e.trust[bobFP]}}, nil
}

func (e *fakeEncryptor) SetKeyTrust(_ context.Context, peer, fp string, verified bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.trust[fp] = map[bool]string{true: "verified", false: "distrusted"}[verified]
	return nil
}

// The lock by the composer says whether messages to the open contact are
// encrypted; encrypted messages carry a lock; the lock's dialog shows this
// device's and the contact's fingerprints in groups of 8 and marks a key
// verified.
func TestTheLockShowsEncryptionAndKeys(t *testing.T) {
	b := threeContacts()
	b.history["bob@example.org"][2].Encrypted = true
	e := &fakeEncryptor{fakeBackend: b, trust: map[string]string{bobFP: "blind"}}
	a, _ := newTestApp(t, e)
	if a.lock == nil || a.lock.Visible() {
		t.Fatal("the lock is missing, or shown with no chat open")
	}
	selectContact(t, a, "bob@example.org")
	if !a.lock.Visible() || !a.lockState.On || !strings.Contains(a.lock.Icon.Name(), "lock.svg") {
		t.Fatalf("bob's chat: lock shown %v, state %+v, icon %s", a.lock.Visible(), a.lockState, a.lock.Icon.Name())
	}
	locks := 0
	for i := range a.chat.msgs {
		if a.chat.msgs[i].Encrypted {
			locks++
		}
	}
	if locks != 1 {
		t.Fatalf("%d encrypted messages in bob's chat, want 1", locks)
	}
	shownLocks := 0
	walkShown(a.msgList, func(o fyne.CanvasObject) {
		if r, ok := o.(*messageRow); ok && r.lock.Visible() {
			shownLocks++
		}
	})
	if shownLocks != 1 {
		t.Errorf("%d message rows show a lock, want 1 (the encrypted message)", shownLocks)
	}

	test.Tap(a.lock)
	texts := strings.Join(overlayTexts(a), "\n")
	for _, want := range []string{
		"end-to-end encrypted (OMEMO) to their 1 device",
		"05aa11bb 22cc33dd 44ee55ff", // this device, grouped
		"Device 4242: trusted, not verified",
		"05bb11bb 22cc33dd 44ee55ff",
	} {
		if !strings.Contains(texts, want) {
			t.Fatalf("the encryption dialog lacks %q:\n%s", want, texts)
		}
	}
	test.Tap(findButtonIn(t, a.win, "Verified"))
	if e.trust[bobFP] != "verified" {
		t.Fatalf("bob's key is %q after Verified", e.trust[bobFP])
	}
	if texts := strings.Join(overlayTexts(a), "\n"); !strings.Contains(texts, "Device 4242: verified") {
		t.Fatalf("the dialog shown again does not say verified:\n%s", texts)
	}

	// Carol has no OMEMO: an open lock, and why.
	for _, o := range a.win.Canvas().Overlays().List() {
		a.win.Canvas().Overlays().Remove(o)
	}
	selectContact(t, a, "carol@example.net")
	if a.lockState.On || !strings.Contains(a.lock.Icon.Name(), "lock-open.svg") {
		t.Fatalf("carol's chat: state %+v, icon %s", a.lockState, a.lock.Icon.Name())
	}
	test.Tap(a.lock)
	if texts := strings.Join(overlayTexts(a), "\n"); !strings.Contains(texts, "not encrypted: no OMEMO device of theirs is known") {
		t.Fatalf("carol's encryption dialog:\n%s", texts)
	}
	// "Never send unencrypted": the account's option; the lock turns red
	// and says messages to carol are not sent.
	var box *dialogCheck
	for _, o := range a.win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if c, ok := o.(*dialogCheck); ok {
				box = c
			}
		})
	}
	if box == nil || box.Checked {
		t.Fatalf("no unticked 'Never send unencrypted' box: %v", box)
	}
	box.SetChecked(true)
	if !e.required || !a.lockState.Refused || !strings.Contains(a.lock.Icon.Name(), "error") {
		t.Fatalf("after ticking: required %v, state %+v, icon %s", e.required, a.lockState, a.lock.Icon.Name())
	}
	if !strings.Contains(encryptionText("carol@example.net", a.lockState), "so they are not sent") {
		t.Errorf("the refused state's words: %q", encryptionText("carol@example.net", a.lockState))
	}
}

// A room's lock says whether its messages are encrypted: open, with the
// reason, for an open room; closed, naming the members, for a private
// room whose members all have OMEMO; a room's encrypted message carries
// a lock.
func TestARoomSaysWhetherItIsEncrypted(t *testing.T) {
	for _, tc := range []struct {
		room string
		on   bool
		want []string
	}{
		{"lounge@rooms.example.org", false, []string{"not end-to-end encrypted: the room is not private", "members-only"}},
		{"team@rooms.example.org", true, []string{"end-to-end encrypted (OMEMO) to the devices of bob@example.org and carol@example.org and to your other devices"}},
		{"big@rooms.example.org", true, []string{"to the devices of its 4 members (below)", "Encrypted for", "a@example.org", "d@example.org"}},
	} {
		t.Run(tc.room, func(t *testing.T) {
			b := threeContacts()
			b.contacts = append(b.contacts, Contact{JID: tc.room, Room: true})
			a, _ := newTestApp(t, &fakeEncryptor{fakeBackend: b, trust: map[string]string{}})
			selectContact(t, a, tc.room)
			if !a.lock.Visible() || a.lockState.On != tc.on {
				t.Fatalf("the room's lock: shown %v, state %+v", a.lock.Visible(), a.lockState)
			}
			test.Tap(a.lock)
			texts := strings.Join(overlayTexts(a), "\n")
			for _, w := range tc.want {
				if !strings.Contains(texts, w) {
					t.Errorf("the room's encryption dialog lacks %q:\n%s", w, texts)
				}
			}
		})
	}
}

// A message of ours said encrypted before Send returned is shown with its
// lock all the same.
func TestOurMessageMarkedEncryptedEarly(t *testing.T) {
	b := threeContacts()
	e := &fakeEncryptor{fakeBackend: b, trust: map[string]string{}}
	a, _ := newTestApp(t, e)
	b.onSend = func(m Message) { a.OnMessageEncrypted(m.Key) }
	selectContact(t, a, "bob@example.org")
	a.send("secret plans")
	last := a.chat.msgs[len(a.chat.msgs)-1]
	if last.Body != "secret plans" || !last.Encrypted {
		t.Fatalf("the message sent: %+v; want it marked encrypted", last)
	}
}

// A contact's new OMEMO device is announced in their chat (open or opened
// later), after the history; one of the account's own is said above the
// chat.
func TestNewDevicesAreAnnounced(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, &fakeEncryptor{fakeBackend: b, trust: map[string]string{}})
	a.OnNewDevices("bob@example.org", []uint32{777})
	selectContact(t, a, "bob@example.org")
	last := a.chat.msgs[len(a.chat.msgs)-1]
	if !last.Notice || !strings.Contains(last.Body, "bob@example.org has a new device (777)") {
		t.Fatalf("bob's chat ends with %+v; want the new device's notice", last)
	}
	mustShow(t, a, "Clove")
	a.OnNewDevices("bob@example.org", []uint32{778, 779}) // chat open: at once
	if last := a.chat.msgs[len(a.chat.msgs)-1]; !strings.Contains(last.Body, "new devices (778, 779)") {
		t.Fatalf("then: %+v", last)
	}
	if it := a.byJID["bob@example.org"]; it.unread != 0 {
		t.Errorf("a notice counted as unread: %d", it.unread)
	}
	a.OnNewDevices("me@example.org", []uint32{5})
	if !a.notice.Visible() || !strings.Contains(a.notice.Text, "A new device of your account (5)") {
		t.Errorf("own new device: notice %v %q", a.notice.Visible(), a.notice.Text)
	}
}

// A contact's keys are also in their right-click menu ("Encryption
// keys…"), with the contact's own state, whichever chat is open.
func TestContactMenuShowsKeys(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, &fakeEncryptor{fakeBackend: b, trust: map[string]string{bobFP: "blind"}})
	selectContact(t, a, "carol@example.net") // not encrypted
	a.showContactMenu("bob@example.org", fyne.NewPos(10, 10))
	if texts := strings.Join(overlayTexts(a), "\n"); !strings.Contains(texts, "Encryption keys…") {
		t.Fatalf("bob's menu has no \"Encryption keys…\":\n%s", texts)
	}
	a.win.Canvas().Overlays().Remove(a.win.Canvas().Overlays().Top())
	a.showEncryption("bob@example.org") // the item's action
	texts := strings.Join(overlayTexts(a), "\n")
	if !strings.Contains(texts, "Encryption — bob@example.org") || !strings.Contains(texts, "end-to-end encrypted (OMEMO)") || !strings.Contains(texts, "05bb11bb") {
		t.Fatalf("bob's keys with carol's chat open:\n%s", texts)
	}
}
