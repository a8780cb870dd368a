//go:build linux

// Package tmpfstest gives tests a real, small file system that they can
// fill and empty: a tmpfs mounted on a temporary directory (root only;
// the tests skip elsewhere). A full disk is tried on the real thing, not
// on an injected error.
package tmpfstest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size (as mount takes it: "512k", "4m") on a
// temporary directory, unmounted when the test ends, or skips the test
// where that is not allowed (not root, no CAP_SYS_ADMIN).
func Mount(t testing.TB, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// Resize changes the size of the tmpfs mounted on dir (a size below what
// it holds is refused by the kernel).
func Resize(t testing.TB, dir, size string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size="+size); err != nil {
		t.Fatal(err)
	}
}

// Fill fills the file system at dir with a file named filler, then gives
// back room bytes, so that the next writes run out of space part way
// (room 0: full).
func Fill(t testing.TB, dir string, room int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "filler"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	n := int(st.Size())
	buf := make([]byte, 4096)
	for {
		k, err := f.Write(buf)
		n += k
		if err != nil {
			break
		}
	}
	if err := f.Truncate(int64(max(n-room, 0))); err != nil {
		t.Fatal(err)
	}
}

// Free removes what Fill wrote.
func Free(t testing.TB, dir string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// Avail is the room left on the file system at dir, in bytes.
func Avail(t testing.TB, dir string) int64 {
	t.Helper()
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		t.Fatal(err)
	}
	return int64(s.Bavail) * s.Bsize
}
