// Package slixtest runs slixmpp (Debian 12's python3-slixmpp, 1.8.3) as a
// third-party XMPP client in tests: a receiver that is not Clove's code, for
// the checks where what another client sees is the result (exactly-once
// delivery, and later chat states, corrections, blocking, OMEMO).
//
// Start writes an embedded Python script (harness.py) to a temp directory
// and runs it as a child process; the account, its password and the server
// go to the child on its stdin, never in argv. The child logs in over
// STARTTLS to a test server on loopback, trusting exactly the certificate it
// is given, sends its initial presence and says it is ready. From then on it
// reports every message stanza it receives, as it arrived: it does not
// deduplicate, query an archive or resume a stream, and enables carbons only
// when Params.Carbons asks (it then reports a carbon as the message it
// forwards, with Message.Carbon set).
//
//	srv := prosodytest.Start(t)
//	srv.CreateUser(t, "bob", "pw")
//	slixtest.Require(t)
//	bob, err := slixtest.Start(ctx, slixtest.Params{
//		JID: "bob@" + srv.Domain + "/slixmpp", Password: "pw",
//		Addr: srv.C2SAddr, CertPEM: srv.CertPEM,
//	})
//	…
//	t.Cleanup(func() { bob.Close() })
//	msgs, err := bob.WaitMessages(ctx, 10)
//
// The child dies with the test: its context kills it, Close ends it (a
// clean logout, then SIGKILL to its process group), and on Linux the kernel
// kills it when the test binary dies without cleaning up.
//
// Commands go to the child as JSON lines on stdin, each answered by a reply
// with its sequence number; Send is the first. A later test adds an
// operation to harness.py and a method here; slixmpp plugins (xep_0085,
// xep_0308, …) are loaded by name through Params.Plugins, and every
// received stanza comes with its XML, so a test can read extensions the
// harness does not parse.
//
// OMEMO mode (Params.OMEMO; RequireOMEMO) loads slixmpp-omemo (python-omemo,
// Debian 13's packages, which make deps installs on Debian 12) with blind
// trust: Start returns once the client's device list and bundles are
// published (Client.OMEMO is its device and fingerprint), encrypted messages
// arrive decrypted (Message.Encrypted, PreKey, DecryptError), Send encrypts
// with Outgoing.Encrypt, and OMEMODevices says what keys it knows of a
// contact. It is the OMEMO implementation that is not ours in the interop
// test (cmd/clove's TestOMEMOInteropSlixmpp). In a room (members-only, real
// JIDs shown, as Conversations and Dino want it), groupchat messages are
// decrypted too (From stays room/nick), Outgoing.Recipients names whom a
// groupchat message is encrypted for, and the room's copy of what the
// client sent comes back as Message.Reflected with the text it sent.
//
// HTTP file upload (XEP-0363; RequireUpload, as the plugin needs
// python3-aiohttp): RequestUploadSlot finds the server's upload service
// through disco and asks it for a slot (a refusal is an *UploadRefused),
// UploadFile is slixmpp's own whole upload.
package slixtest
