package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/clove-xmpp/clove/omemo"
)

// Encryptor is a backend whose account encrypts end to end (OMEMO). The
// pane then shows a lock by the composer (closed: what is sent to this
// contact is encrypted; open: it is not, and why), marks each encrypted
// message, and shows the keys to compare and trust.
type Encryptor interface {
	// Encryption says whether a message to peer would go encrypted now.
	Encryption(ctx context.Context, peer string) (Encryption, error)
	// RoomEncryption is Encryption for a room we are in: on in a private
	// room (members-only, real addresses shown) whose members all have
	// OMEMO devices.
	RoomEncryption(ctx context.Context, room string) (Encryption, error)
	// Keys returns this device's key and the keys seen of peer's devices.
	Keys(ctx context.Context, peer string) (own DeviceKey, theirs []DeviceKey, err error)
	// SetKeyTrust records that the user compared peer's key fingerprint
	// (verified) or refuses it (!verified: nothing is encrypted to that
	// device or accepted from it any more).
	SetKeyTrust(ctx context.Context, peer, fingerprint string, verified bool) error
	// RequireEncryption says whether the account sends nothing
	// unencrypted; SetRequireEncryption turns that on or off.
	RequireEncryption(ctx context.Context) (bool, error)
	SetRequireEncryption(ctx context.Context, on bool) error
}

// Encryption is whether messages to a contact go end-to-end encrypted.
type Encryption struct {
	On      bool
	Devices int    // their devices a message is encrypted to
	Why     string // when off: why, in the user's words
	// Members: in a room, the members messages are encrypted for.
	Members []string
	// Refused: off, and the account sends nothing unencrypted: a message
	// to them fails (and waits until it can go out encrypted).
	Refused bool
}

// DeviceKey is one device's OMEMO identity key.
type DeviceKey struct {
	Device      uint32
	Fingerprint string // hex, as other clients show it (in groups of 8)
	Trust       string // blind (trusted unverified), verified, undecided, distrusted
}

func (a *Pane) encryptor() Encryptor {
	e, _ := a.backend.(Encryptor)
	return e
}

// lockIcon: a closed padlock (encrypted); openLockIcon: an open one.
var (
	lockIcon     = fyne.NewStaticResource("lock.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 5a3 3 0 0 1 6 0v3H9z"/></svg>`))
	openLockIcon = fyne.NewStaticResource("lock-open.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M12 2a5 5 0 0 0-5 5v1h2V7a3 3 0 0 1 6 0v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5z"/></svg>`))
)

// newLockButton is the lock by the composer; hidden until a chat with a
// contact (not a room) is open.
func (a *Pane) newLockButton() *widget.Button {
	b := widget.NewButtonWithIcon("", theme.NewThemedResource(openLockIcon), func() {
		if a.chat != nil {
			a.showEncryption(a.chat.peer)
		}
	})
	b.Importance = widget.LowImportance
	b.Hide()
	return b
}

// refreshLock asks whether messages to the open chat's contact go
// encrypted and shows it on the lock.
func (a *Pane) refreshLock() {
	e := a.encryptor()
	ch := a.chat
	if e == nil || a.lock == nil {
		return
	}
	if ch == nil {
		a.lock.Hide()
		return
	}
	peer := ch.peer
	room := a.isRoom(peer)
	a.async(func() {
		var st Encryption
		var err error
		if room {
			// Rooms are outside require-encryption: never refused.
			st, err = e.RoomEncryption(a.ctx, peer)
		} else if st, err = e.Encryption(a.ctx, peer); err == nil && !st.On {
			st.Refused, _ = e.RequireEncryption(a.ctx)
		}
		a.do(func() {
			if a.chat == nil || a.chat.peer != peer {
				return
			}
			if err != nil {
				st = Encryption{Why: err.Error()}
			}
			a.lockState = st
			switch {
			case st.On:
				a.lock.SetIcon(theme.NewSuccessThemedResource(lockIcon))
			case st.Refused: // nothing goes out: say so in red
				a.lock.SetIcon(theme.NewErrorThemedResource(openLockIcon))
			default:
				a.lock.SetIcon(theme.NewThemedResource(openLockIcon))
			}
			a.lock.Show()
		})
	})
}

// roomEncryptionText says in words what the lock shows for a room.
func roomEncryptionText(st Encryption) string {
	if st.On {
		who := fmt.Sprintf("its %d members (below)", len(st.Members))
		if len(st.Members) <= maxNamedMembers {
			who = andList(st.Members)
		}
		return fmt.Sprintf("Messages in this group chat are end-to-end encrypted (OMEMO) to the devices of %s and to your other devices: the servers cannot read them. Each member's keys are in the lock's dialog of a chat with them.", who)
	}
	why := st.Why
	if why == "" {
		why = "the room is not private"
	}
	return fmt.Sprintf("Messages in this group chat are not end-to-end encrypted: %s. The room's server and everyone in it can read them. Clove encrypts a group chat that is members-only and shows members' addresses (as Start group chat… makes them) when every member has an OMEMO device.", why)
}

// maxNamedMembers: up to this many, the room's members are named in the
// sentence; more are listed under it.
const maxNamedMembers = 3

// andList is "a", "a and b", "a, b and c".
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// roomEncryptionDialog shows whether the room's messages are encrypted,
// and for whom.
func (a *Pane) roomEncryptionDialog(room string, st Encryption) {
	msg := widget.NewLabel(roomEncryptionText(st))
	msg.Wrapping = fyne.TextWrapWord
	rows := []fyne.CanvasObject{msg}
	if st.On && len(st.Members) > maxNamedMembers {
		rows = append(rows, widget.NewLabelWithStyle("Encrypted for", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, m := range st.Members {
			rows = append(rows, widget.NewLabel(m))
		}
	}
	content := container.NewVBox(rows...)
	body := container.NewVScroll(content)
	d := dialog.NewCustom("Encryption — "+room, "Close", body, a.win)
	showDialog(a.win, d)
	fitDialog(a.win, d, body, content, 560)
}

// encryptionText says in words what the lock shows for peer.
func encryptionText(peer string, st Encryption) string {
	if st.On {
		devices := "1 device"
		if st.Devices != 1 {
			devices = fmt.Sprintf("%d devices", st.Devices)
		}
		return fmt.Sprintf("Messages to %s are end-to-end encrypted (OMEMO) to their %s and your other devices: the servers cannot read them.", peer, devices)
	}
	why := st.Why
	if why == "" {
		why = "no OMEMO device of theirs is known"
	}
	if st.Refused {
		return fmt.Sprintf("Messages to %s cannot be encrypted: %s. This account sends nothing unencrypted, so they are not sent; they wait until they can go out encrypted.", peer, why)
	}
	return fmt.Sprintf("Messages to %s are not encrypted: %s. Your server and theirs can read them.", peer, why)
}

// trustText words a key's trust.
func trustText(t string) string {
	switch t {
	case "verified":
		return "verified"
	case "distrusted":
		return "distrusted: nothing is encrypted to it or accepted from it"
	case "undecided":
		return "new, not trusted yet"
	default:
		return "trusted, not verified"
	}
}

// showEncryption shows whether messages to peer are encrypted, this
// device's fingerprint and peer's keys, each of which can be marked
// verified (compared with what peer's client shows) or distrusted.
func (a *Pane) showEncryption(peer string) {
	e := a.encryptor()
	if e == nil {
		return
	}
	if a.isRoom(peer) {
		a.async(func() {
			st, err := e.RoomEncryption(a.ctx, peer)
			if err != nil {
				st = Encryption{Why: err.Error()}
			}
			a.do(func() { a.roomEncryptionDialog(peer, st) })
		})
		return
	}
	a.async(func() {
		own, theirs, err := e.Keys(a.ctx, peer)
		var required bool
		if err == nil {
			required, err = e.RequireEncryption(a.ctx)
		}
		st, serr := e.Encryption(a.ctx, peer)
		if serr != nil {
			st = Encryption{Why: serr.Error()}
		}
		st.Refused = !st.On && required
		a.do(func() {
			if err != nil {
				showError(a.win, err, nil)
				return
			}
			a.encryptionDialog(peer, st, own, theirs, required)
		})
	})
}

func (a *Pane) encryptionDialog(peer string, st Encryption, own DeviceKey, theirs []DeviceKey, required bool) {
	status := widget.NewLabel(encryptionText(peer, st))
	status.Wrapping = fyne.TextWrapWord
	mono := fyne.TextStyle{Monospace: true}
	bold := fyne.TextStyle{Bold: true}
	rows := []fyne.CanvasObject{
		status,
		widget.NewLabelWithStyle("This device", fyne.TextAlignLeading, bold),
		widget.NewLabelWithStyle(omemo.FormatFingerprint(own.Fingerprint), fyne.TextAlignLeading, mono),
		widget.NewLabelWithStyle(peer+"'s devices", fyne.TextAlignLeading, bold),
	}
	var d dialog.Dialog
	if len(theirs) == 0 {
		none := widget.NewLabel("No key of theirs seen yet: a key is seen once a message has been encrypted to or from that device.")
		none.Wrapping = fyne.TextWrapWord
		rows = append(rows, none)
	}
	for _, k := range theirs {
		k := k
		set := func(verified bool) {
			e := a.encryptor()
			a.async(func() {
				err := e.SetKeyTrust(a.ctx, peer, k.Fingerprint, verified)
				a.do(func() {
					if err != nil {
						showError(a.win, err, nil)
						return
					}
					d.Hide()
					a.refreshLock() // a distrusted device is left out
					a.showEncryption(peer)
				})
			})
		}
		buttons := container.NewHBox()
		if k.Trust != "verified" {
			buttons.Add(widget.NewButton("Verified", func() { set(true) }))
		}
		if k.Trust != "distrusted" {
			buttons.Add(widget.NewButton("Distrust", func() { set(false) }))
		}
		rows = append(rows,
			widget.NewLabel(fmt.Sprintf("Device %d: %s", k.Device, trustText(k.Trust))),
			widget.NewLabelWithStyle(omemo.FormatFingerprint(k.Fingerprint), fyne.TextAlignLeading, mono),
			buttons)
	}
	hint := widget.NewLabel("Compare these with what their client shows for your device (and you with theirs), in person or on another channel; mark a key Verified when they match.")
	hint.Wrapping = fyne.TextWrapWord
	rows = append(rows, hint)
	require := newDialogCheck("Never send unencrypted from this account", nil)
	require.SetChecked(required)
	require.OnChanged = func(on bool) {
		e := a.encryptor()
		a.async(func() {
			err := e.SetRequireEncryption(a.ctx, on)
			a.do(func() {
				if err != nil {
					showError(a.win, err, nil)
					return
				}
				a.refreshLock()
			})
		})
	}
	rows = append(rows, require)
	if a.profiler() != nil { // the contact's details, as Gajim's tabs join them
		rows = append(rows, container.NewHBox(widget.NewButton("Profile…", func() { a.showProfile(peer) })))
	}
	body := container.NewVScroll(container.NewVBox(rows...))
	d = dialog.NewCustom("Encryption — "+peer, "Close", body, a.win)
	showDialog(a.win, d)
	fitDialog(a.win, d, body, body.Content, 640)
}

// OnMessageEncrypted marks our message key as having gone out encrypted.
// Safe from any goroutine.
func (a *Pane) OnMessageEncrypted(key string) {
	a.do(func() {
		if ch := a.chat; ch != nil {
			for i := range ch.msgs {
				if ch.msgs[i].Key == key {
					ch.msgs[i].Encrypted = true
					a.msgList.RefreshItem(i)
					return
				}
			}
		}
		if len(a.earlyEnc) > 1000 {
			clear(a.earlyEnc)
		}
		a.earlyEnc[key] = true // Send has not returned to the window yet
	})
}

// OnNewDevices announces new OMEMO devices of peer in their chat, as
// Conversations and Dino do: what is sent to peer is encrypted to them too
// from now on (trusted without verification). Devices of the account
// itself are said above the open chat: one not the user's would read
// everything. Safe from any goroutine.
func (a *Pane) OnNewDevices(peer string, devices []uint32) {
	a.do(func() {
		ids := make([]string, len(devices))
		for i, d := range devices {
			ids[i] = fmt.Sprint(d)
		}
		if peer == a.account {
			a.showNotice(fmt.Sprintf("A new device of your account (%s) now gets your encrypted messages. If you did not add it, someone has your password: change it, and distrust the device (the lock's dialog in a chat).", strings.Join(ids, ", ")))
			return
		}
		what := "a new device"
		if len(devices) > 1 {
			what = "new devices"
		}
		n := Message{Peer: peer, Notice: true, Time: time.Now(),
			Body: fmt.Sprintf("%s has %s (%s). What you send is encrypted to it too, trusted without verification: compare its key in the lock's dialog.", peer, what, strings.Join(ids, ", "))}
		a.notes[peer] = append(a.notes[peer], n)
		if len(a.notes[peer]) > 20 {
			a.notes[peer] = a.notes[peer][1:]
		}
		if ch := a.chat; ch != nil && ch.peer == peer {
			ch.msgs = append(ch.msgs, n)
			a.setHeights(len(ch.msgs) - 1)
			a.msgList.Refresh()
			a.msgList.ScrollToBottom()
			a.refreshLock()
		}
	})
}

// showNotes adds Clove's notices about peer to their chat once its
// history is loaded (they are not stored: this run's only).
func (a *Pane) showNotes(peer string) {
	ch := a.chat
	if ch == nil || ch.peer != peer || len(a.notes[peer]) == 0 {
		return
	}
	// In their place by time, as they were shown when they came: a notice
	// older than the first page waits for the page it belongs to.
	for _, n := range a.notes[peer] {
		if ch.more && len(ch.msgs) > 0 && n.Time.Before(ch.msgs[0].Time) {
			ch.dropped = append(ch.dropped, droppedNotice{m: n})
			continue
		}
		ch.msgs = insertByTime(ch.msgs, n)
	}
	a.setHeights(0)
	a.msgList.Refresh()
	a.msgList.ScrollToBottom()
}
