package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Contact is one roster item (RFC 6121) cached for an account.
type Contact struct {
	Account      string
	JID          string
	Name         string
	Subscription string // none, to, from, both
	Ask          bool   // subscription request pending
	Groups       []string
}

// PutContact stores c, replacing the stored item with the same account and
// JID. ErrNotFound if the account is not stored.
func (s *Store) PutContact(ctx context.Context, c Contact) error {
	if c.Account == "" || c.JID == "" {
		return fmt.Errorf("store: put contact: empty account or JID: %w", ErrInvalid)
	}
	return s.UpdateRoster(ctx, RosterUpdate{Account: c.Account, Put: []Contact{c}})
}

// RosterUpdate is a roster result or push (RFC 6121) to store at once.
type RosterUpdate struct {
	Account string
	// Full: the whole roster (a roster result); stored contacts not in
	// Put are removed.
	Full   bool
	Put    []Contact // added or changed items (Account is taken from above)
	Remove []string  // bare JIDs of removed items
	Ver    string    // the roster version (XEP-0237), "" if the server gave none
}

// UpdateRoster stores u in one transaction: the items, the removals and the
// version together, so that a version is never stored without its items.
// One transaction for a roster of 1,000 instead of one each: one disk sync
// at login, not a thousand. ErrNotFound if the account is not stored.
func (s *Store) UpdateRoster(ctx context.Context, u RosterUpdate) error {
	const op = "update roster"
	if u.Account == "" {
		return fmt.Errorf("store: %s: empty account: %w", op, ErrInvalid)
	}
	groups := make([]string, len(u.Put))
	for i, c := range u.Put {
		if c.JID == "" {
			return fmt.Errorf("store: %s: empty JID: %w", op, ErrInvalid)
		}
		g := c.Groups
		if g == nil {
			g = []string{}
		}
		b, err := json.Marshal(g)
		if err != nil {
			return wrap(op, err)
		}
		groups[i] = string(b)
	}
	return s.wr.do(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var gone []string
		if u.Full {
			keep := make(map[string]bool, len(u.Put))
			for _, c := range u.Put {
				keep[c.JID] = true
			}
			rows, err := tx.QueryContext(ctx, `SELECT jid FROM contacts WHERE account = ?`, u.Account)
			if err != nil {
				return err
			}
			for rows.Next() {
				var j string
				if err := rows.Scan(&j); err != nil {
					rows.Close()
					return err
				}
				if !keep[j] {
					gone = append(gone, j)
				}
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
		}
		del, err := tx.PrepareContext(ctx, `DELETE FROM contacts WHERE account = ? AND jid = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, j := range append(gone, u.Remove...) {
			if _, err := del.ExecContext(ctx, u.Account, j); err != nil {
				return err
			}
		}
		put, err := tx.PrepareContext(ctx, `INSERT INTO contacts (account, jid, name, subscription, ask, groups)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account, jid) DO UPDATE SET name = excluded.name,
				subscription = excluded.subscription, ask = excluded.ask, groups = excluded.groups`)
		if err != nil {
			return err
		}
		defer put.Close()
		for i, c := range u.Put {
			if _, err := put.ExecContext(ctx, u.Account, c.JID, c.Name, c.Subscription, c.Ask, groups[i]); err != nil {
				if isForeignKey(err) {
					return noAccount(u.Account)
				}
				return err
			}
		}
		if u.Ver != "" {
			res, err := tx.ExecContext(ctx, `UPDATE accounts SET roster_ver = ? WHERE jid = ?`, u.Ver, u.Account)
			return mustAffect(res, err, u.Account)
		}
		return nil
	})
}

// RemoveContact deletes the roster item; removing one that is not stored is
// not an error (roster pushes may repeat).
func (s *Store) RemoveContact(ctx context.Context, account, jid string) error {
	return s.wr.do(ctx, "remove contact", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE account = ? AND jid = ?`, account, jid)
		return err
	})
}

// Contacts returns the cached roster of the account ordered by JID.
func (s *Store) Contacts(ctx context.Context, account string) ([]Contact, error) {
	const op = "list contacts"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT account, jid, name, subscription, ask, groups
		FROM contacts WHERE account = ? ORDER BY jid`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		var (
			c Contact
			g string
		)
		if err := rows.Scan(&c.Account, &c.JID, &c.Name, &c.Subscription, &c.Ask, &g); err != nil {
			return nil, wrap(op, err)
		}
		if err := json.Unmarshal([]byte(g), &c.Groups); err != nil {
			return nil, wrap(op, fmt.Errorf("contact %q: groups: %w", c.JID, err))
		}
		if len(c.Groups) == 0 {
			c.Groups = nil
		}
		out = append(out, c)
	}
	return out, wrap(op, rows.Err())
}

// Strangers returns the peers the account has a chat history with that are
// neither contacts nor rooms (people who wrote without being in the
// roster), ordered by address. It skips from peer to peer through the
// messages_peer index, so it costs a lookup per peer, not a scan of the
// history.
func (s *Store) Strangers(ctx context.Context, account string) ([]string, error) {
	const op = "list strangers"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, chatPeers+`
		SELECT peer FROM p WHERE peer IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.account = ?1 AND c.jid = p.peer)
			AND NOT EXISTS (SELECT 1 FROM rooms r WHERE r.account = ?1 AND r.jid = p.peer)`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var peer string
		if err := rows.Scan(&peer); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, peer)
	}
	return out, wrap(op, rows.Err())
}
