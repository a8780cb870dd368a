package store

import "context"

// chatPeers lists the account's (?1) chat peers as p(peer) plus a NULL
// row: a skip-scan of the messages_peer index, one lookup per peer.
const chatPeers = `WITH RECURSIVE p(peer) AS (
			SELECT (SELECT MIN(peer) FROM messages WHERE account = ?1)
			UNION ALL
			SELECT (SELECT MIN(peer) FROM messages WHERE account = ?1 AND peer > p.peer)
			FROM p WHERE p.peer IS NOT NULL
		)`

// LastMessages returns the newest message of each of the account's chats
// (a correction counts as the message it corrects, whose body it
// changed), newest first: what a chat list shows under each name. Like
// Strangers it skips from peer to peer through the messages_peer index,
// then reads one row per peer from its end: a lookup per chat, not a scan
// of the history (BenchmarkLastMessages).
func (s *Store) LastMessages(ctx context.Context, account string) ([]Message, error) {
	const op = "last messages"
	db, err := s.reader(op)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, chatPeers+`
		SELECT `+msgColumns+` FROM messages WHERE id IN (
			SELECT (SELECT id FROM messages m WHERE m.account = ?1 AND m.peer = p.peer AND m.replaces IS NULL
				ORDER BY m.id DESC LIMIT 1)
			FROM p WHERE p.peer IS NOT NULL)
		ORDER BY id DESC`, account)
	return scanMessages(op, rows, err, false)
}
