package gui

import (
	"context"
	"errors"
	"log/slog"

	"github.com/clove-xmpp/clove/internal/x11clip"
	"github.com/clove-xmpp/clove/ui"
)

// clipboardImage reads a picture from the X11 clipboard for the window's
// Ctrl+V (Fyne's clipboard carries text only). No display (a Wayland
// session without XWayland) or an owner that does not answer is no
// picture: the paste goes on as text, logged. A picture too large or
// broken is the user's to know.
func clipboardImage(log *slog.Logger) ui.ClipboardImageReader {
	return func(ctx context.Context, max int64) ([]byte, error) {
		b, err := x11clip.ReadImage(ctx, max)
		switch {
		case err == nil:
			return b, nil
		case errors.Is(err, x11clip.ErrTooLarge), errors.Is(err, x11clip.ErrBroken):
			return nil, err
		case errors.Is(err, x11clip.ErrTimeout):
			// The paste waited for it: worth a line.
			log.Warn("no picture from the clipboard", "err", err)
			return nil, nil
		default:
			log.Info("no picture from the clipboard", "err", err)
			return nil, nil
		}
	}
}
