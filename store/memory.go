package store

import "context"

// ReleaseMemory hands back what SQLite holds in memory while the store is
// idle: it closes the idle read connections (each keeps its own page cache,
// parsed schema and prepared statements; database/sql opens them again on
// the next read, a fraction of a millisecond each), frees the writer's
// unused page cache (PRAGMA shrink_memory, sqlite3_db_release_memory) and
// closes the writer's connection when no write holds it. The
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
	// Then closed too when idle (its parsed schema, lookaside and cached
	// statements: ~0.3 MiB of the window's C heap; the next write opens
	// it again, with writerInit). A write in progress keeps it.
	s.w.SetMaxIdleConns(0)
	s.w.SetMaxIdleConns(1)
	return nil
}
