package device

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/logger"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/serialize"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/signalerror"
	"go.mau.fi/libsignal/state/record"
	"go.mau.fi/libsignal/util/keyhelper"
	"go.mau.fi/libsignal/util/optional"

	"github.com/clove-xmpp/clove/omemo"
	"github.com/clove-xmpp/clove/store"
)

// PreKeyCount is how many one-time pre-keys a device keeps published.
const PreKeyCount = 100

// maxPreKeyID bounds one-time pre-key ids; ids wrap to 1 after it.
// libsignal treats 0xFFFFFF (medium.MaxValue) as a last-resort key that is
// never consumed, and a protobuf id 0 as "no pre-key", so neither is used.
const maxPreKeyID = 0xFFFFFE

// keptSignedPreKeys is how many signed pre-keys are kept after a rotation:
// the current one and the one before, for pre-key messages built from a
// bundle fetched before the rotation.
const keptSignedPreKeys = 2

// signalAddr is libsignal's address of a device.
func signalAddr(a omemo.Address) *protocol.SignalAddress {
	return protocol.NewSignalAddress(a.JID, a.Device)
}

// Account is one XMPP account's OMEMO state in a store. It is safe for
// concurrent use: every operation runs in one store transaction, and the
// store runs them one at a time (across processes too).
type Account struct {
	st       *store.Store
	jid      string
	deviceID uint32
	own      *identity.KeyPair
	ser      *serialize.Serializer
}

// Open returns account's OMEMO state in st, making the account's device
// (device id, identity key, signed pre-key, PreKeyCount one-time pre-keys)
// the first time; the account must be stored already. Opening again
// returns the same device.
func Open(ctx context.Context, st *store.Store, account string) (*Account, error) {
	if account == "" {
		return nil, errors.New("omemo: open: empty account")
	}
	a := &Account{st: st, jid: account, ser: serialize.NewProtoBufSerializer()}
	var id store.OMEMOIdentity
	err := st.OMEMOUpdate(ctx, account, func(t *store.OMEMOTx) error {
		var err error
		id, err = t.Identity()
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		id, err = a.generate(t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("omemo: open %s: %w", account, err)
	}
	if len(id.IdentityPublic) != omemo.KeyLen || len(id.IdentityPrivate) != omemo.KeyLen {
		return nil, fmt.Errorf("omemo: open %s: stored identity key has %d/%d bytes", account, len(id.IdentityPublic), len(id.IdentityPrivate))
	}
	a.deviceID = id.DeviceID
	var pub, priv [omemo.KeyLen]byte
	copy(pub[:], id.IdentityPublic)
	copy(priv[:], id.IdentityPrivate)
	a.own = identity.NewKeyPair(identity.NewKey(ecc.NewDjbECPublicKey(pub)), ecc.NewDjbECPrivateKey(priv))
	return a, nil
}

// generate makes and stores a new device inside t.
func (a *Account) generate(t *store.OMEMOTx) (store.OMEMOIdentity, error) {
	devID, err := newDeviceID()
	if err != nil {
		return store.OMEMOIdentity{}, err
	}
	ikp, err := keyhelper.GenerateIdentityKeyPair()
	if err != nil {
		return store.OMEMOIdentity{}, fmt.Errorf("identity key: %w", err)
	}
	pub := ikp.PublicKey().PublicKey().PublicKey()
	priv := ikp.PrivateKey().Serialize()
	spk, err := keyhelper.GenerateSignedPreKey(ikp, 1, a.ser.SignedPreKeyRecord)
	if err != nil {
		return store.OMEMOIdentity{}, fmt.Errorf("signed pre-key: %w", err)
	}
	if err := t.PutSignedPreKey(spk.ID(), encodeSignedPreKey(spk)); err != nil {
		return store.OMEMOIdentity{}, err
	}
	id := store.OMEMOIdentity{
		DeviceID:        devID,
		IdentityPublic:  pub[:],
		IdentityPrivate: priv[:],
		SignedPreKeyID:  spk.ID(),
		NextPreKeyID:    1,
		Created:         time.Now(),
	}
	if err := t.PutIdentity(id); err != nil {
		return store.OMEMOIdentity{}, err
	}
	if _, err := a.refill(t, &id); err != nil {
		return store.OMEMOIdentity{}, err
	}
	return id, nil
}

// newDeviceID returns a random device id in [1, 2^31-1]: OMEMO 0.3 clients
// (Java's int) read ids as signed 32-bit numbers.
func newDeviceID() (uint32, error) {
	var b [4]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("device id: %w", err)
		}
		if id := binary.BigEndian.Uint32(b[:]) & 0x7fffffff; id != 0 {
			return id, nil
		}
	}
}

// refill tops the one-time pre-keys up to PreKeyCount and stores id's next
// pre-key id; it returns how many it made.
func (a *Account) refill(t *store.OMEMOTx, id *store.OMEMOIdentity) (int, error) {
	have, err := t.PreKeys()
	if err != nil {
		return 0, err
	}
	made := 0
	next := id.NextPreKeyID
	for len(have)+made < PreKeyCount {
		if next == 0 || next > maxPreKeyID {
			next = 1
		}
		if _, taken := have[next]; taken {
			next++
			continue
		}
		kp, err := ecc.GenerateKeyPair()
		if err != nil {
			return made, fmt.Errorf("pre-key: %w", err)
		}
		if err := t.PutPreKey(next, encodePreKey(record.NewPreKey(next, kp, a.ser.PreKeyRecord))); err != nil {
			return made, err
		}
		made++
		next++
	}
	if made == 0 {
		return 0, nil
	}
	id.NextPreKeyID = next
	return made, t.PutIdentity(*id)
}

// DeviceID is the account's own device id.
func (a *Account) DeviceID() uint32 { return a.deviceID }

// JID is the account's bare JID.
func (a *Account) JID() string { return a.jid }

// Fingerprint is the own device's identity key fingerprint.
func (a *Account) Fingerprint() string {
	return omemo.Fingerprint(a.own.PublicKey().PublicKey().PublicKey())
}

// update runs fn in an OMEMO write transaction of the account.
func (a *Account) update(ctx context.Context, fn func(t *store.OMEMOTx) error) error {
	return a.st.OMEMOUpdate(ctx, a.jid, fn)
}

// signal returns libsignal's stores over t.
func (a *Account) signal(t *store.OMEMOTx) *signalStore {
	return &signalStore{t: t, own: a.own, deviceID: a.deviceID, ser: a.ser}
}

// RefillPreKeys tops the one-time pre-keys up to PreKeyCount (after
// Decrypt reported one consumed) and returns how many it made; the bundle
// must then be published again.
func (a *Account) RefillPreKeys(ctx context.Context) (int, error) {
	var made int
	err := a.update(ctx, func(t *store.OMEMOTx) error {
		id, err := t.Identity()
		if err != nil {
			return err
		}
		made, err = a.refill(t, &id)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("omemo: refill pre-keys: %w", err)
	}
	return made, nil
}

// RotateSignedPreKey makes a new signed pre-key for the bundle and keeps
// the previous one (pre-key messages may still name it); the bundle must
// then be published again.
func (a *Account) RotateSignedPreKey(ctx context.Context) error {
	err := a.update(ctx, func(t *store.OMEMOTx) error {
		id, err := t.Identity()
		if err != nil {
			return err
		}
		nextID := id.SignedPreKeyID + 1
		if nextID > maxPreKeyID {
			nextID = 1
		}
		spk, err := keyhelper.GenerateSignedPreKey(a.own, nextID, a.ser.SignedPreKeyRecord)
		if err != nil {
			return err
		}
		if err := t.PutSignedPreKey(spk.ID(), encodeSignedPreKey(spk)); err != nil {
			return err
		}
		id.SignedPreKeyID = spk.ID()
		if err := t.PutIdentity(id); err != nil {
			return err
		}
		all, err := t.SignedPreKeys()
		if err != nil {
			return err
		}
		// Keep the newest keptSignedPreKeys by timestamp.
		type aged struct {
			id uint32
			ts int64
		}
		var keys []aged
		for kid, b := range all {
			r, err := decodeSignedPreKey(kid, b, a.ser)
			if err != nil {
				return err
			}
			keys = append(keys, aged{kid, r.Timestamp()})
		}
		for _, k := range keys {
			newer := 0
			for _, o := range keys {
				if o.ts > k.ts || (o.ts == k.ts && o.id > k.id) {
					newer++
				}
			}
			if newer >= keptSignedPreKeys && k.id != id.SignedPreKeyID {
				if err := t.DeleteSignedPreKey(k.id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("omemo: rotate signed pre-key: %w", err)
	}
	return nil
}

// Bundle returns the own device's bundle, to publish on the node
// NodeBundles + DeviceID.
func (a *Account) Bundle(ctx context.Context) (*omemo.Bundle, error) {
	b := &omemo.Bundle{IdentityKey: a.own.PublicKey().PublicKey().PublicKey()}
	err := a.st.OMEMORead(ctx, a.jid, func(t *store.OMEMOTx) error {
		id, err := t.Identity()
		if err != nil {
			return err
		}
		raw, err := t.SignedPreKey(id.SignedPreKeyID)
		if err != nil {
			return err
		}
		spk, err := decodeSignedPreKey(id.SignedPreKeyID, raw, a.ser)
		if err != nil {
			return err
		}
		b.SignedPreKeyID = spk.ID()
		b.SignedPreKey = spk.KeyPair().PublicKey().PublicKey()
		b.Signature = spk.Signature()
		pks, err := t.PreKeys()
		if err != nil {
			return err
		}
		b.PreKeys = make([]omemo.PreKey, 0, len(pks))
		for pid, raw := range pks {
			pk, err := decodePreKey(pid, raw, a.ser)
			if err != nil {
				return err
			}
			b.PreKeys = append(b.PreKeys, omemo.PreKey{ID: pid, Key: pk.KeyPair().PublicKey().PublicKey()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("omemo: bundle: %w", err)
	}
	slices.SortFunc(b.PreKeys, func(x, y omemo.PreKey) int { return cmp.Compare(x.ID, y.ID) })
	return b, nil
}

// ProcessBundle builds a session with peer's device from its published
// bundle (X3DH, with one of its one-time pre-keys picked at random, as the
// XEP says); the next Encrypt to that device sends a pre-key message.
// ErrBadSignature if the signed pre-key is not signed by the identity key.
func (a *Account) ProcessBundle(ctx context.Context, to omemo.Address, b *omemo.Bundle) error {
	if err := a.checkAddress(to); err != nil {
		return err
	}
	if len(b.PreKeys) == 0 {
		return fmt.Errorf("omemo: bundle of %s: %w", to, errNoPreKeys)
	}
	pk := b.PreKeys[mrand.IntN(len(b.PreKeys))]
	bundle := prekey.NewBundle(0, to.Device, optional.NewOptionalUint32(pk.ID), b.SignedPreKeyID,
		ecc.NewDjbECPublicKey(pk.Key), ecc.NewDjbECPublicKey(b.SignedPreKey), b.Signature,
		identity.NewKey(ecc.NewDjbECPublicKey(b.IdentityKey)))
	err := a.update(ctx, func(t *store.OMEMOTx) error {
		ss := a.signal(t)
		return guard(func() error {
			return session.NewBuilder(ss, ss, ss, ss, signalAddr(to), a.ser).ProcessBundle(ctx, bundle)
		})
	})
	if errors.Is(err, signalerror.ErrInvalidSignature) {
		return fmt.Errorf("omemo: bundle of %s (identity %s): %w", to, omemo.FormatFingerprint(omemo.Fingerprint(b.IdentityKey)), omemo.ErrBadSignature)
	}
	if err != nil {
		return fmt.Errorf("omemo: bundle of %s: %w", to, err)
	}
	return nil
}

var errNoPreKeys = fmt.Errorf("no pre-keys: %w", omemo.ErrMalformed)

func (a *Account) checkAddress(to omemo.Address) error {
	if to.JID == "" || to.Device == 0 {
		return fmt.Errorf("omemo: bad device address %q", to)
	}
	if to.JID == a.jid && to.Device == a.deviceID {
		return fmt.Errorf("omemo: %s is this device", to)
	}
	return nil
}

// HasSession reports whether a session with the device exists (else a
// bundle must be fetched and given to ProcessBundle before Encrypt).
func (a *Account) HasSession(ctx context.Context, to omemo.Address) (bool, error) {
	var ok bool
	err := a.st.OMEMORead(ctx, a.jid, func(t *store.OMEMOTx) error {
		_, err := t.Session(to.JID, to.Device)
		ok = err == nil
		if notFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("omemo: session with %s: %w", to, err)
	}
	return ok, nil
}

// Devices returns peer's device list as last stored by SetDevices.
func (a *Account) Devices(ctx context.Context, peer string) ([]uint32, error) {
	var ds []uint32
	err := a.st.OMEMORead(ctx, a.jid, func(t *store.OMEMOTx) error {
		var err error
		ds, err = t.Devices(peer)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("omemo: devices of %s: %w", peer, err)
	}
	return ds, nil
}

// SetDevices stores peer's device list as received.
func (a *Account) SetDevices(ctx context.Context, peer string, l omemo.DeviceList) error {
	if len(l.Devices) > omemo.MaxDevices {
		return fmt.Errorf("omemo: devices of %s: %d devices: %w", peer, len(l.Devices), omemo.ErrMalformed)
	}
	err := a.update(ctx, func(t *store.OMEMOTx) error { return t.SetDevices(peer, l.Devices) })
	if err != nil {
		return fmt.Errorf("omemo: devices of %s: %w", peer, err)
	}
	return nil
}

// guard runs a libsignal call and turns a panic into an error. libsignal
// indexes into what it parses without checking lengths (an empty key in a
// pre-key message, an empty serialized message); bad input from the
// network must give an error, never take the process down.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("libsignal failed on it (%v): %w", r, omemo.ErrMalformed)
		}
	}()
	return fn()
}

// slogLogger sends libsignal's log lines to slog at debug level. libsignal
// prints warnings and errors to stdout by default, which would corrupt
// `clove listen --json`; the failures it logs reach the caller as errors
// anyway.
type slogLogger struct{}

func (slogLogger) Debug(string, string) {}
func (slogLogger) Info(caller, msg string) {
	slog.Debug("libsignal", "level", "info", "at", caller, "msg", msg)
}
func (slogLogger) Warning(caller, msg string) {
	slog.Debug("libsignal", "level", "warning", "at", caller, "msg", msg)
}
func (slogLogger) Error(caller, msg string) {
	slog.Debug("libsignal", "level", "error", "at", caller, "msg", msg)
}
func (slogLogger) Configure(string) {}

// init installs slogLogger in libsignal's package-level logger, the only
// way that library offers; it is set once, before any call into it.
func init() {
	l := logger.Loggable(slogLogger{})
	logger.Setup(&l)
}

// Unconfirmed reports whether the session with to still sends pre-key
// messages: to never answered this device (see Decrypted.PreKey).
func (a *Account) Unconfirmed(ctx context.Context, to omemo.Address) (bool, error) {
	var pending bool
	err := a.st.OMEMORead(ctx, a.jid, func(t *store.OMEMOTx) error {
		sess, err := a.signal(t).LoadSession(ctx, signalAddr(to))
		if err != nil {
			return err
		}
		pending = sess.SessionState().HasUnacknowledgedPreKeyMessage()
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("omemo: session with %s: %w", to, err)
	}
	return pending, nil
}

// RotateSignedPreKeyIfOlder makes a new signed pre-key when the one in the
// bundle is older than maxAge (the deployed clients rotate theirs
// periodically, so that a stolen one is of use only for a while), and says
// whether it did; the bundle is then to be published again.
func (a *Account) RotateSignedPreKeyIfOlder(ctx context.Context, maxAge time.Duration) (bool, error) {
	var made time.Time
	err := a.st.OMEMORead(ctx, a.jid, func(t *store.OMEMOTx) error {
		id, err := t.Identity()
		if err != nil {
			return err
		}
		b, err := t.SignedPreKey(id.SignedPreKeyID)
		if err != nil {
			return err
		}
		r, err := decodeSignedPreKey(id.SignedPreKeyID, b, a.ser)
		if err != nil {
			return err
		}
		made = time.Unix(int64(r.Timestamp()), 0) // libsignal: Unix seconds
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("omemo: signed pre-key age: %w", err)
	}
	if time.Since(made) < maxAge {
		return false, nil
	}
	return true, a.RotateSignedPreKey(ctx)
}
