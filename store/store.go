package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/mattn/go-sqlite3"
)

// Connection settings. busyTimeout only matters when another process holds
// the database (this process writes through a single connection).
const (
	busyTimeoutMS = 5000
	maxReaders    = 4
	// maxIdleReaders read connections stay open between reads.
	maxIdleReaders = 2
	stmtCacheSize  = 32
)

// Store is Clove's local database. It is safe for concurrent use. Writes go
// through one connection and are group-committed (see writer); reads use a
// small pool of read-only connections, which in WAL mode never wait for the
// writer.
type Store struct {
	path   string
	log    *slog.Logger
	w      *sql.DB // exactly one connection; used only by wr and Open
	r      *sql.DB // read-only pool
	wr     *writer
	closed atomic.Bool
	once   sync.Once
	err    error
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. The parent directory is created with mode 0700 and the file
// with 0600 (an existing file readable by others is tightened to 0600). The
// database runs in WAL mode with synchronous=FULL, so a write that returned
// survives a crash or power loss, and foreign keys on.
//
// Open fails with ErrNoFTS5 if the binary was built without the sqlite_fts5
// tag, ErrReadOnly if the file or directory cannot be written, ErrDiskFull if
// there is no room for the schema, and ErrSchemaTooNew if a newer Clove wrote
// the file.
func Open(ctx context.Context, path string) (*Store, error) {
	log := slog.Default()
	if path == "" {
		return nil, fmt.Errorf("store: open: empty path: %w", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, wrap("open "+path, err)
	}
	if err := checkFTS5(ctx); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	if err := prepareFile(abs, log); err != nil {
		return nil, err
	}

	w := sql.OpenDB(connector{dsn: dsn(abs, url.Values{
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_txlock":       {"immediate"},
	}), init: writerInit})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	fail := func(err error) (*Store, error) {
		_ = w.Close()
		return nil, err
	}
	if err := checkConn(ctx, w, abs); err != nil {
		return fail(err)
	}
	if err := migrate(ctx, w, migrations(), log); err != nil {
		return fail(fmt.Errorf("%w (database %s)", err, abs))
	}

	r := sql.OpenDB(connector{dsn: dsn(abs, url.Values{"_query_only": {"1"}})})
	r.SetMaxOpenConns(maxReaders)
	r.SetMaxIdleConns(maxIdleReaders)
	if err := r.PingContext(ctx); err != nil {
		_ = r.Close()
		return fail(wrap("open "+abs+" for reading", err))
	}

	s := &Store{path: abs, log: log, w: w, r: r, wr: newWriter(w, log, indexPending)}
	log.DebugContext(ctx, "store: opened", "path", abs, "schema", SchemaVersion())
	return s, nil
}

// prepareFile creates the directory (0700) and the database file (0600) so
// that SQLite, which gives the -wal and -shm files the mode of the database
// file, never creates anything more open than that.
func prepareFile(path string, log *slog.Logger) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return wrap("create directory for "+path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return wrap("open "+path, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("store: database file was readable by others; setting mode 0600", "path", path, "mode", fi.Mode().Perm())
		err = f.Chmod(0o600)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return wrap("open "+path, err)
	}
	return nil
}

// checkFTS5 fails with ErrNoFTS5 if SQLite lacks FTS5, before any file is
// touched.
func checkFTS5(ctx context.Context) error {
	db := sql.OpenDB(connector{dsn: "file::memory:"})
	defer db.Close()
	var fts5 bool
	if err := db.QueryRowContext(ctx, "SELECT sqlite_compileoption_used('ENABLE_FTS5')").Scan(&fts5); err != nil {
		return err
	}
	if !fts5 {
		return ErrNoFTS5
	}
	return nil
}

// checkConn verifies that the connection has the settings the store relies
// on.
func checkConn(ctx context.Context, db *sql.DB, path string) error {
	var mode string
	var sync, fk int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return wrap("open "+path, err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return wrap("open "+path, err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return wrap("open "+path, err)
	}
	if mode != "wal" || sync != 2 || fk != 1 {
		return fmt.Errorf("store: open %s: connection settings not applied (journal_mode=%s synchronous=%d foreign_keys=%d)", path, mode, sync, fk)
	}
	return nil
}

// Close waits for pending writes, then closes the database (checkpointing
// the WAL into the main file). Further calls return the first result.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.wr.close()
		s.err = errors.Join(s.r.Close(), s.w.Close())
		if s.err != nil {
			s.err = wrap("close "+s.path, s.err)
		}
	})
	return s.err
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// reader returns the read pool, or ErrClosed.
func (s *Store) reader(op string) (*sql.DB, error) {
	if s.closed.Load() {
		return nil, wrap(op, ErrClosed)
	}
	return s.r, nil
}

// dsn builds a go-sqlite3 URI for path. The path is escaped so that '?', '#'
// and '%' in a directory name cannot be read as URI syntax.
func dsn(path string, extra url.Values) string {
	q := url.Values{
		"_busy_timeout":    {fmt.Sprint(busyTimeoutMS)},
		"_foreign_keys":    {"1"},
		"_stmt_cache_size": {fmt.Sprint(stmtCacheSize)},
	}
	for k, v := range extra {
		q[k] = v
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}

// writerInit is run on each new writer connection (ReleaseMemory closes
// it; the next write opens another): what the DSN cannot carry. The WAL
// is truncated back to 64 MiB after a big transaction (a MAM catch-up,
// removing an account) instead of keeping its peak size.
const writerInit = "PRAGMA journal_size_limit = 67108864"

// connector opens go-sqlite3 connections without registering a driver name
// (registration is process-global state), and runs init (SQL) on each.
type connector struct {
	dsn  string
	init string
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	d := &sqlite3.SQLiteDriver{}
	if c.init != "" {
		d.ConnectHook = func(conn *sqlite3.SQLiteConn) error {
			if _, err := conn.Exec(c.init, nil); err != nil {
				return fmt.Errorf("%s: %w", c.init, err)
			}
			return nil
		}
	}
	return d.Open(c.dsn)
}

func (c connector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }
