//go:build linux || darwin || freebsd

package chat

import "syscall"

// diskFree is the room left for us on the disk holding dir.
func diskFree(dir string) (int64, bool) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		return 0, false
	}
	return int64(uint64(s.Bavail) * uint64(s.Bsize)), true
}
