// Package xmpptest is a hostile XMPP server for tests: it logs any client
// in (STARTTLS with a throwaway self-signed certificate, SASL PLAIN with
// any password, resource binding) and then hands the stream to the test,
// which writes whatever a broken or malicious server would. A real server
// cannot be made to send what these tests need (prosody refuses stanzas
// over 256 KiB).
package xmpptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server accepts clients on loopback until the test ends.
type Server struct {
	Addr   string // host:port
	Domain string

	ln    net.Listener
	cert  tls.Certificate
	serve func(s *Stream)

	mu     sync.Mutex
	logins int
}

// Stream is one logged-in client's connection (over TLS).
type Stream struct {
	*tls.Conn
	JID   string // the full JID bound
	Login int    // 1 for the server's first login, 2 for the next …
}

// Start listens on 127.0.0.1 and, for each client that logs in, runs
// serve(stream) after binding; the connection is closed when serve
// returns. What the client writes after login is read and dropped.
func Start(tb testing.TB, domain string, serve func(s *Stream)) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), Domain: domain, ln: ln, cert: selfSigned(tb, domain), serve: serve}
	var wg sync.WaitGroup
	var conns sync.Map
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Store(c, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conns.Delete(c)
				defer c.Close()
				s.handle(c)
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		conns.Range(func(c, _ any) bool { c.(net.Conn).Close(); return true })
		wg.Wait()
	})
	return s
}

// Logins returns how many clients logged in so far.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

func (s *Server) header() string {
	return `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='` +
		s.Domain + `' id='` + fmt.Sprint(time.Now().UnixNano()) + `' version='1.0'>`
}

var (
	bindID  = regexp.MustCompile(`id=['"]([^'"]*)['"]`)
	resPart = regexp.MustCompile(`<resource>([^<]*)</resource>`)
	userRE  = regexp.MustCompile(`<auth[^>]*>([^<]*)</auth>`)
)

// handle logs the client in; a step that fails ends the connection.
func (s *Server) handle(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if _, ok := readUntil(r, "version="); !ok {
		return
	}
	io.WriteString(c, s.header()+`<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`)
	if _, ok := readUntil(r, "<starttls"); !ok {
		return
	}
	io.WriteString(c, `<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`)
	tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
	tr := bufio.NewReader(tc)
	if _, ok := readUntil(tr, "version="); !ok {
		return
	}
	io.WriteString(tc, s.header()+`<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`)
	auth, ok := readUntil(tr, "</auth>")
	if !ok {
		return
	}
	user := "user"
	if m := userRE.FindStringSubmatch(auth); m != nil {
		user = plainUser(m[1], user)
	}
	io.WriteString(tc, `<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`)
	if _, ok := readUntil(tr, "version="); !ok {
		return
	}
	io.WriteString(tc, s.header()+`<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`)
	bind, ok := readUntil(tr, "</iq>")
	if !ok {
		return
	}
	id, res := "", "r"
	if m := bindID.FindStringSubmatch(bind); m != nil {
		id = m[1]
	}
	if m := resPart.FindStringSubmatch(bind); m != nil && m[1] != "" {
		res = m[1]
	}
	full := user + "@" + s.Domain + "/" + res
	io.WriteString(tc, `<iq type='result' id='`+id+`'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>`+full+`</jid></bind></iq>`)
	_ = c.SetDeadline(time.Time{})
	s.mu.Lock()
	s.logins++
	n := s.logins
	s.mu.Unlock()
	go func() { _, _ = io.Copy(io.Discard, tr) }()
	s.serve(&Stream{Conn: tc, JID: full, Login: n})
}

// plainUser reads the user name out of a base64 SASL PLAIN message.
func plainUser(b64, fallback string) string {
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return fallback
	}
	parts := strings.Split(string(dec), "\x00")
	if len(parts) == 3 && parts[1] != "" {
		return parts[1]
	}
	return fallback
}

// readUntil reads until needle has been read (it and what came before).
func readUntil(r *bufio.Reader, needle string) (string, bool) {
	var b strings.Builder
	for !strings.Contains(b.String(), needle) {
		c, err := r.ReadByte()
		if err != nil {
			return b.String(), false
		}
		b.WriteByte(c)
		if b.Len() > 1<<16 {
			return b.String(), false
		}
	}
	return b.String(), true
}

// SendStanzaOfSize writes a <message> from from to the stream's client
// whose whole text is size bytes, mostly body, generated as it is written
// (64 KiB at a time: the test holds none of it). It returns the first
// write error: the client hung up.
func (s *Stream) SendStanzaOfSize(from, id string, size int64) error {
	head := `<message from='` + from + `' to='` + s.JID + `' type='chat' id='` + id + `'><body>`
	tail := `</body></message>`
	if _, err := io.WriteString(s, head); err != nil {
		return err
	}
	chunk := []byte(strings.Repeat("a", 64<<10))
	for left := size - int64(len(head)+len(tail)); left > 0; {
		n := min(left, int64(len(chunk)))
		if _, err := s.Write(chunk[:n]); err != nil {
			return err
		}
		left -= n
	}
	_, err := io.WriteString(s, tail)
	return err
}

// SendMessage writes a chat message from from with body (XML-escaped by
// the caller).
func (s *Stream) SendMessage(from, id, body string) error {
	_, err := io.WriteString(s, `<message from='`+from+`' to='`+s.JID+`' type='chat' id='`+id+`'><body>`+body+`</body></message>`)
	return err
}

func selfSigned(tb testing.TB, domain string) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: domain}, DNSNames: []string{domain},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
