// Package owner tells which of the sessions sharing a profile are alive,
// so that each message in the profile's outbox is sent by one of them
// (issue 17). Several sessions of one account can run on one profile at
// once — the window, `clove listen`, a bot, and a `clove send` started
// beside them — and each sent every queued message of the account when it
// (re)connected: the server then acknowledged one process's message to
// another, and a receiver that does not deduplicate by origin-id got it
// twice.
//
// Each running session takes a Token: a random id and an exclusive
// flock(2) on the file of that name in the profile's lock directory. The
// kernel drops the lock when the process ends in any way (kill -9
// included), so a lock that can be taken tells that its session is gone
// and its queued messages are anyone's; a live session's are not. Probes
// take a shared lock, so two probes never make each other see a live
// session. A lock file exists and is locked before its id is written
// anywhere (see Take), so a missing file also means a dead session.
//
// A Watcher (one per process and profile) tells the running sessions
// when another one ended (inotify on Linux: the kernel closes the dead
// session's lock file; a slow poll elsewhere), each after its grace time
// for what the dead session had written to the network to reach the
// server.
//
// Systems without flock(2) have no liveness: every other session counts
// as ended, which is how Clove behaved before (at least once, not exactly
// once, when sessions overlap).
package owner
