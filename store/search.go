package store

import (
	"context"
	"strings"
	"unicode"
)

// Search finds the account's messages whose body contains all words of
// query, the last word as a prefix (so results follow typing), newest first.
// with limits the search to one peer ("" for all). The query is plain text:
// FTS5 syntax in it (quotes, *, AND/OR/NOT, NEAR(, column filters, ^) has no
// meaning and cannot cause an error. Words are matched case-insensitively and
// without diacritics; punctuation separates words. A query with no words
// returns no messages. limit <= 0 means DefaultLimit. Messages stored but
// not indexed yet (see migration 4) are indexed first; where that fails (a
// full disk), the search covers the messages indexed before.
func (s *Store) Search(ctx context.Context, account, with, query string, limit int) ([]Message, error) {
	const op = "search"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	match := ftsQuery(query)
	if match == "" {
		return nil, nil
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	if err := s.catchUpIndex(ctx, op, db); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		// A full disk or a read-only file: search what is indexed.
		s.log.Warn("store: search without the newest messages: they could not be indexed", "err", err)
	}
	// CROSS JOIN makes the FTS table the outer loop: FTS5 walks the matching
	// rowids newest first and the join stops after limit hits, instead of
	// SQLite scanning the account's messages and probing the index for each.
	q := `SELECT m.` + strings.ReplaceAll(msgColumns, ", ", ", m.") + `
		FROM messages_fts CROSS JOIN messages m ON m.id = messages_fts.rowid
		WHERE messages_fts MATCH ? AND m.account = ? AND m.replaces IS NULL`
	args := []any{match, account}
	if with != "" {
		q += ` AND m.peer = ?`
		args = append(args, with)
	}
	q += ` ORDER BY messages_fts.rowid DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.QueryContext(ctx, q, args...)
	return scanMessages(op, rows, err, false)
}

// ftsQuery turns user text into an FTS5 query that means "all these words,
// the last one as a prefix". Each whitespace-separated word becomes a quoted
// FTS5 string (inner quotes doubled), which FTS5 reads as a phrase of the
// tokens in it and never as syntax; words without a letter or digit are
// dropped, as they would yield an empty phrase.
func ftsQuery(input string) string {
	var words []string
	// NUL is a separator too: SQLite would end the query string there.
	fields := strings.FieldsFunc(input, func(r rune) bool { return unicode.IsSpace(r) || r == 0 })
	for _, f := range fields {
		if strings.IndexFunc(f, isTokenRune) < 0 {
			continue
		}
		words = append(words, `"`+strings.ReplaceAll(f, `"`, `""`)+`"`)
	}
	if len(words) == 0 {
		return ""
	}
	words[len(words)-1] += "*"
	return strings.Join(words, " ")
}

// isTokenRune approximates the unicode61 tokenizer's token characters
// (letters, numbers, private use).
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}
