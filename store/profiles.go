package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Profile is a contact's (or the account's own) last fetched vCard text
// fields: Data is their JSON (package chat writes and reads it), None
// that the contact has published no vCard.
type Profile struct {
	JID     string
	Data    []byte
	None    bool
	Fetched time.Time
}

// maxProfileData bounds what is kept of one profile: the fields' bounds
// (xmppclient) make about 10 KB at most; more is a caller's bug.
const maxProfileData = 64 << 10

// PutProfile keeps p as account's last fetched profile of p.JID.
func (s *Store) PutProfile(ctx context.Context, account string, p Profile) error {
	const op = "put profile"
	if p.JID == "" || len(p.Data) > maxProfileData {
		return fmt.Errorf("store: %s: empty JID or %d bytes: %w", op, len(p.Data), ErrInvalid)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO profiles (account, jid, data, none, fetched) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account, jid) DO UPDATE SET data = excluded.data, none = excluded.none, fetched = excluded.fetched`,
			account, p.JID, string(p.Data), p.None, p.Fetched.UnixNano())
		if isForeignKey(err) {
			return noAccount(account)
		}
		return err
	})
}

// Profile returns account's last fetched profile of jid, or ErrNotFound.
func (s *Store) Profile(ctx context.Context, account, jid string) (Profile, error) {
	const op = "get profile"
	db, err := s.reader(op)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{JID: jid}
	var (
		data string
		at   int64
	)
	err = db.QueryRowContext(ctx, `SELECT data, none, fetched FROM profiles WHERE account = ? AND jid = ?`, account, jid).Scan(&data, &p.None, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, fmt.Errorf("store: %s: %s: %w", op, jid, ErrNotFound)
	}
	if err != nil {
		return Profile{}, wrap(op, err)
	}
	p.Data, p.Fetched = []byte(data), time.Unix(0, at)
	return p, nil
}
