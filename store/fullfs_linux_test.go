package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of the given size on a temporary directory, or
// skips the test where that is not allowed (not root, no CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size string) string {
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

// TestDiskFullTmpfs fills a real, tiny file system.
func TestDiskFullTmpfs(t *testing.T) {
	ctx := t.Context()
	dir := mountTmpfs(t, "512k")
	path := filepath.Join(dir, "clove.db")
	s := openStore(t, path)
	mustAddAccount(t, s, me)
	body := strings.Repeat("a message that fills the disk ", 20)
	var stored []int64
	var err error
	for range 100000 {
		m := out(me, you, body)
		if err = s.AddOutgoing(ctx, m); err != nil {
			break
		}
		stored = append(stored, m.ID)
	}
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error %v is not a clear ErrDiskFull", err)
	}
	t.Logf("error after %d messages: %v", len(stored), err)
	if len(stored) == 0 {
		t.Fatal("the file system was full before the first message")
	}
	p, err := s.Pending(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != len(stored) {
		t.Errorf("Pending has %d messages, %d were stored", len(p), len(stored))
	}

	// Make room: writing works again, and everything survives a reopen.
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size=8m"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddOutgoing(ctx, out(me, you, "room again")); err != nil {
		t.Errorf("AddOutgoing after making room: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path)
	if p, err := s.Pending(ctx, me); err != nil || len(p) != len(stored)+1 {
		t.Errorf("after reopen Pending = %d messages, %v; want %d", len(p), err, len(stored)+1)
	}
	checkIntegrity(t, s)
}

// TestOpenReadOnlyFS opens stores on a read-only file system.
func TestOpenReadOnlyFS(t *testing.T) {
	dir := mountTmpfs(t, "4m")
	existing := filepath.Join(dir, "clove.db")
	s := openStore(t, existing)
	mustAddAccount(t, s, me)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	for _, path := range []string{existing, filepath.Join(dir, "new", "clove.db")} {
		s, err := Open(t.Context(), path)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s) on a read-only file system succeeded", path)
		}
		if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("Open(%s): %v is not a clear ErrReadOnly", path, err)
		}
	}
}

// TestOpenOnFullDisk creates a database on a file system with no room left.
func TestOpenOnFullDisk(t *testing.T) {
	dir := mountTmpfs(t, "64k")
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := filler.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	filler.Close()
	s, err := Open(t.Context(), filepath.Join(dir, "clove.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open on a full disk succeeded")
	}
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Open on a full disk: %v is not a clear ErrDiskFull", err)
	}
	t.Log(err)
}
