package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// Errors returned by the store. Test for them with errors.Is; the returned
// errors wrap them with the operation and, where there is one, the SQLite
// error underneath.
var (
	// ErrNotFound: the account, pin or message asked for is not stored.
	ErrNotFound = errors.New("not found")
	// ErrExists: AddAccount was given an account that is already stored.
	ErrExists = errors.New("already exists")
	// ErrInvalid: the argument cannot be stored (an empty account, an
	// unknown state, ...).
	ErrInvalid = errors.New("invalid argument")
	// ErrClosed: the Store was closed.
	ErrClosed = errors.New("store is closed")
	// ErrNoFTS5: the binary was built without SQLite's FTS5 module.
	ErrNoFTS5 = errors.New("SQLite was built without FTS5: build with -tags sqlite_fts5")
	// ErrDiskFull: the disk (or the database's size limit) is full. Nothing
	// of the failed call was written; what was stored before is intact.
	ErrDiskFull = errors.New("disk full: nothing was written, stored data is intact")
	// ErrReadOnly: the database file or its directory cannot be written.
	ErrReadOnly = errors.New("database is read-only")
	// ErrSchemaTooNew: the file was written by a newer Clove whose schema
	// this build does not know.
	ErrSchemaTooNew = errors.New("database schema is newer than this program")
)

// wrap prefixes err with "store: op: " and, for the SQLite and OS errors a
// user can act on (full disk, read-only file), adds the matching sentinel so
// that errors.Is works and the message says what happened.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if kind := classify(err); kind != nil && !errors.Is(err, kind) {
		return fmt.Errorf("store: %s: %w (%w)", op, kind, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// classify maps a low-level error to one of the sentinels, or nil.
func classify(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull:
			return ErrDiskFull
		case sqlite3.ErrReadonly:
			return ErrReadOnly
		case sqlite3.ErrIoErr, sqlite3.ErrCantOpen:
			switch se.SystemErrno {
			case syscall.ENOSPC, syscall.EDQUOT:
				return ErrDiskFull
			case syscall.EROFS, syscall.EACCES, syscall.EPERM:
				return ErrReadOnly
			}
		}
		return nil
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return ErrDiskFull
	case errors.Is(err, syscall.EROFS), errors.Is(err, os.ErrPermission):
		return ErrReadOnly
	}
	return nil
}

// isForeignKey reports whether err is a foreign key violation, which in this
// schema always means the account does not exist.
func isForeignKey(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// noAccount is the error for a row that names an account that is not stored.
func noAccount(account string) error {
	return fmt.Errorf("account %q: %w", account, ErrNotFound)
}
