package ui

import (
	"fyne.io/fyne/v2"

	"github.com/clove-xmpp/clove/assets"
)

var icon = fyne.NewStaticResource("clove.png", assets.IconPNG)

// Icon is Clove's application icon.
func Icon() fyne.Resource { return icon }

var trayIcon = fyne.NewStaticResource("clove-tray.png", assets.TrayPNG)

// TrayIcon is the application icon at the size of a system tray (64×64):
// the tray keeps its pixels, so the 256×256 one would cost 256 KiB.
func TrayIcon() fyne.Resource { return trayIcon }
