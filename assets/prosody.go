package assets

import "embed"

// Prosody holds what Clove's bundled node gives prosody: the
// server-to-server module for I2P (mod_clove_darknet.lua). The node's
// config is written by node.prosodyConfig.
//
//go:embed prosody/mod_clove_darknet.lua
var Prosody embed.FS
