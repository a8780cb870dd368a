package device

import (
	"encoding/binary"
	"fmt"

	"github.com/clove-xmpp/clove/omemo"
	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/serialize"
	"go.mau.fi/libsignal/state/record"
)

// Pre-key records are stored in a format of our own, not with libsignal's
// record serializers: in v0.2.1 those write the public key serialized (33
// bytes, with the 0x05 type byte) but read back its first 32 bytes, so a
// stored pre-key comes back with a wrong public key and every signature
// and X3DH over it fails. (whatsmeow, the library's main user, stores raw
// keys too.) Sessions do round-trip and use libsignal's serializer.
//
//	pre-key:        private(32) public(32)
//	signed pre-key: private(32) public(32) signature(64) timestamp(8, big endian, unix seconds)
const (
	preKeyRecordLen       = 2 * omemo.KeyLen
	signedPreKeyRecordLen = 2*omemo.KeyLen + 64 + 8
)

func keyPairBytes(kp *ecc.ECKeyPair) []byte {
	priv := kp.PrivateKey().Serialize()
	pub := kp.PublicKey().PublicKey()
	return append(append(make([]byte, 0, signedPreKeyRecordLen), priv[:]...), pub[:]...)
}

func keyPairFrom(b []byte) *ecc.ECKeyPair {
	var priv, pub [omemo.KeyLen]byte
	copy(priv[:], b[:omemo.KeyLen])
	copy(pub[:], b[omemo.KeyLen:2*omemo.KeyLen])
	return ecc.NewECKeyPair(ecc.NewDjbECPublicKey(pub), ecc.NewDjbECPrivateKey(priv))
}

func encodePreKey(r *record.PreKey) []byte { return keyPairBytes(r.KeyPair()) }

func decodePreKey(id uint32, b []byte, ser *serialize.Serializer) (*record.PreKey, error) {
	if len(b) != preKeyRecordLen {
		return nil, fmt.Errorf("omemo: stored pre-key %d has %d bytes, want %d", id, len(b), preKeyRecordLen)
	}
	return record.NewPreKey(id, keyPairFrom(b), ser.PreKeyRecord), nil
}

func encodeSignedPreKey(r *record.SignedPreKey) []byte {
	b := keyPairBytes(r.KeyPair())
	sig := r.Signature()
	b = append(b, sig[:]...)
	return binary.BigEndian.AppendUint64(b, uint64(r.Timestamp()))
}

func decodeSignedPreKey(id uint32, b []byte, ser *serialize.Serializer) (*record.SignedPreKey, error) {
	if len(b) != signedPreKeyRecordLen {
		return nil, fmt.Errorf("omemo: stored signed pre-key %d has %d bytes, want %d", id, len(b), signedPreKeyRecordLen)
	}
	var sig [64]byte
	copy(sig[:], b[2*omemo.KeyLen:])
	ts := int64(binary.BigEndian.Uint64(b[2*omemo.KeyLen+64:]))
	return record.NewSignedPreKey(id, ts, keyPairFrom(b), sig, ser.SignedPreKeyRecord), nil
}
