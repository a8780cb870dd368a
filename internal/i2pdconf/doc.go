// Package i2pdconf writes i2pd.conf files: one place for the shape of the
// router configurations Clove runs — the bundled node's router and its key
// generator, and the routers of the tests' private network, whose network
// part (Network) is written here too. Every service listens on loopback
// only, and what is not asked for is off.
package i2pdconf
