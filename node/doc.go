// Package node will run Clove's bundled server node: prosody and i2pd as
// supervised child processes, with the node's own .b32.i2p domain, federating
// with other nodes over I2P. Its first piece is the prosody module that
// sends server-to-server traffic through I2P's SOCKS5 proxy
// (assets/prosody/mod_clove_darknet.lua), tested here against two real
// prosody servers.
package node
