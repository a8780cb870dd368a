package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// mapWatch is a minimal X11 client that tells when a top-level window is
// mapped: it selects SubstructureNotify on the root window and stamps each
// MapNotify as it arrives. The benchmark used to poll `xdotool search`
// every 10 ms — a fork and exec of an X client 100 times a second, on the
// same 2 cores as the app starting (see docs/benchmarks.md) — and
// `xdotool search --sync` waits in 0.5 s steps; this costs nothing while
// it waits.
type mapWatch struct {
	conn net.Conn
	maps chan mapEvent
}

// mapEvent is one top-level window mapped (not override-redirect: no
// menus or tooltips), with when the event was read.
type mapEvent struct {
	window uint32
	at     time.Time
}

// watchMaps connects to display (":N", a local X server without
// authorisation, as Xvfb is started here) and reports every top-level
// window mapped from now on.
func watchMaps(display string) (*mapWatch, error) {
	n := strings.TrimPrefix(display, ":")
	n, _, _ = strings.Cut(n, ".")
	conn, err := net.Dial("unix", "/tmp/.X11-unix/X"+n)
	if err != nil {
		return nil, err
	}
	root, err := x11Setup(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// ChangeWindowAttributes(root, event-mask = SubstructureNotify).
	req := make([]byte, 16)
	req[0] = 2
	binary.LittleEndian.PutUint16(req[2:], 4)
	binary.LittleEndian.PutUint32(req[4:], root)
	binary.LittleEndian.PutUint32(req[8:], 0x800)    // CWEventMask
	binary.LittleEndian.PutUint32(req[12:], 0x80000) // SubstructureNotifyMask
	if _, err := conn.Write(req); err != nil {
		conn.Close()
		return nil, err
	}
	w := &mapWatch{conn: conn, maps: make(chan mapEvent, 64)}
	go w.read()
	return w, nil
}

func (w *mapWatch) read() {
	defer close(w.maps)
	ev := make([]byte, 32)
	for {
		if _, err := io.ReadFull(w.conn, ev); err != nil {
			return
		}
		at := time.Now()
		// 19: MapNotify; byte 12 is override-redirect. Errors (0) and
		// other events are 32 bytes too; no request here has a reply.
		if ev[0]&0x7f == 19 && ev[12] == 0 {
			select {
			case w.maps <- mapEvent{binary.LittleEndian.Uint32(ev[8:]), at}:
			default:
			}
		}
	}
}

// next returns the first window mapped after since (earlier events, from
// an app measured before, are dropped), or an error after timeout.
func (w *mapWatch) next(since time.Time, timeout time.Duration) (mapEvent, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case e, ok := <-w.maps:
			if !ok {
				return mapEvent{}, fmt.Errorf("X connection closed")
			}
			if e.at.After(since) {
				return e, nil
			}
		case <-t.C:
			return mapEvent{}, fmt.Errorf("no window mapped within %v", timeout)
		}
	}
}

func (w *mapWatch) Close() error { return w.conn.Close() }

// x11Setup does the connection handshake (no authorisation) and returns
// the first screen's root window.
func x11Setup(conn net.Conn) (uint32, error) {
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetDeadline(time.Time{})
	hello := []byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := conn.Write(hello); err != nil {
		return 0, err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(conn, head); err != nil {
		return 0, err
	}
	body := make([]byte, int(binary.LittleEndian.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(conn, body); err != nil {
		return 0, err
	}
	if head[0] != 1 {
		return 0, fmt.Errorf("X server refused the connection: %q", body[:min(int(head[1]), len(body))])
	}
	vendor := int(binary.LittleEndian.Uint16(body[16:]))
	formats := int(body[21])
	off := 32 + (vendor+3)/4*4 + formats*8
	if off+4 > len(body) {
		return 0, fmt.Errorf("short X setup reply")
	}
	return binary.LittleEndian.Uint32(body[off:]), nil
}
