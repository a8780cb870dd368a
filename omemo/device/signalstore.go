package device

import (
	"context"
	"errors"
	"fmt"

	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/serialize"
	"go.mau.fi/libsignal/state/record"
	sigstore "go.mau.fi/libsignal/state/store"

	"github.com/clove-xmpp/clove/omemo"
	"github.com/clove-xmpp/clove/store"
)

// signalStore gives libsignal its identity, pre-key, signed pre-key and
// session stores over one store transaction (store.OMEMOTx). It lives for
// one operation: everything libsignal reads and writes during an Encrypt
// or Decrypt commits together, or not at all.
//
// Sessions are keyed by the address's value (bare JID, device id) — never
// by the *SignalAddress, which libsignal's own in-memory test stores use as
// a map key and which is a new pointer on every call.
type signalStore struct {
	t        *store.OMEMOTx
	own      *identity.KeyPair
	deviceID uint32
	ser      *serialize.Serializer

	// consumed is set when libsignal removed a one-time pre-key (a
	// pre-key message used it): the bundle needs a refill.
	consumed bool
	// newTrust holds the trust given to identity keys seen for the first
	// time during this operation, by address ("jid:device").
	newTrust map[string]omemo.Trust
	// sending makes IsTrustedIdentity answer with the stored trust (see
	// there); it is set during Encrypt only.
	sending bool
	// seenKey is the last identity key libsignal asked about: the remote
	// device's, once a message was decrypted.
	seenKey [omemo.KeyLen]byte

	// Within one operation libsignal asks for the same session and the
	// same identity's trust several times (contains, load, store; trusted,
	// save); these hold what was read or written so far, by address, so
	// that each is read from SQLite once (Encrypt to two devices went from
	// 10 reads to 4).
	sessions map[string][]byte
	trusts   map[trustKey]omemo.Trust

	// batch (EncryptMany): the sessions stay parsed between messages and
	// are written once, by flush, instead of being parsed, serialised and
	// written for each message (a session record is kilobytes: its
	// archived states and skipped message keys).
	batch  bool
	parsed map[string]*record.Session
	dirty  map[string]*protocol.SignalAddress
}

// flush writes the sessions a batch changed.
func (s *signalStore) flush() error {
	for k, addr := range s.dirty {
		if err := s.t.PutSession(addr.Name(), addr.DeviceID(), s.parsed[k].Serialize()); err != nil {
			return err
		}
	}
	s.dirty = nil
	return nil
}

type trustKey struct {
	addr string
	key  [omemo.KeyLen]byte
}

// session returns the stored session with addr, nil if none.
func (s *signalStore) session(addr *protocol.SignalAddress) ([]byte, error) {
	k := addr.String()
	if b, ok := s.sessions[k]; ok {
		return b, nil
	}
	b, err := s.t.Session(addr.Name(), addr.DeviceID())
	if notFound(err) {
		b, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.sessions == nil {
		s.sessions = map[string][]byte{}
	}
	s.sessions[k] = b
	return b, nil
}

var (
	_ sigstore.IdentityKey  = (*signalStore)(nil)
	_ sigstore.PreKey       = (*signalStore)(nil)
	_ sigstore.SignedPreKey = (*signalStore)(nil)
	_ sigstore.Session      = (*signalStore)(nil)
)

func (s *signalStore) GetIdentityKeyPair() *identity.KeyPair { return s.own }

// GetLocalRegistrationID is the device id, as Conversations does: OMEMO has
// no other use for the registration id.
func (s *signalStore) GetLocalRegistrationID() uint32 { return s.deviceID }

// SaveIdentity records an identity key seen for a device, with the trust a
// new key gets (see initialTrust). A key already known keeps its trust.
func (s *signalStore) SaveIdentity(_ context.Context, addr *protocol.SignalAddress, key *identity.Key) error {
	_, err := s.trust(addr, key.PublicKey().PublicKey())
	return err
}

// trust returns the trust stored for key at addr, storing the initial
// trust if the key is new there.
func (s *signalStore) trust(addr *protocol.SignalAddress, key [omemo.KeyLen]byte) (omemo.Trust, error) {
	tk := trustKey{addr.String(), key}
	if tr, ok := s.trusts[tk]; ok {
		return tr, nil
	}
	if s.trusts == nil {
		s.trusts = map[trustKey]omemo.Trust{}
	}
	r, err := s.t.Trust(addr.Name(), addr.DeviceID(), key[:])
	if err == nil {
		s.trusts[tk] = omemo.Trust(r.Trust)
		return omemo.Trust(r.Trust), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	tr, err := initialTrust(s.t, addr.Name())
	if err != nil {
		return "", err
	}
	if s.newTrust == nil {
		s.newTrust = map[string]omemo.Trust{}
	}
	s.newTrust[addr.String()] = tr
	s.trusts[tk] = tr
	return tr, s.t.PutTrust(store.OMEMOTrust{Peer: addr.Name(), Device: addr.DeviceID(), IdentityKey: key[:], Trust: string(tr)})
}

// IsTrustedIdentity decides nothing while receiving or building a session:
// trust in OMEMO is per device and decided above the Signal layer (Decrypt
// reports the sender's trust and leaves the choice to show it to the
// caller, as Conversations does). While sending it answers with the stored
// trust, so that libsignal refuses to encrypt for a device the user
// distrusted (or has not decided on) before it advances that session.
func (s *signalStore) IsTrustedIdentity(_ context.Context, addr *protocol.SignalAddress, key *identity.Key) (bool, error) {
	s.seenKey = key.PublicKey().PublicKey()
	if !s.sending {
		return true, nil
	}
	tr, err := s.trust(addr, s.seenKey)
	return tr.Trusted(), err
}

// notFound turns the store's ErrNotFound into libsignal's "nil, nil".
func notFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func (s *signalStore) LoadPreKey(_ context.Context, id uint32) (*record.PreKey, error) {
	b, err := s.t.PreKey(id)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodePreKey(id, b, s.ser)
}

func (s *signalStore) StorePreKey(_ context.Context, id uint32, r *record.PreKey) error {
	return s.t.PutPreKey(id, encodePreKey(r))
}

func (s *signalStore) ContainsPreKey(_ context.Context, id uint32) (bool, error) {
	_, err := s.t.PreKey(id)
	if notFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (s *signalStore) RemovePreKey(_ context.Context, id uint32) error {
	s.consumed = true
	return s.t.DeletePreKey(id)
}

func (s *signalStore) LoadSignedPreKey(_ context.Context, id uint32) (*record.SignedPreKey, error) {
	b, err := s.t.SignedPreKey(id)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeSignedPreKey(id, b, s.ser)
}

func (s *signalStore) LoadSignedPreKeys(context.Context) ([]*record.SignedPreKey, error) {
	all, err := s.t.SignedPreKeys()
	if err != nil {
		return nil, err
	}
	out := make([]*record.SignedPreKey, 0, len(all))
	for id, b := range all {
		spk, err := decodeSignedPreKey(id, b, s.ser)
		if err != nil {
			return nil, err
		}
		out = append(out, spk)
	}
	return out, nil
}

func (s *signalStore) StoreSignedPreKey(_ context.Context, id uint32, r *record.SignedPreKey) error {
	return s.t.PutSignedPreKey(id, encodeSignedPreKey(r))
}

func (s *signalStore) ContainsSignedPreKey(_ context.Context, id uint32) (bool, error) {
	_, err := s.t.SignedPreKey(id)
	if notFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (s *signalStore) RemoveSignedPreKey(_ context.Context, id uint32) error {
	return s.t.DeleteSignedPreKey(id)
}

// LoadSession returns the stored session or, as libsignal expects, a fresh
// empty one.
func (s *signalStore) LoadSession(_ context.Context, addr *protocol.SignalAddress) (*record.Session, error) {
	if r, ok := s.parsed[addr.String()]; ok && s.batch {
		return r, nil
	}
	b, err := s.session(addr)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return record.NewSession(s.ser.Session, s.ser.State), nil
	}
	sess, err := record.NewSessionFromBytes(b, s.ser.Session, s.ser.State)
	if err != nil {
		return nil, fmt.Errorf("omemo: stored session with %s: %w", addr, err)
	}
	return sess, nil
}

func (s *signalStore) GetSubDeviceSessions(_ context.Context, name string) ([]uint32, error) {
	return s.t.SessionDevices(name)
}

func (s *signalStore) StoreSession(_ context.Context, addr *protocol.SignalAddress, r *record.Session) error {
	if s.batch {
		k := addr.String()
		if s.parsed == nil {
			s.parsed, s.dirty = map[string]*record.Session{}, map[string]*protocol.SignalAddress{}
		}
		s.parsed[k], s.dirty[k] = r, addr
		if s.sessions == nil {
			s.sessions = map[string][]byte{}
		}
		if s.sessions[k] == nil {
			s.sessions[k] = []byte{0} // ContainsSession: there is one (written by flush)
		}
		return nil
	}
	b := r.Serialize()
	if err := s.t.PutSession(addr.Name(), addr.DeviceID(), b); err != nil {
		return err
	}
	if s.sessions == nil {
		s.sessions = map[string][]byte{}
	}
	s.sessions[addr.String()] = b
	return nil
}

func (s *signalStore) ContainsSession(_ context.Context, addr *protocol.SignalAddress) (bool, error) {
	b, err := s.session(addr)
	return b != nil, err
}

func (s *signalStore) DeleteSession(_ context.Context, addr *protocol.SignalAddress) error {
	if addr.DeviceID() == 0 {
		return fmt.Errorf("omemo: delete session with %s: device id 0", addr)
	}
	delete(s.sessions, addr.String())
	return s.t.DeleteSession(addr.Name(), addr.DeviceID())
}

// DeleteAllSessions is part of libsignal's interface but never called by
// it; dropping every session of an account is not something OMEMO does.
func (s *signalStore) DeleteAllSessions(context.Context) error {
	return errors.New("omemo: deleting all sessions is not supported")
}
