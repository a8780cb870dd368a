// Package prosodytest starts a real prosody (Debian's apt package) for tests:
// a temp dir, generated config and self-signed certificate, free loopback
// ports, users created with prosodyctl, clean shutdown. Modelled on mellium's
// internal/integration helpers.
package prosodytest
