package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// searchFixture stores these bodies for me@example.org (peers alternate a, b
// as listed) plus one message of another account; ids grow in this order.
var searchBodies = []struct{ peer, body string }{
	{"a@example.org", "Hello world"},                   // 0
	{"b@example.org", "hello there, General Kenobi"},   // 1
	{"a@example.org", "Café au lait"},                  // 2
	{"a@example.org", "near the station AND the park"}, // 3
	{"b@example.org", `He said "quote" and left`},      // 4
	{"a@example.org", "日本語のテキスト"},                      // 5
	{"b@example.org", "star * wars"},                   // 6
	{"a@example.org", "Ünïcödé façade"},                // 7
	{"b@example.org", "not or and"},                    // 8
	{"a@example.org", "helicopter"},                    // 9
	{"b@example.org", "it's, don't"},                   // 10
}

func newSearchStore(t *testing.T) *Store {
	t.Helper()
	s := newStoreWith(t, me, "other@example.org")
	for i, b := range searchBodies {
		var err error
		if i%2 == 0 {
			_, err = s.AddIncoming(t.Context(), in(me, b.peer, b.body))
		} else {
			err = s.AddOutgoing(t.Context(), out(me, b.peer, b.body))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddIncoming(t.Context(), in("other@example.org", "a@example.org", "Hello world")); err != nil {
		t.Fatal(err)
	}
	return s
}

// want lists searchBodies indexes, newest first.
func want(idx ...int) []string {
	out := []string{}
	for _, i := range idx {
		out = append(out, searchBodies[i].body)
	}
	return out
}

func TestSearchHostileInput(t *testing.T) {
	s := newSearchStore(t)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		// FTS5 syntax is plain text.
		{`"`, want()},
		{`*`, want()},
		{`NEAR(`, want(3)},
		{`NEAR(hello world)`, want()}, // the words "near hello" are not adjacent anywhere
		{`NEAR(a b, 3)`, want()},
		{`AND`, want(8, 4, 3)}, // the word, as a prefix
		{`OR`, want(8)},
		{`NOT`, want(8)},
		{`hello AND`, want()},
		{`x OR y`, want()},
		{`body:hello`, want()},
		{`{body}: hello`, want()}, // "body" is a word here, found nowhere
		{`^hello`, want(1, 0)},
		{`-hello`, want(1, 0)},
		{`+hello`, want(1, 0)},
		{`hello*`, want(1, 0)},
		{`"unterminated`, want()},
		{`he said "quote`, want(4)},
		{`"quote"`, want(4)},
		{`a"b`, want()},
		{`star * wars`, want(6)},
		{`( ) - + { } : ^ ' '' """"`, want()},
		{"hel\x00lo", want()},
		{"\xff\xfe", want()},
		{"hello \xff", want(1, 0)},
		// Unicode.
		{`café`, want(2)},
		{`CAFE`, want(2)},
		{`unicode`, want(7)},
		{`FAÇADE`, want(7)},
		{`日本語`, want(5)},
		{`🎉`, want()},
		// Empty.
		{``, want()},
		{"  \t\n ", want()},
		// Words and prefixes.
		{`hel`, want(9, 1, 0)},
		{`hel world`, want()}, // only the last word is a prefix
		{`hello wor`, want(0)},
		{`HELLO`, want(1, 0)},
		{`general kenobi`, want(1)},
		{`kenobi general`, want(1)}, // words, not a phrase
		{`don't`, want(10)},
		{`it's don`, want(10)},
	} {
		t.Run(fmt.Sprintf("%q", tc.query), func(t *testing.T) {
			got, err := s.Search(t.Context(), me, "", tc.query, 0)
			if err != nil {
				t.Fatalf("Search(%q): %v (FTS query %s)", tc.query, err, ftsQuery(tc.query))
			}
			if !slices.Equal(bodies(got), tc.want) {
				t.Errorf("Search(%q) = %q, want %q (FTS query %s)", tc.query, bodies(got), tc.want, ftsQuery(tc.query))
			}
		})
	}
}

func TestSearchFilters(t *testing.T) {
	s := newSearchStore(t)
	for _, tc := range []struct {
		name          string
		account, with string
		query         string
		limit         int
		want          []string
	}{
		{"all peers", me, "", "hel", 0, want(9, 1, 0)},
		{"one peer", me, "a@example.org", "hel", 0, want(9, 0)},
		{"other peer", me, "b@example.org", "hel", 0, want(1)},
		{"limit keeps the newest", me, "", "hel", 2, want(9, 1)},
		{"other account", "other@example.org", "", "hello", 0, []string{"Hello world"}},
		{"unknown account", "nobody@example.org", "", "hello", 0, want()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Search(t.Context(), tc.account, tc.with, tc.query, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(bodies(got), tc.want) {
				t.Errorf("Search = %q, want %q", bodies(got), tc.want)
			}
			for _, m := range got {
				if m.Account != tc.account || (tc.with != "" && m.Peer != tc.with) {
					t.Errorf("result from the wrong chat: %+v", m)
				}
			}
		})
	}
}

func TestSearchPlan(t *testing.T) {
	// The FTS table must drive the join, newest first, so a common word in a
	// big history stops after limit rows.
	s := newSearchStore(t)
	plan := queryPlan(t, s, `SELECT m.id
		FROM messages_fts CROSS JOIN messages m ON m.id = messages_fts.rowid
		WHERE messages_fts MATCH ? AND m.account = ? AND m.peer = ?
		ORDER BY messages_fts.rowid DESC LIMIT ?`, `"hello"*`, me, "a@example.org", 10)
	if len(plan) != 2 || !strings.HasPrefix(plan[0], "SCAN messages_fts VIRTUAL TABLE") {
		t.Errorf("FTS table is not the outer loop: %q", plan)
	}
	for _, d := range plan {
		if strings.Contains(d, "TEMP B-TREE") {
			t.Errorf("search sorts its results instead of reading them in rowid order: %q", plan)
		}
	}
}

func TestSearchStaysInSync(t *testing.T) {
	ctx := t.Context()
	s := newSearchStore(t)
	if _, err := s.w.ExecContext(ctx, `UPDATE messages SET body = 'edited text' WHERE body = 'helicopter'`); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Search(ctx, me, "", "helicopter", 0); len(got) != 0 {
		t.Errorf("old body still found: %q", bodies(got))
	}
	if got, _ := s.Search(ctx, me, "", "edited", 0); len(got) != 1 {
		t.Errorf("new body not found: %q", bodies(got))
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM messages WHERE body = 'edited text'`); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Search(ctx, me, "", "edited", 0); len(got) != 0 {
		t.Errorf("deleted body still found: %q", bodies(got))
	}
	checkIntegrity(t, s)
}

func TestFTSQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"hello", `"hello"*`},
		{"hello world", `"hello" "world"*`},
		{`say "hi"`, `"say" """hi"""*`},
		{"NEAR( a", `"NEAR(" "a"*`},
		{"* ) (", ""},
		{"a\x00b", `"a" "b"*`},
	} {
		if got := ftsQuery(tc.in); got != tc.want {
			t.Errorf("ftsQuery(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
