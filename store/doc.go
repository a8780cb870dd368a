// Package store keeps Clove's state in SQLite (github.com/mattn/go-sqlite3,
// built with the sqlite_fts5 tag): accounts, contacts, message history with
// full-text search, the outbox of messages not yet acknowledged by the server,
// certificate pins and the last MAM archive id. The schema evolves through
// numbered migrations. A message is written before it is sent, so a crash at
// any point loses nothing already accepted.
//
// It is the bottom layer: it imports no other Clove package but msgstate.
// The OMEMO tables (keys, sessions, trust) are used through package
// omemo/device only; xmppclient never imports this package.
package store
