package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestOMEMOTables: the OMEMO state of an account round-trips, a write that
// fails leaves nothing, an account not stored is refused, and removing the
// account removes its keys.
func TestOMEMOTables(t *testing.T) {
	ctx := context.Background()
	s := newStoreWith(t, "a@x", "b@x")
	id := OMEMOIdentity{DeviceID: 42, IdentityPublic: make([]byte, 32), IdentityPrivate: make([]byte, 32), SignedPreKeyID: 1, NextPreKeyID: 3}
	err := s.OMEMOUpdate(ctx, "a@x", func(t *OMEMOTx) error {
		for _, err := range []error{
			t.PutIdentity(id),
			t.PutSignedPreKey(1, []byte("spk")),
			t.PutPreKey(1, []byte("pk1")),
			t.PutPreKey(2, []byte("pk2")),
			t.PutSession("b@x", 7, []byte("s7")),
			t.PutSession("b@x", 8, []byte("s8")),
			t.PutTrust(OMEMOTrust{Peer: "b@x", Device: 7, IdentityKey: []byte{1}, Trust: "blind"}),
			t.SetDevices("b@x", []uint32{7, 8, 8}),
		} {
			if err != nil {
				return err
			}
		}
		return t.DeletePreKey(1)
	})
	if err != nil {
		t.Fatal(err)
	}

	// A function that fails writes nothing.
	boom := errors.New("boom")
	err = s.OMEMOUpdate(ctx, "a@x", func(t *OMEMOTx) error {
		if err := t.PutSession("b@x", 9, []byte("s9")); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("failing update: %v, want the function's own error", err)
	}

	err = s.OMEMORead(ctx, "a@x", func(t *OMEMOTx) error {
		got, err := t.Identity()
		if err != nil || got.DeviceID != 42 || got.NextPreKeyID != 3 {
			return fmt.Errorf("identity %+v, %v", got, err)
		}
		if n, err := t.CountPreKeys(); n != 1 || err != nil {
			return fmt.Errorf("pre-keys %d, %v", n, err)
		}
		if _, err := t.PreKey(1); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("deleted pre-key: %v", err)
		}
		if ds, err := t.SessionDevices("b@x"); fmt.Sprint(ds) != "[7 8]" || err != nil {
			return fmt.Errorf("session devices %v, %v (session 9 must not exist)", ds, err)
		}
		if ds, err := t.Devices("b@x"); fmt.Sprint(ds) != "[7 8]" || err != nil {
			return fmt.Errorf("devices %v, %v", ds, err)
		}
		if r, err := t.Trust("b@x", 7, []byte{1}); r.Trust != "blind" || err != nil {
			return fmt.Errorf("trust %+v, %v", r, err)
		}
		if _, err := t.Trust("b@x", 7, []byte{2}); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("trust of another key: %v", err)
		}
		if err := t.PutPreKey(5, []byte("x")); err == nil {
			return errors.New("a write in OMEMORead succeeded")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		account string
		want    error
	}{
		{"account not stored", "nobody@x", ErrNotFound},
		{"empty account", "", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.OMEMOUpdate(ctx, tc.account, func(t *OMEMOTx) error { return t.PutIdentity(id) })
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}

	if err := s.RemoveAccount(ctx, "a@x"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.r.QueryRow(`SELECT (SELECT count(*) FROM omemo_identity) + (SELECT count(*) FROM omemo_prekeys)
		+ (SELECT count(*) FROM omemo_signed_prekeys) + (SELECT count(*) FROM omemo_sessions)
		+ (SELECT count(*) FROM omemo_trust) + (SELECT count(*) FROM omemo_devices)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d OMEMO rows left after RemoveAccount", n)
	}
}
