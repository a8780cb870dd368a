// Package assets holds Clove's own artwork: the application icon, drawn by
// gen.go (go run gen.go) so it can be regenerated and changed in code.
package assets

import _ "embed"

// IconPNG is the 256×256 application icon: a clove, the spice. The
// package's desktop entry carries it (FyneApp.toml, make package).
//
//go:embed clove.png
var IconPNG []byte

// WindowPNG is the 128×128 copy for the windows (the icon a window manager
// shows in its task bar and window switcher) and notifications. Each
// window's icon is decoded and sent to the X server (as _NET_WM_ICON, 8
// bytes a pixel) before the window is mapped: 4–9 ms of the start at
// 256×256 (perf, 2026-12-07), a quarter of that at 128×128, which task
// bars and switchers show at 16–96 pixels.
//
//go:embed clove-window.png
var WindowPNG []byte

// TrayPNG is the 64×64 copy of the icon for the system tray: the tray
// library keeps the icon's pixels as ARGB for the StatusNotifier's
// IconPixmap, 256 KiB at 256×256 and 16 KiB at 64×64, and trays draw
// it at 16–48 pixels.
//
//go:embed clove-tray.png
var TrayPNG []byte
