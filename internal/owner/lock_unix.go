//go:build linux || darwin || freebsd

package owner

import (
	"errors"
	"os"
	"syscall"
)

// lockExclusive takes f's exclusive lock without waiting; false when
// someone else holds a lock on it.
func lockExclusive(f *os.File) (bool, error) {
	err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// held reports whether someone holds f's exclusive lock: a shared lock
// cannot be taken. Probes take shared locks, so two probes at once do not
// see each other as owners. The probe's lock goes with f's close.
func held(f *os.File) bool {
	return flock(f, syscall.LOCK_SH|syscall.LOCK_NB) != nil
}

func flock(f *os.File, how int) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = sc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return ferr
}
