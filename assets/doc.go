// Package assets holds Clove's own artwork: the application icon, drawn by
// gen.go (go run gen.go) so it can be regenerated and changed in code.
package assets

import _ "embed"

// IconPNG is the 256×256 application icon: a clove, the spice.
//
//go:embed clove.png
var IconPNG []byte
