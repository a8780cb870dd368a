package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Avatar sources: who announced a contact's avatar hash.
const (
	AvatarPEP   = "pep"   // XEP-0084 metadata
	AvatarVCard = "vcard" // XEP-0153 presence hash
)

// Avatar is an image kept by its SHA-1 (Hash, lower-case hex), checked
// before it was stored, with a small copy for the roster (Thumb, PNG).
type Avatar struct {
	Hash  string
	MIME  string
	Data  []byte
	Thumb []byte
}

// ContactAvatar is the avatar a contact shows: Hash "" for none.
type ContactAvatar struct {
	JID    string
	Hash   string
	Source string
}

// PutAvatar keeps a; storing a hash again is a no-op.
func (s *Store) PutAvatar(ctx context.Context, a Avatar) error {
	const op = "put avatar"
	if a.Hash == "" || len(a.Data) == 0 || len(a.Thumb) == 0 {
		return fmt.Errorf("store: %s: empty hash or data: %w", op, ErrInvalid)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO avatars (hash, mime, data, thumb) VALUES (?, ?, ?, ?)
			ON CONFLICT (hash) DO NOTHING`, a.Hash, a.MIME, a.Data, a.Thumb)
		return err
	})
}

// HasAvatar reports whether the image with this hash is kept.
func (s *Store) HasAvatar(ctx context.Context, hash string) (bool, error) {
	const op = "find avatar"
	db, err := s.reader(op)
	if err != nil {
		return false, err
	}
	var ok bool
	err = db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM avatars WHERE hash = ?)`, hash).Scan(&ok)
	return ok, wrap(op, err)
}

// AvatarThumb returns the roster-sized copy of the image hash, or
// ErrNotFound.
func (s *Store) AvatarThumb(ctx context.Context, hash string) ([]byte, error) {
	return s.avatarColumn(ctx, "thumb", hash)
}

// AvatarData returns the image hash as received, or ErrNotFound.
func (s *Store) AvatarData(ctx context.Context, hash string) ([]byte, error) {
	return s.avatarColumn(ctx, "data", hash)
}

func (s *Store) avatarColumn(ctx context.Context, col, hash string) ([]byte, error) {
	const op = "get avatar"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	var b []byte
	// col is one of two constants, never input.
	err = db.QueryRowContext(ctx, `SELECT `+col+` FROM avatars WHERE hash = ?`, hash).Scan(&b) // #nosec G202
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: %s: %s: %w", op, hash, ErrNotFound)
	}
	return b, wrap(op, err)
}

// SetContactAvatar records the avatar hash jid announced through source
// ("" hash: none). A vCard hash does not replace a PEP one (XEP-0153 is
// the older way: a client that publishes both keeps them equal, and one
// that does not is read through PEP). It reports whether what jid shows
// changed.
func (s *Store) SetContactAvatar(ctx context.Context, account string, c ContactAvatar) (changed bool, err error) {
	const op = "set contact avatar"
	if c.Source != AvatarPEP && c.Source != AvatarVCard {
		return false, fmt.Errorf("store: %s: source %q: %w", op, c.Source, ErrInvalid)
	}
	err = s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var hash, source string
		err := tx.QueryRowContext(ctx, `SELECT hash, source FROM contact_avatars WHERE account = ? AND jid = ?`, account, c.JID).Scan(&hash, &source)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case c.Source == AvatarVCard && source == AvatarPEP && hash != "":
			changed = false
			return nil
		case hash == c.Hash && source == c.Source:
			changed = false
			return nil
		}
		changed = hash != c.Hash
		_, err = tx.ExecContext(ctx, `INSERT INTO contact_avatars (account, jid, hash, source) VALUES (?, ?, ?, ?)
			ON CONFLICT (account, jid) DO UPDATE SET hash = excluded.hash, source = excluded.source`,
			account, c.JID, c.Hash, c.Source)
		if isForeignKey(err) {
			return noAccount(account)
		}
		return err
	})
	return changed, err
}

// ContactAvatars returns the avatar hash of every contact of account that
// announced one (and has it kept: the ones to show).
func (s *Store) ContactAvatars(ctx context.Context, account string) (map[string]string, error) {
	const op = "list contact avatars"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT c.jid, c.hash FROM contact_avatars c
		JOIN avatars a ON a.hash = c.hash WHERE c.account = ?`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var j, h string
		if err := rows.Scan(&j, &h); err != nil {
			return nil, wrap(op, err)
		}
		out[j] = h
	}
	return out, wrap(op, rows.Err())
}

// ContactAvatar returns what jid announced (Hash "" when nothing).
func (s *Store) ContactAvatar(ctx context.Context, account, jid string) (ContactAvatar, error) {
	const op = "get contact avatar"
	db, err := s.reader(op)
	if err != nil {
		return ContactAvatar{}, err
	}
	c := ContactAvatar{JID: jid}
	err = db.QueryRowContext(ctx, `SELECT hash, source FROM contact_avatars WHERE account = ? AND jid = ?`, account, jid).Scan(&c.Hash, &c.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	return c, wrap(op, err)
}
