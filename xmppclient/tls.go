package xmppclient

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// PinStore remembers certificate fingerprints per host for one account.
type PinStore interface {
	// Pin returns the stored fingerprint for host, or "" if none.
	Pin(ctx context.Context, host string) (string, error)
	SetPin(ctx context.Context, host, fingerprint string) error
}

// Fingerprint is the lowercase hex SHA-256 of a certificate's public key
// (SubjectPublicKeyInfo): it survives certificate renewal with the same key.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(sum[:])
}

// NormalizeFingerprint accepts a SHA-256 fingerprint as hex with or without
// colons or spaces, in any case, and returns Clove's form.
func NormalizeFingerprint(s string) (string, error) {
	r := strings.NewReplacer(":", "", " ", "", "-", "")
	f := strings.ToLower(r.Replace(strings.TrimSpace(s)))
	if len(f) != 64 {
		return "", fmt.Errorf("a SHA-256 fingerprint has 64 hex digits, got %d", len(f))
	}
	if _, err := hex.DecodeString(f); err != nil {
		return "", fmt.Errorf("fingerprint %q is not hex", s)
	}
	return f, nil
}

// FormatFingerprint groups a fingerprint in colon-separated pairs for people.
func FormatFingerprint(f string) string {
	var b strings.Builder
	for i := 0; i+1 < len(f); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToUpper(f[i : i+2]))
	}
	return b.String()
}

// PinMismatchError: the server presented a key other than the pinned one.
type PinMismatchError struct {
	Host, Pinned, Got string
}

func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("the certificate of %s does not match the pinned one (pinned %s, server sent %s): someone may be intercepting the connection; if the server changed its key on purpose, re-add the account with --pin", e.Host, short(e.Pinned), short(e.Got))
}

func short(f string) string {
	if len(f) > 16 {
		return f[:16] + "…"
	}
	return f
}

// ErrCertRejected is returned when the user declined an unknown certificate.
var ErrCertRejected = errors.New("the server's certificate was not trusted")

// verifier implements Clove's certificate policy: a required or stored pin
// must match exactly; otherwise a certificate valid under the system roots is
// accepted; otherwise it is trusted on first use (if Trust allows) and pinned.
type verifier struct {
	host  string
	want  string // required pin (from --pin), normalised
	pins  PinStore
	trust func(host, fingerprint string) bool
	emit  func(Event)
	ctx   context.Context
}

func (v *verifier) config() *tls.Config {
	return &tls.Config{
		ServerName: v.host,
		MinVersion: tls.VersionTLS12,
		// Go's verification is replaced, not skipped: VerifyConnection below
		// checks every connection against the pin or the system roots.
		InsecureSkipVerify: true, //nolint:gosec
		VerifyConnection:   v.verify,
	}
}

func (v *verifier) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	got := Fingerprint(leaf)
	if v.want != "" {
		if got != v.want {
			return &PinMismatchError{Host: v.host, Pinned: v.want, Got: got}
		}
		v.remember(got, true)
		return nil
	}
	var stored string
	if v.pins != nil {
		var err error
		if stored, err = v.pins.Pin(v.ctx, v.host); err != nil {
			return fmt.Errorf("reading the certificate pin: %w", err)
		}
	}
	if stored != "" {
		if got != stored {
			return &PinMismatchError{Host: v.host, Pinned: stored, Got: got}
		}
		v.emit(CertPinned{Host: v.host, Fingerprint: got, Known: true})
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: v.host, Intermediates: inter}); err == nil {
		return nil
	}
	if v.trust != nil && !v.trust(v.host, got) {
		return ErrCertRejected
	}
	v.remember(got, false)
	return nil
}

func (v *verifier) remember(fp string, known bool) {
	if v.pins != nil && !known {
		if err := v.pins.SetPin(v.ctx, v.host, fp); err != nil {
			v.emit(ErrorEvent{Err: fmt.Errorf("could not store the certificate pin: %w", err)})
		}
	}
	v.emit(CertPinned{Host: v.host, Fingerprint: fp, Known: known})
}
