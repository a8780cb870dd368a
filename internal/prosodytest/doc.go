// Package prosodytest starts a real prosody (Debian's apt package) for tests:
// a temp dir, generated config and self-signed certificate, free loopback
// ports, users created with prosodyctl, clean shutdown. Modelled on mellium's
// internal/integration helpers.
//
// A test reads as what it checks:
//
//	s := prosodytest.Start(t, prosodytest.WithMAM())
//	alice := s.CreateUser(t, "alice", "secret")
//	conn, _ := net.Dial("tcp", s.C2SAddr)
//	sess, err := xmpp.NewClientSession(ctx, alice, conn,
//		xmpp.StartTLS(s.TLSConfig()),
//		xmpp.SASL("", "secret", sasl.ScramSha256, sasl.ScramSha1, sasl.Plain),
//		xmpp.BindResource())
//	…
//	s.Restart(t) // same ports, users, data and certificate
//
// Start skips the test when prosody is not installed and fails it on CI
// (see Require). Tested with prosody 0.12.3 (Debian 12), as root (with
// run_as_root) and as an ordinary user. Each server costs ~40 ms to start
// and a few ms to stop; tests using it can run in parallel.
package prosodytest
