package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Pin returns the certificate fingerprint pinned for host under account, or
// ErrNotFound when none is pinned.
func (s *Store) Pin(ctx context.Context, account, host string) (fingerprint string, err error) {
	const op = "get pin"
	db, err := s.reader(op)
	if err != nil {
		return "", err
	}
	err = db.QueryRowContext(ctx, `SELECT fingerprint FROM pins WHERE account = ? AND host = ?`, account, host).Scan(&fingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: %s: %s for account %q: %w", op, host, account, ErrNotFound)
	}
	return fingerprint, wrap(op, err)
}

// SetPin pins fingerprint for host under account, replacing any previous
// pin. An empty fingerprint removes the pin. ErrNotFound if the account is
// not stored.
func (s *Store) SetPin(ctx context.Context, account, host, fp string) error {
	const op = "set pin"
	if host == "" {
		return fmt.Errorf("store: %s: empty host: %w", op, ErrInvalid)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		if fp == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM pins WHERE account = ? AND host = ?`, account, host)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO pins (account, host, fingerprint) VALUES (?, ?, ?)
			ON CONFLICT (account, host) DO UPDATE SET fingerprint = excluded.fingerprint`, account, host, fp)
		if isForeignKey(err) {
			return noAccount(account)
		}
		return err
	})
}

// Pinned reports whether an account of the profile other than account
// pinned (or requires) fingerprint fp for host: a second account on a
// server already trusted need not ask again.
func (s *Store) Pinned(ctx context.Context, account, host, fp string) (bool, error) {
	const op = "find pin"
	db, err := s.reader(op)
	if err != nil {
		return false, err
	}
	var ok bool
	// An account's required pin (--pin, a node's own certificate) is for
	// its own domain: the host of its address.
	err = db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pins WHERE host = ?1 AND fingerprint = ?2 AND account <> ?3)
		OR EXISTS (SELECT 1 FROM accounts WHERE pin = ?2 AND substr(jid, instr(jid, '@') + 1) = ?1 AND jid <> ?3)`, host, fp, account).Scan(&ok)
	return ok, wrap(op, err)
}
