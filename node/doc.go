// Package node runs Clove's bundled server node: Init makes its I2P identity
// (the .b32.i2p address is the XMPP domain), a self-signed certificate and a
// prosody config from assets/; Start supervises prosody and the node's own
// i2pd as child processes and restarts them when they die. Server-to-server
// traffic goes over I2P through the prosody module
// assets/prosody/mod_clove_darknet.lua (SOCKS5 with names, darknet_only,
// darknet_map, retries and a delivery check). The tests federate two nodes
// over a private I2P network (internal/i2pnet).
package node
