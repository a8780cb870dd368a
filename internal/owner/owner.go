package owner

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// idLen is the length of a token's id: crypto/rand.Text's 26 base32
// characters (128 bits), also the lock file's name.
const idLen = 26

// Valid reports whether id has the form of a token's id. Ids come back
// from the profile's database; only valid ones are ever made into a path,
// so a damaged row cannot name a file outside the lock directory.
func Valid(id string) bool {
	if len(id) != idLen {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < '2' || r > '7') {
			return false
		}
	}
	return true
}

// Token is a running session's claim to the messages it queues: held
// until Release (or until the process ends, however it ends).
type Token struct {
	id   string
	path string
	f    *os.File // holds the exclusive lock; nil when released
}

// ID is the token's id, as the outbox records it.
func (t *Token) ID() string { return t.id }

// Take makes a new token in dir (created 0700 if missing), first removing
// the lock files of sessions that ended.
func Take(dir string) (*Token, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("owner: the lock directory: %w", err)
	}
	_, _ = Sweep(dir) // housekeeping: a failure leaves files, nothing else
	for range 10 {
		id := rand.Text()
		p := filepath.Join(dir, id)
		// Opened for writing: its close (at exit, kill -9 included) is
		// what a Watcher hears.
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("owner: a lock file: %w", err)
		}
		ok, err := lockExclusive(f)
		if err != nil {
			f.Close()
			_ = os.Remove(p)
			return nil, fmt.Errorf("owner: locking %s: %w", p, err)
		}
		// Between the create and the lock a probe may have held the file
		// (then ok is false) or a sweep may have removed it (then the lock
		// guards a file no one can find): both take a new id.
		if ok && samefile(f, p) {
			return &Token{id: id, path: p, f: f}, nil
		}
		f.Close()
		if !ok {
			_ = os.Remove(p)
		}
	}
	return nil, fmt.Errorf("owner: could not take a lock in %s", dir)
}

// Release ends the token: its file is removed, then the lock dropped.
// Other sessions may take over its queued messages from then on, so the
// session must be done sending. Releasing again does nothing.
func (t *Token) Release() error {
	if t == nil || t.f == nil {
		return nil
	}
	err := os.Remove(t.path)
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	t.f = nil
	return err
}

// samefile reports whether path still names the file f has open.
func samefile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}

// Alive reports whether the session with token id holds its lock in dir.
// An id without a lock file, or not of a token's form, is not alive.
// When it cannot tell (the file cannot be opened for another reason), it
// says alive: the messages then wait for a later look rather than risk
// going out twice.
func Alive(dir, id string) bool {
	if !Valid(id) {
		return false
	}
	f, err := os.Open(filepath.Join(dir, id))
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	defer f.Close()
	return held(f)
}

// Sweep removes the lock files in dir of sessions that ended, and says
// how many.
func Sweep(dir string) (int, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		if !Valid(e.Name()) {
			continue // not ours: left alone
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		// Removed while the shared lock is held: its owner is gone (or,
		// for a file being made, its maker sees it removed and retries).
		if !held(f) && os.Remove(p) == nil {
			n++
		}
		f.Close()
	}
	return n, nil
}
