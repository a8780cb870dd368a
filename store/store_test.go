package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "clove.db")
	s := openStore(t, path)
	mustAddAccount(t, s, "me@example.org") // makes sure the WAL exists

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("directory mode = %o, want 700", got)
	}
	files, _ := filepath.Glob(path + "*")
	if len(files) < 2 {
		t.Fatalf("files = %v, want the database and its WAL", files)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&0o077 != 0 {
			t.Errorf("%s mode = %o, want no group/other bits", filepath.Base(f), got)
		}
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
}

func TestOpenTightensExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clove.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // umask may have cut it
		t.Fatal(err)
	}
	openStore(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode = %o, want 600", got)
	}
}

func TestOpenPathWithURISyntax(t *testing.T) {
	// '?', '#' and '%' in a directory name must not be read as URI syntax.
	path := filepath.Join(t.TempDir(), "we?ird #dir %41", "clove.db")
	s := openStore(t, path)
	mustAddAccount(t, s, "me@example.org")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
}

func TestConnectionSettings(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	for _, tc := range []struct {
		db    *sql.DB
		name  string
		query string
		want  string
	}{
		{s.w, "writer", "PRAGMA journal_mode", "wal"},
		{s.w, "writer", "PRAGMA synchronous", "2"}, // FULL
		{s.w, "writer", "PRAGMA foreign_keys", "1"},
		{s.w, "writer", "PRAGMA busy_timeout", "5000"},
		{s.w, "writer", "PRAGMA journal_size_limit", "67108864"},
		{s.r, "reader", "PRAGMA journal_mode", "wal"},
		{s.r, "reader", "PRAGMA query_only", "1"},
		{s.r, "reader", "PRAGMA busy_timeout", "5000"},
	} {
		var got string
		if err := tc.db.QueryRowContext(ctx, tc.query).Scan(&got); err != nil {
			t.Fatalf("%s %s: %v", tc.name, tc.query, err)
		}
		if got != tc.want {
			t.Errorf("%s %s = %s, want %s", tc.name, tc.query, got, tc.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plainfile")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.db")
	{
		s := openStore(t, newer)
		if _, err := s.w.Exec("PRAGMA user_version = 999"); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		path    string
		is      error
		message string
	}{
		{"empty path", "", ErrInvalid, "empty path"},
		{"parent is a file", filepath.Join(file, "clove.db"), nil, file},
		{"not a database", garbage, nil, "not a database"},
		{"schema too new", newer, ErrSchemaTooNew, "999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.message) || !strings.HasPrefix(err.Error(), "store: ") {
				t.Errorf("error %q should start with \"store: \" and mention %q", err, tc.message)
			}
		})
	}
}

func TestMigrationsOnReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "clove.db")
	s := openStore(t, path)
	mustAddAccount(t, s, "me@example.org")
	m := out("me@example.org", "you@example.org", "survives reopen")
	if err := s.AddOutgoing(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s := openStore(t, path)
		var v int
		if err := s.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if want := len(migrations()); v != want {
			t.Errorf("reopen %d: user_version = %d, want %d", i, v, want)
		}
		p, err := s.Pending(ctx, "me@example.org")
		if err != nil || len(p) != 1 || p[0].Body != "survives reopen" {
			t.Errorf("reopen %d: Pending = %v, %v", i, bodies(p), err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrate(t *testing.T) {
	ctx := t.Context()
	s := newStore(t) // at the current version
	base := migrations()
	cur := len(base)
	next := func(up string) []migration {
		return append(migrations(), migration{version: cur + 1, up: up})
	}
	version := func() int {
		var v int
		if err := s.w.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	// A step that would fail if run twice runs once, on reopen it is skipped.
	add := next(`CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);`)
	for range 2 {
		if err := migrate(ctx, s.w, add, s.log); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	if v := version(); v != cur+1 {
		t.Errorf("user_version = %d, want %d", v, cur+1)
	}
	var n int
	if err := s.w.QueryRow("SELECT count(*) FROM extra").Scan(&n); err != nil || n != 1 {
		t.Errorf("extra rows = %d, %v; want 1", n, err)
	}

	// A failing step is rolled back whole and leaves the version alone.
	bad := append(add, migration{version: cur + 2, up: `CREATE TABLE half (x); SELECT * FROM nosuchtable;`})
	if err := migrate(ctx, s.w, bad, s.log); err == nil || !strings.Contains(err.Error(), "nosuchtable") {
		t.Errorf("failing migration: err = %v", err)
	}
	if v := version(); v != cur+1 {
		t.Errorf("after failed step user_version = %d, want %d", v, cur+1)
	}
	if err := s.w.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed step exists (%d, %v)", n, err)
	}

	// Misnumbered steps are refused; a database newer than the steps too.
	if err := migrate(ctx, s.w, []migration{{version: 2, up: ""}}, s.log); !errors.Is(err, ErrInvalid) {
		t.Errorf("misnumbered: err = %v, want ErrInvalid", err)
	}
	if err := migrate(ctx, s.w, base, s.log); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("older steps: err = %v, want ErrSchemaTooNew", err)
	}
}

func TestSchemaVersion(t *testing.T) {
	v := SchemaVersion()
	prefix := strconv.Itoa(len(migrations())) + "-"
	if !strings.HasPrefix(v, prefix) || len(v) != len(prefix)+12 || v != SchemaVersion() {
		t.Errorf("SchemaVersion() = %q", v)
	}
}

func TestClosed(t *testing.T) {
	s := newStoreWith(t, "me@example.org")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := t.Context()
	if err := s.AddOutgoing(ctx, out("me@example.org", "you@example.org", "x")); !errors.Is(err, ErrClosed) {
		t.Errorf("AddOutgoing after Close: %v", err)
	}
	if _, err := s.History(ctx, "me@example.org", "", 0, 10); !errors.Is(err, ErrClosed) {
		t.Errorf("History after Close: %v", err)
	}
}

func TestContextCancelled(t *testing.T) {
	s := newStoreWith(t, "me@example.org")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.AddOutgoing(ctx, out("me@example.org", "you@example.org", "x")); !errors.Is(err, context.Canceled) {
		t.Errorf("AddOutgoing: err = %v, want context.Canceled", err)
	}
	if _, err := s.History(ctx, "me@example.org", "", 0, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("History: err = %v, want context.Canceled", err)
	}
	if n := count(t, s, "messages", "1"); n != 0 {
		t.Errorf("%d messages written with a cancelled context", n)
	}
}

// TestDiskFull fills the database up to a page limit (what a full disk looks
// like to SQLite) and checks the error is clear, the rows written before
// survive, and writing works again once there is room.
func TestDiskFull(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, "me@example.org")
	var pages int
	if err := s.w.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+8)); err != nil {
		t.Fatal(err)
	}
	var stored []int64
	var err error
	body := strings.Repeat("fill the disk ", 40)
	for i := 0; i < 10000; i++ {
		m := out("me@example.org", "you@example.org", body)
		if err = s.AddOutgoing(ctx, m); err != nil {
			break
		}
		stored = append(stored, m.ID)
	}
	if err == nil {
		t.Fatal("10000 messages fit in 8 pages")
	}
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %q is not a clear ErrDiskFull", err)
	}
	t.Logf("error: %v (after %d messages)", err, len(stored))
	if len(stored) == 0 {
		t.Fatal("nothing stored before the disk was full")
	}
	// Other writes fail the same way and leave nothing half-written. An
	// incoming message needs less room than an outgoing one (no outbox
	// row), so a few may still fit.
	for i := 0; ; i++ {
		_, err := s.AddIncoming(ctx, in("me@example.org", "you@example.org", body))
		if err == nil && i < 100 {
			continue
		}
		if !errors.Is(err, ErrDiskFull) {
			t.Errorf("AddIncoming on a full disk, after %d that fit: %v", i, err)
		}
		break
	}
	p, err := s.Pending(ctx, "me@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != len(stored) {
		t.Errorf("Pending has %d messages, %d were stored", len(p), len(stored))
	}
	for i := range min(len(p), len(stored)) {
		if p[i].ID != stored[i] {
			t.Errorf("Pending[%d].ID = %d, want %d", i, p[i].ID, stored[i])
		}
	}
	checkIntegrity(t, s)
	// Search still answers, from what was indexed before.
	if _, err := s.Search(ctx, "me@example.org", "", "fill", 10); err != nil {
		t.Errorf("Search on a full disk: %v", err)
	}

	if _, err := s.w.Exec("PRAGMA max_page_count = 1000000"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddOutgoing(ctx, out("me@example.org", "you@example.org", "room again")); err != nil {
		t.Errorf("AddOutgoing after freeing space: %v", err)
	}
	// What could not be indexed on the full disk is found now.
	if res, err := s.Search(ctx, "me@example.org", "", "fill", 10000); err != nil || len(res) < len(stored) {
		t.Errorf("Search after freeing space: %d messages, %v; want at least %d", len(res), err, len(stored))
	}
}

func TestReadOnlyError(t *testing.T) {
	s := newStore(t)
	// What SQLite reports for a file it cannot write to.
	if _, err := s.w.Exec("PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	err := s.AddAccount(t.Context(), Account{JID: "me@example.org"})
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("error %q is not a clear ErrReadOnly", err)
	}
}
