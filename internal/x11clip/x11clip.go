//go:build linux

// Package x11clip reads a picture from the X11 clipboard. Fyne's
// clipboard (and GLFW 3.3's under it) carries text only: the CLIPBOARD
// selection is asked for UTF8_STRING and nothing else. A screenshot tool,
// an image viewer or a browser's "Copy Image" offers the picture under
// the target image/png, which this package asks for through Xlib (which
// GLFW already links, so no new library), on a display connection of its
// own: the window's is GLFW's and serves its main loop.
//
// Large pictures arrive in pieces (ICCCM's INCR transfer); all of it is
// bounded by the caller's maximum and by a timeout, since the owner is
// another program that may never answer.
package x11clip

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>

static long clove_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// clove_wait waits until an event matching type (and, for PropertyNotify,
// a new value of prop) comes for window w, or deadline passes: 1 or 0.
static int clove_wait(Display *d, Window w, int type, Atom prop, XEvent *ev, long deadline) {
	for (;;) {
		while (XPending(d)) {
			XNextEvent(d, ev);
			if (ev->type != type || ev->xany.window != w)
				continue;
			if (type == PropertyNotify && (ev->xproperty.atom != prop || ev->xproperty.state != PropertyNewValue))
				continue;
			return 1;
		}
		long left = deadline - clove_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { ConnectionNumber(d), POLLIN, 0 };
		poll(&p, 1, (int)left);
	}
}

// clove_take reads and deletes prop on w, appending it to *buf (*len
// bytes so far, at most max): 0 ok (*got: how many bytes this time),
// 4 more than max, 5 unreadable. *type gets the property's type.
static int clove_take(Display *d, Window w, Atom prop, unsigned long max, unsigned char **buf, unsigned long *len, unsigned long *got, Atom *type) {
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;
	long room = (long)((max - *len) / 4 + 1); // 32-bit units: one more than may fit
	if (XGetWindowProperty(d, w, prop, 0, room, True, AnyPropertyType, type, &format, &n, &after, &data) != Success)
		return 5;
	if (after > 0) {
		XFree(data);
		XDeleteProperty(d, w, prop);
		return 4;
	}
	unsigned long bytes = n * (format == 32 ? sizeof(long) : format / 8);
	if (*type == XInternAtom(d, "INCR", False)) {
		XFree(data);
		*got = 0;
		return 0;
	}
	if (*len + bytes > max) {
		XFree(data);
		return 4;
	}
	if (bytes > 0) {
		unsigned char *nb = realloc(*buf, *len + bytes);
		if (!nb) {
			XFree(data);
			return 5;
		}
		*buf = nb;
		memcpy(*buf + *len, data, bytes);
		*len += bytes;
	}
	XFree(data);
	*got = bytes;
	return 0;
}

// clove_clip_get asks the CLIPBOARD's owner for target: 0 and *out (malloc'd,
// *outlen bytes) when it gave it; 1 nobody owns the clipboard or the owner
// has no such target; 2 no display; 3 no answer in time; 4 more than max;
// 5 a broken answer.
static int clove_clip_get(const char *display, const char *target, long timeout_ms, unsigned long max,
		unsigned char **out, unsigned long *outlen) {
	*out = NULL;
	*outlen = 0;
	Display *d = XOpenDisplay(display);
	if (!d)
		return 2;
	int rc = 1;
	Window w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	XSelectInput(d, w, PropertyChangeMask);
	Atom clip = XInternAtom(d, "CLIPBOARD", False);
	Atom tgt = XInternAtom(d, target, False);
	Atom prop = XInternAtom(d, "CLOVE_CLIPBOARD", False);
	Atom incr = XInternAtom(d, "INCR", False);
	long deadline = clove_now_ms() + timeout_ms;
	XEvent ev;
	Atom type;
	unsigned long got;
	if (XGetSelectionOwner(d, clip) == None)
		goto done;
	XConvertSelection(d, clip, tgt, prop, w, CurrentTime);
	XFlush(d);
	if (!clove_wait(d, w, SelectionNotify, None, &ev, deadline)) {
		rc = 3;
		goto done;
	}
	if (ev.xselection.property == None || ev.xselection.target != tgt)
		goto done;
	rc = clove_take(d, w, prop, max, out, outlen, &got, &type);
	if (rc != 0)
		goto done;
	if (type == incr) {
		// INCR: deleting the property (clove_take did) asks for the
		// first piece; each piece is a new value, the last one empty.
		XFlush(d);
		for (;;) {
			if (!clove_wait(d, w, PropertyNotify, prop, &ev, deadline)) {
				rc = 3;
				goto done;
			}
			rc = clove_take(d, w, prop, max, out, outlen, &got, &type);
			XFlush(d);
			if (rc != 0 || got == 0)
				break;
		}
	}
	if (rc == 0 && *outlen == 0)
		rc = 1;
done:
	if (rc != 0 && *out) {
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	XDestroyWindow(d, w);
	XCloseDisplay(d);
	return rc;
}
*/
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"
)

// Errors of ReadImage.
var (
	ErrNoDisplay = errors.New("no X11 display to read the clipboard from")
	ErrTimeout   = errors.New("the program holding the clipboard did not answer")
	ErrTooLarge  = errors.New("the picture on the clipboard is too large")
	ErrBroken    = errors.New("the clipboard's answer is broken")
)

// DefaultTimeout bounds the wait for the clipboard's owner when ctx has
// no deadline: a program that answers does so in milliseconds.
const DefaultTimeout = 3 * time.Second

// ReadImage returns the PNG on the X11 clipboard (the CLIPBOARD selection,
// target image/png), or nil and no error when there is none (text, or an
// empty clipboard). More than max bytes is ErrTooLarge. It blocks until the
// owner answered, ctx's deadline or DefaultTimeout: call it off the UI
// goroutine.
//
// What comes back must start with PNG's signature: some owners (xclip
// among them) answer every target with whatever they hold, text included.
func ReadImage(ctx context.Context, max int64) ([]byte, error) {
	b, err := Read(ctx, "image/png", max)
	if err != nil || !bytes.HasPrefix(b, []byte(pngSignature)) {
		return nil, err
	}
	return b, nil
}

const pngSignature = "\x89PNG\r\n\x1a\n"

// Read asks the clipboard's owner for target (a MIME type such as
// image/png); see ReadImage.
func Read(ctx context.Context, target string, max int64) ([]byte, error) {
	display := os.Getenv("DISPLAY")
	if display == "" {
		return nil, ErrNoDisplay
	}
	timeout := DefaultTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if timeout <= 0 {
		return nil, ErrTimeout
	}
	cd, ct := C.CString(display), C.CString(target)
	defer C.free(unsafe.Pointer(cd))
	defer C.free(unsafe.Pointer(ct))
	var out *C.uchar
	var n C.ulong
	rc := C.clove_clip_get(cd, ct, C.long(timeout.Milliseconds()), C.ulong(max), &out, &n)
	switch rc {
	case 0:
		defer C.free(unsafe.Pointer(out))
		return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
	case 1:
		return nil, nil
	case 2:
		return nil, fmt.Errorf("%w (DISPLAY=%s)", ErrNoDisplay, display)
	case 3:
		return nil, ErrTimeout
	case 4:
		return nil, fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, max)
	default:
		return nil, ErrBroken
	}
}
