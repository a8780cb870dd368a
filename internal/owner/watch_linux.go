package owner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// start reads inotify events of dir: IN_CLOSE_WRITE is a lock file's
// close by its owner, the only one that opens it for writing — at its end,
// whatever the end. Probes open the files read-only, so they wake no one.
// IN_DELETE: a session released its token (its close comes too; the
// delete alone is enough to look).
func (w *Watcher) start(ctx context.Context, dir string) error {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("owner: inotify: %w", err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CLOSE_WRITE|syscall.IN_DELETE); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("owner: watching %s: %w", dir, err)
	}
	// Non-blocking, so os.File reads through the runtime's poller and
	// Close ends a read in progress.
	f := os.NewFile(uintptr(fd), "inotify "+dir)
	go func() {
		<-ctx.Done()
		f.Close()
	}()
	go func() {
		defer w.stop()
		buf := make([]byte, 64*(syscall.SizeofInotifyEvent+idLen+16))
		for {
			n, err := f.Read(buf)
			if err != nil {
				return
			}
			w.events(buf[:n])
		}
	}()
	return nil
}

// events handles a read's worth of inotify events.
func (w *Watcher) events(b []byte) {
	for len(b) >= syscall.SizeofInotifyEvent {
		ev := (*syscall.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := syscall.SizeofInotifyEvent + int(ev.Len)
		if end > len(b) {
			return
		}
		name := string(bytes.TrimRight(b[syscall.SizeofInotifyEvent:end], "\x00"))
		switch {
		case ev.Mask&syscall.IN_Q_OVERFLOW != 0:
			w.saw("") // events lost: look anyway
		case Valid(name):
			w.saw(name)
		}
		b = b[end:]
	}
}
