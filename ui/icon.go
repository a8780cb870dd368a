package ui

import (
	"fyne.io/fyne/v2"

	"github.com/clove-xmpp/clove/assets"
)

var icon = fyne.NewStaticResource("clove.png", assets.IconPNG)

// Icon is Clove's application icon.
func Icon() fyne.Resource { return icon }
