// Package assets holds Clove's own artwork: the application icon, drawn by
// gen.go (go run gen.go) so it can be regenerated and changed in code.
package assets

import _ "embed"

// IconPNG is the 256×256 application icon: a clove, the spice.
//
//go:embed clove.png
var IconPNG []byte

// TrayPNG is the 64×64 copy of the icon for the system tray: the tray
// library keeps the icon's pixels as ARGB for the StatusNotifier's
// IconPixmap, 256 KiB at 256×256 and 16 KiB at 64×64, and trays draw
// it at 16–48 pixels.
//
//go:embed clove-tray.png
var TrayPNG []byte
