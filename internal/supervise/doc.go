// Package supervise runs a fixed set of child processes, restarts any that
// dies (with backoff) and stops them, last first, when told to. It is the
// whole of clove-node, the small resident process of a bundled node
// (prosody + i2pd), and the in-process supervisor of `clove node run`.
//
// It imports little on purpose: clove-node stays resident as long as the
// node runs, and every package linked in costs the node memory (the
// bundled node's idle RSS is measured against prosody + i2pd run by hand).
// A node directory holds the files it shares with the clove binary: the
// plan (which children to run, written by `clove node start`), the pid file
// and the status file (read by `clove node status`).
package supervise
