package store

import "context"

// ReleaseMemory hands back what SQLite holds in memory while the store is
// idle: it closes the idle read connections (each keeps its own page cache,
// parsed schema and prepared statements; database/sql opens them again on
// the next read, a fraction of a millisecond each) and frees the writer's
// unused page cache (PRAGMA shrink_memory, sqlite3_db_release_memory). The
// window calls it once after its start settles (gui.settleAfter), before
// glibc's free memory is trimmed; nothing is lost, later reads and writes
// work as before.
func (s *Store) ReleaseMemory(ctx context.Context) error {
	r, err := s.reader("release memory")
	if err != nil {
		return err
	}
	// Lowering the idle limit closes the idle connections now; the
	// limit then goes back up for the reads that follow.
	r.SetMaxIdleConns(0)
	r.SetMaxIdleConns(maxIdleReaders)
	// The writer's one connection: waits for a write in progress.
	if _, err := s.w.ExecContext(ctx, "PRAGMA shrink_memory"); err != nil {
		return wrap("release memory", err)
	}
	return nil
}
