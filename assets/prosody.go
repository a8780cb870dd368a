package assets

import "embed"

// Prosody holds what Clove's bundled node gives prosody: the
// server-to-server module for I2P (mod_clove_darknet.lua) and the node's
// config template (node.cfg.lua.tmpl).
//
//go:embed prosody/mod_clove_darknet.lua prosody/node.cfg.lua.tmpl
var Prosody embed.FS
