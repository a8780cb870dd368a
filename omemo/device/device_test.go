package device

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/omemo"
	"github.com/clove-xmpp/clove/store"
)

const (
	alice = "alice@example.org"
	bob   = "bob@example.org"
)

// device is one OMEMO device: its own profile (a real SQLite store) and
// account state, as on its own computer.
type device struct {
	path string
	st   *store.Store
	acc  *Account
}

func (d *device) addr() omemo.Address {
	return omemo.Address{JID: d.acc.JID(), Device: d.acc.DeviceID()}
}

// newDevice makes a profile for jid in a temporary directory and opens its
// OMEMO state (generating the device).
func newDevice(tb testing.TB, jid string) *device {
	tb.Helper()
	ctx := context.Background()
	d := &device{path: filepath.Join(tb.TempDir(), "clove.db")}
	st, err := store.Open(ctx, d.path)
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	if err := st.AddAccount(ctx, store.Account{JID: jid}); err != nil {
		tb.Fatalf("AddAccount: %v", err)
	}
	d.st = st
	tb.Cleanup(func() { _ = d.st.Close() })
	if d.acc, err = Open(ctx, st, jid); err != nil {
		tb.Fatalf("Open(%s): %v", jid, err)
	}
	return d
}

// reopen closes the device's store and opens it and its OMEMO state again.
func (d *device) reopen(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	jid, id := d.acc.JID(), d.acc.DeviceID()
	if err := d.st.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	st, err := store.Open(ctx, d.path)
	if err != nil {
		tb.Fatalf("store.Open again: %v", err)
	}
	d.st = st
	if d.acc, err = Open(ctx, st, jid); err != nil {
		tb.Fatalf("Open again: %v", err)
	}
	if d.acc.DeviceID() != id {
		tb.Fatalf("device id after reopening = %d, want %d", d.acc.DeviceID(), id)
	}
}

// roundTrip marshals v with encoding/xml and parses it back with parse:
// everything in the tests goes through the XML a peer would see.
func roundTrip[T any](tb testing.TB, v xml.Marshaler, parse func(xml.TokenReader) (T, error)) T {
	tb.Helper()
	b, err := xml.Marshal(v)
	if err != nil {
		tb.Fatalf("xml.Marshal: %v", err)
	}
	out, err := parse(xml.NewDecoder(bytes.NewReader(b)))
	if err != nil {
		tb.Fatalf("parse %s: %v", b, err)
	}
	return out
}

// learn makes from build a session with to from to's published bundle.
func learn(tb testing.TB, from, to *device) {
	tb.Helper()
	ctx := context.Background()
	b, err := to.acc.Bundle(ctx)
	if err != nil {
		tb.Fatalf("Bundle: %v", err)
	}
	if err := from.acc.ProcessBundle(ctx, to.addr(), roundTrip(tb, b, omemo.ParseBundle)); err != nil {
		tb.Fatalf("ProcessBundle(%s): %v", to.addr(), err)
	}
}

func encrypt(tb testing.TB, from *device, text string, to ...*device) *omemo.Encrypted {
	tb.Helper()
	var addrs []omemo.Address
	for _, d := range to {
		addrs = append(addrs, d.addr())
	}
	e, err := from.acc.Encrypt(context.Background(), []byte(text), addrs)
	if err != nil {
		tb.Fatalf("Encrypt from %s: %v", from.addr(), err)
	}
	return roundTrip(tb, e, omemo.ParseEncrypted)
}

func decrypt(tb testing.TB, to *device, from *device, e *omemo.Encrypted) *omemo.Decrypted {
	tb.Helper()
	m, err := to.acc.Decrypt(context.Background(), from.acc.JID(), e)
	if err != nil {
		tb.Fatalf("Decrypt at %s from %s: %v", to.addr(), from.addr(), err)
	}
	return m
}

func keyFor(e *omemo.Encrypted, d *device) *omemo.Key {
	for i := range e.Keys {
		if e.Keys[i].RID == d.acc.DeviceID() {
			return &e.Keys[i]
		}
	}
	return nil
}

func countPreKeys(tb testing.TB, d *device) int {
	tb.Helper()
	var n int
	err := d.st.OMEMORead(context.Background(), d.acc.JID(), func(t *store.OMEMOTx) error {
		var err error
		n, err = t.CountPreKeys()
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestConversation: alice with one device (and a second one of her own
// that gets copies), bob with two; pre-key messages, then normal ones both
// ways, key transport, reopening the stores, replays.
func TestConversation(t *testing.T) {
	ctx := context.Background()
	a1, a2 := newDevice(t, alice), newDevice(t, alice)
	b1, b2 := newDevice(t, bob), newDevice(t, bob)

	if got := countPreKeys(t, b1); got != PreKeyCount {
		t.Fatalf("new device has %d pre-keys, want %d", got, PreKeyCount)
	}
	for _, d := range []*device{a1, a2, b1, b2} {
		if id := d.acc.DeviceID(); id == 0 || id > 1<<31-1 {
			t.Fatalf("device id %d out of [1, 2^31-1]", id)
		}
	}

	// alice's first message: pre-key messages to bob's two devices and
	// her own second device.
	learn(t, a1, b1)
	learn(t, a1, b2)
	learn(t, a1, a2)
	first := encrypt(t, a1, "hello bob", b1, b2, a2)
	if len(first.Keys) != 3 {
		t.Fatalf("first message has %d keys, want 3", len(first.Keys))
	}
	for _, d := range []*device{b1, b2, a2} {
		if k := keyFor(first, d); k == nil || !k.PreKey {
			t.Fatalf("key for %s: %+v, want a pre-key message", d.addr(), k)
		}
		m := decrypt(t, d, a1, first)
		if string(m.Plaintext) != "hello bob" || !m.PreKey || !m.RefillPreKeys || !m.NewKey || m.Trust != omemo.Blind {
			t.Errorf("at %s: %q prekey=%v refill=%v new=%v trust=%s", d.addr(), m.Plaintext, m.PreKey, m.RefillPreKeys, m.NewKey, m.Trust)
		}
		if m.Fingerprint != a1.acc.Fingerprint() {
			t.Errorf("at %s: sender fingerprint %s, want %s", d.addr(), m.Fingerprint, a1.acc.Fingerprint())
		}
		if got := countPreKeys(t, d); got != PreKeyCount-1 {
			t.Errorf("at %s: %d pre-keys after a pre-key message, want %d", d.addr(), got, PreKeyCount-1)
		}
	}

	// The pre-key message replayed: refused, nothing changes.
	if _, err := b1.acc.Decrypt(ctx, alice, first); !errors.Is(err, omemo.ErrReplay) {
		t.Errorf("replayed pre-key message: err = %v, want ErrReplay", err)
	}

	// bob's device answers with an empty key transport message: alice
	// takes it quietly.
	kt, err := b1.acc.KeyTransport(ctx, []omemo.Address{a1.addr()})
	if err != nil {
		t.Fatalf("KeyTransport: %v", err)
	}
	kt = roundTrip(t, kt, omemo.ParseEncrypted)
	if kt.Payload != nil {
		t.Fatalf("key transport has a payload")
	}
	if m := decrypt(t, a1, b1, kt); !m.KeyTransport || m.Plaintext != nil || m.PreKey {
		t.Errorf("key transport: %+v", m)
	}

	// Normal messages both ways; b2 gets its copies through a session from
	// a pre-key message it received, b1 sends to its sibling b2 too.
	learn(t, b1, b2)
	for i, tc := range []struct {
		from *device
		to   []*device
		text string
	}{
		{a1, []*device{b1, b2, a2}, "second from alice"},
		{b1, []*device{a1, b2}, "reply from bob"},
		{a1, []*device{b1, b2, a2}, "third from alice"},
		{b2, []*device{a1}, "from bob's other device"},
		{b1, []*device{a1, b2}, "bob again"},
		{a1, []*device{b1, b2, a2}, "ünïcødé ✓ and a long text " + strings.Repeat("x", 5000)},
	} {
		e := encrypt(t, tc.from, tc.text, tc.to...)
		for _, d := range tc.to {
			m := decrypt(t, d, tc.from, e)
			if string(m.Plaintext) != tc.text {
				t.Errorf("%d: at %s: got %.40q, want %.40q", i, d.addr(), m.Plaintext, tc.text)
			}
		}
		// Once alice has heard from bob's devices, she no longer sends them
		// pre-key messages.
		if tc.from == a1 && i >= 2 {
			if k := keyFor(e, b1); k.PreKey {
				t.Errorf("%d: still a pre-key message to %s after its reply", i, b1.addr())
			}
		}
	}

	// Reopen every store: sessions, keys and trust survive.
	for _, d := range []*device{a1, a2, b1, b2} {
		d.reopen(t)
	}
	e := encrypt(t, a1, "after a restart", b1, b2, a2)
	for _, d := range []*device{b1, b2, a2} {
		// a2 never wrote to a1, so a1 still sends it pre-key messages (on
		// the same session, consuming no other pre-key); bob's devices did.
		m := decrypt(t, d, a1, e)
		if string(m.Plaintext) != "after a restart" || m.NewKey || m.PreKey != (d == a2) || m.RefillPreKeys {
			t.Errorf("after reopen at %s: %q new=%v prekey=%v refill=%v", d.addr(), m.Plaintext, m.NewKey, m.PreKey, m.RefillPreKeys)
		}
	}
	back := encrypt(t, b1, "bob after a restart", a1)
	if m := decrypt(t, a1, b1, back); string(m.Plaintext) != "bob after a restart" {
		t.Errorf("after reopen at alice: %q", m.Plaintext)
	}

	// A normal message replayed: refused.
	if _, err := b2.acc.Decrypt(ctx, alice, e); !errors.Is(err, omemo.ErrReplay) {
		t.Errorf("replayed message: err = %v, want ErrReplay", err)
	}

	// Refill: the consumed pre-key is replaced, with a new id.
	made, err := b1.acc.RefillPreKeys(ctx)
	if err != nil || made != 1 {
		t.Fatalf("RefillPreKeys = %d, %v; want 1", made, err)
	}
	bundle, err := b1.acc.Bundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bundle.PreKeys) != PreKeyCount || bundle.PreKeys[len(bundle.PreKeys)-1].ID != PreKeyCount+1 {
		t.Errorf("bundle after refill: %d pre-keys, last id %d", len(bundle.PreKeys), bundle.PreKeys[len(bundle.PreKeys)-1].ID)
	}
}

// TestOpenKeepsDevice: the device is made once per account; private keys
// stay in the store.
func TestOpenKeepsDevice(t *testing.T) {
	ctx := context.Background()
	d := newDevice(t, alice)
	again, err := Open(ctx, d.st, alice)
	if err != nil {
		t.Fatal(err)
	}
	if again.DeviceID() != d.acc.DeviceID() || again.Fingerprint() != d.acc.Fingerprint() {
		t.Errorf("second Open: device %d %s, want %d %s", again.DeviceID(), again.Fingerprint(), d.acc.DeviceID(), d.acc.Fingerprint())
	}
	if _, err := Open(ctx, d.st, "nobody@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Open for an account not stored: %v, want store.ErrNotFound", err)
	}
	// Removing the account removes its keys.
	if err := d.st.RemoveAccount(ctx, alice); err != nil {
		t.Fatal(err)
	}
	err = d.st.OMEMORead(ctx, alice, func(t *store.OMEMOTx) error { _, err := t.Identity(); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("identity after RemoveAccount: %v, want ErrNotFound", err)
	}
}

// TestDecryptErrors: each way a message can fail says what went wrong and
// leaves the session working.
func TestDecryptErrors(t *testing.T) {
	ctx := context.Background()
	a1, b1, b2 := newDevice(t, alice), newDevice(t, bob), newDevice(t, bob)
	learn(t, a1, b1)
	good := encrypt(t, a1, "first", b1)
	decrypt(t, b1, a1, good)
	decrypt(t, a1, b1, encrypt(t, b1, "reply", a1))

	next := encrypt(t, a1, "second", b1)
	if next.Keys[0].PreKey {
		t.Fatal("still a pre-key message after the reply")
	}
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i%len(c)] ^= 0x40
		return c
	}
	onlyKey := func(e *omemo.Encrypted, f func(k omemo.Key) omemo.Key) *omemo.Encrypted {
		c := *e
		c.Keys = []omemo.Key{f(e.Keys[0])}
		return &c
	}
	for _, tc := range []struct {
		name string
		from string
		e    *omemo.Encrypted
		want error
	}{
		{"not for this device", alice, &omemo.Encrypted{SID: a1.acc.DeviceID(), Keys: []omemo.Key{{RID: b2.acc.DeviceID(), Data: []byte{1}}}, IV: next.IV}, omemo.ErrNotForThisDevice},
		{"from a device without a session", alice, &omemo.Encrypted{SID: 12345, Keys: next.Keys, IV: next.IV, Payload: next.Payload}, omemo.ErrNoSession},
		{"key bit flipped", alice, onlyKey(next, func(k omemo.Key) omemo.Key { k.Data = flip(k.Data, 20); return k }), omemo.ErrUndecryptable},
		{"key mac flipped", alice, onlyKey(next, func(k omemo.Key) omemo.Key { k.Data = flip(k.Data, len(k.Data)-1); return k }), omemo.ErrUndecryptable},
		{"key truncated", alice, onlyKey(next, func(k omemo.Key) omemo.Key { k.Data = k.Data[:5]; return k }), omemo.ErrMalformed},
		{"key is one byte", alice, onlyKey(next, func(k omemo.Key) omemo.Key { k.Data = k.Data[:1]; return k }), omemo.ErrMalformed},
		{"key garbage", alice, onlyKey(next, func(k omemo.Key) omemo.Key { k.Data = bytes.Repeat([]byte{0xff}, 40); return k }), omemo.ErrMalformed},
		{"normal message flagged pre-key", alice, onlyKey(next, func(k omemo.Key) omemo.Key { k.PreKey = true; return k }), omemo.ErrMalformed},
		{"empty pre-key message", alice, onlyKey(next, func(k omemo.Key) omemo.Key { k.PreKey = true; k.Data = []byte{0x33}; return k }), omemo.ErrMalformed},
		{"from another JID", "mallory@example.org", next, omemo.ErrNoSession},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b1.acc.Decrypt(ctx, tc.from, tc.e)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}

	// A payload changed in transit: the key was authentic, the text is
	// refused.
	bad := *next
	bad.Payload = flip(next.Payload, 0)
	if _, err := b1.acc.Decrypt(ctx, alice, &bad); !errors.Is(err, omemo.ErrUndecryptable) {
		t.Errorf("garbled payload: %v, want ErrUndecryptable", err)
	}
	// The session still works afterwards.
	if m := decrypt(t, b1, a1, encrypt(t, a1, "third", b1)); string(m.Plaintext) != "third" {
		t.Errorf("after the bad ones: %q", m.Plaintext)
	}
	// A copy of what this device sent.
	if _, err := a1.acc.Decrypt(ctx, alice, good); !errors.Is(err, omemo.ErrFromThisDevice) {
		t.Errorf("own message: %v, want ErrFromThisDevice", err)
	}
}

// TestPreKeyUsedTwice: a second pre-key message built on a pre-key already
// consumed (another sender raced for it, or a bundle fetched long ago) is
// refused with a clear error.
func TestPreKeyUsedTwice(t *testing.T) {
	ctx := context.Background()
	a1, b1 := newDevice(t, alice), newDevice(t, bob)
	bundle, err := b1.acc.Bundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bundle.PreKeys = bundle.PreKeys[:1] // both senders pick the same one
	c1 := newDevice(t, "carol@example.org")
	for _, d := range []*device{a1, c1} {
		if err := d.acc.ProcessBundle(ctx, b1.addr(), bundle); err != nil {
			t.Fatal(err)
		}
	}
	decrypt(t, b1, a1, encrypt(t, a1, "first", b1))
	_, err = b1.acc.Decrypt(ctx, c1.acc.JID(), encrypt(t, c1, "second", b1))
	if !errors.Is(err, omemo.ErrUnknownPreKey) {
		t.Errorf("err = %v, want ErrUnknownPreKey", err)
	}
}

// TestBadBundleSignature: a bundle whose signature does not match is
// rejected and no session is made.
func TestBadBundleSignature(t *testing.T) {
	ctx := context.Background()
	a1, b1, m1 := newDevice(t, alice), newDevice(t, bob), newDevice(t, "mallory@example.org")
	good, err := b1.acc.Bundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := m1.acc.Bundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(b *omemo.Bundle)
	}{
		{"signature bit flipped", func(b *omemo.Bundle) { b.Signature[10] ^= 1 }},
		{"signed pre-key swapped", func(b *omemo.Bundle) { b.SignedPreKey = other.SignedPreKey }},
		{"identity key swapped", func(b *omemo.Bundle) { b.IdentityKey = other.IdentityKey }},
		{"signature of another", func(b *omemo.Bundle) { b.Signature = other.Signature }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := *good
			tc.edit(&b)
			err := a1.acc.ProcessBundle(ctx, b1.addr(), roundTrip(t, &b, omemo.ParseBundle))
			if !errors.Is(err, omemo.ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
			if ok, err := a1.acc.HasSession(ctx, b1.addr()); ok || err != nil {
				t.Fatalf("session after a bad bundle: %v, %v", ok, err)
			}
		})
	}
	if _, err := a1.acc.Encrypt(ctx, []byte("x"), []omemo.Address{b1.addr()}); !errors.Is(err, omemo.ErrNoSession) {
		t.Errorf("Encrypt without session: %v, want ErrNoSession", err)
	}
}

// TestTrust: blind trust before verification, distrust, verification and
// what it does to new devices.
func TestTrust(t *testing.T) {
	ctx := context.Background()
	a1, b1, b2, b3 := newDevice(t, alice), newDevice(t, bob), newDevice(t, bob), newDevice(t, bob)
	learn(t, a1, b1)
	learn(t, a1, b2)

	fps, err := a1.acc.Fingerprints(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != 2 {
		t.Fatalf("fingerprints of bob: %+v", fps)
	}
	for _, f := range fps {
		if f.Trust != omemo.Blind || len(f.Fingerprint) != 64 {
			t.Errorf("%+v: want blind trust and 64 hex digits", f)
		}
	}

	// Distrusted: left out of what alice sends.
	if err := a1.acc.SetTrust(ctx, bob, omemo.FormatFingerprint(b2.acc.Fingerprint()), omemo.Distrusted); err != nil {
		t.Fatal(err)
	}
	e := encrypt(t, a1, "not for b2", b1, b2)
	if keyFor(e, b2) != nil || keyFor(e, b1) == nil {
		t.Errorf("keys after distrusting b2: %+v", e.Keys)
	}
	// Only distrusted devices: nothing is sent.
	if _, err := a1.acc.Encrypt(ctx, []byte("x"), []omemo.Address{b2.addr()}); !errors.Is(err, omemo.ErrNoRecipients) {
		t.Errorf("only distrusted: %v, want ErrNoRecipients", err)
	}

	// Verifying b1 ends blind trust for bob: his new device b3 is undecided.
	if err := a1.acc.SetTrust(ctx, bob, b1.acc.Fingerprint(), omemo.Verified); err != nil {
		t.Fatal(err)
	}
	learn(t, a1, b3)
	e = encrypt(t, a1, "b3 undecided", b1, b3)
	if keyFor(e, b3) != nil {
		t.Errorf("new device after a verification got a key")
	}
	if err := a1.acc.SetTrust(ctx, bob, "05"+b3.acc.Fingerprint(), omemo.Verified); err != nil {
		t.Fatal(err)
	}
	e = encrypt(t, a1, "b3 verified", b1, b3)
	if m := decrypt(t, b3, a1, e); string(m.Plaintext) != "b3 verified" {
		t.Errorf("b3: %q", m.Plaintext)
	}

	// Unknown or bad fingerprints.
	if err := a1.acc.SetTrust(ctx, bob, a1.acc.Fingerprint(), omemo.Verified); !errors.Is(err, omemo.ErrUnknownFingerprint) {
		t.Errorf("fingerprint of another: %v", err)
	}
	if err := a1.acc.SetTrust(ctx, bob, "abc", omemo.Verified); !errors.Is(err, omemo.ErrBadFingerprint) {
		t.Errorf("short fingerprint: %v", err)
	}
	// Decrypt reports the sender's trust.
	learn(t, b2, a1)
	m := decrypt(t, a1, b2, encrypt(t, b2, "from distrusted", a1))
	if m.Trust != omemo.Distrusted {
		t.Errorf("trust of a distrusted sender = %s", m.Trust)
	}
}

// TestEncryptMany: several messages encrypted in one transaction decrypt
// each to its text, in order on one device and newest first on another
// (the skipped message keys are kept).
func TestEncryptMany(t *testing.T) {
	ctx := context.Background()
	a1, b1, b2 := newDevice(t, alice), newDevice(t, bob), newDevice(t, bob)
	learn(t, a1, b1)
	learn(t, a1, b2)
	texts := []string{"one", "two", "three"}
	var pts [][]byte
	for _, s := range texts {
		pts = append(pts, []byte(s))
	}
	es, err := a1.acc.EncryptMany(ctx, pts, []omemo.Address{b1.addr(), b2.addr()})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || len(es[2].Keys) != 2 {
		t.Fatalf("%d messages, the last with %d keys; want 3 with 2 each", len(es), len(es[len(es)-1].Keys))
	}
	for i, want := range texts {
		if m := decrypt(t, b1, a1, es[i]); string(m.Plaintext) != want {
			t.Errorf("b1 message %d: %q, want %q", i, m.Plaintext, want)
		}
	}
	for i := len(texts) - 1; i >= 0; i-- {
		if m := decrypt(t, b2, a1, es[i]); string(m.Plaintext) != texts[i] {
			t.Errorf("b2 message %d (newest first): %q, want %q", i, m.Plaintext, texts[i])
		}
	}
	// The sessions moved on past the batch: the next message decrypts.
	if m := decrypt(t, b1, a1, encrypt(t, a1, "four", b1)); string(m.Plaintext) != "four" {
		t.Errorf("after the batch: %q", m.Plaintext)
	}
}

// TestSignedPreKeyRotation: a fresh signed pre-key is kept; one older than
// the age given is replaced in the bundle, and a pre-key message built on
// the bundle from before the rotation still decrypts (the previous key is
// kept).
func TestSignedPreKeyRotation(t *testing.T) {
	ctx := context.Background()
	a1, b1 := newDevice(t, alice), newDevice(t, bob)
	before, err := b1.acc.Bundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rotated, err := b1.acc.RotateSignedPreKeyIfOlder(ctx, time.Hour); err != nil || rotated {
		t.Fatalf("a fresh signed pre-key: rotated %v, %v", rotated, err)
	}
	learn(t, a1, b1) // alice holds the bundle from before the rotation
	if rotated, err := b1.acc.RotateSignedPreKeyIfOlder(ctx, 0); err != nil || !rotated {
		t.Fatalf("an old signed pre-key: rotated %v, %v", rotated, err)
	}
	after, err := b1.acc.Bundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.SignedPreKeyID == before.SignedPreKeyID {
		t.Fatalf("the bundle's signed pre-key is still %d", after.SignedPreKeyID)
	}
	if m := decrypt(t, b1, a1, encrypt(t, a1, "built on the old bundle", b1)); string(m.Plaintext) != "built on the old bundle" {
		t.Errorf("after the rotation: %q", m.Plaintext)
	}
}
