//go:build !linux

package x11clip

import (
	"context"
	"errors"
)

// Errors of ReadImage (see the Linux build).
var (
	ErrNoDisplay = errors.New("no X11 display to read the clipboard from")
	ErrTimeout   = errors.New("the program holding the clipboard did not answer")
	ErrTooLarge  = errors.New("the picture on the clipboard is too large")
	ErrBroken    = errors.New("the clipboard's answer is broken")
)

// ReadImage reads no picture here: only X11's clipboard is asked.
func ReadImage(ctx context.Context, max int64) ([]byte, error) { return nil, ErrNoDisplay }
