package files

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Dialer is what the client dials through: transport.Direct, a SOCKS5
// dialer (transport.NewSOCKS5) or a SAM dialer. The host name reaches it
// unresolved ("host.i2p:80").
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Options configures a Client.
type Options struct {
	// I2POnly: only hosts ending in .i2p are fetched or uploaded to; any
	// other host (and any IP address) is refused before anything is
	// dialled, with an error wrapping ErrClearnetRefused.
	I2POnly bool
	Logger  *slog.Logger // nil: no logging
}

// Client uploads and downloads files over HTTP. It is safe for concurrent
// use; connections are kept alive between requests to the same host (a
// new I2P tunnel connection costs seconds).
type Client struct {
	http    *http.Client
	i2pOnly bool
	log     *slog.Logger
}

const (
	userAgent = "Clove"
	// headerTimeout bounds the wait for a response's headers: I2P round
	// trips take seconds and an upload server may first store the file,
	// but a server that never answers must not hold a transfer for ever.
	headerTimeout = 2 * time.Minute
	// errorBodyMax is how much of an error response is read for its message.
	errorBodyMax = 4 << 10
	copyBuffer   = 32 << 10
)

// NewClient returns a Client that opens every connection through d.
func NewClient(d Dialer, opts Options) *Client {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{i2pOnly: opts.I2POnly, log: log}
	tr := &http.Transport{
		// nil, not http.ProxyFromEnvironment: an HTTP_PROXY in the
		// environment must not see (or reroute) I2P traffic.
		Proxy: nil,
		// Every connection goes through the account's dialer, which gets
		// the name unresolved; http.Transport itself never resolves.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return c.dial(ctx, d, network, addr)
		},
		// An empty map turns HTTP/2 off: upload servers need no more than
		// HTTP/1.1, and it is one less protocol to trust.
		TLSNextProto:           map[string]func(string, *tls.Conn) http.RoundTripper{},
		DisableCompression:     true, // no Accept-Encoding; sizes are what the server says
		TLSHandshakeTimeout:    time.Minute,
		ResponseHeaderTimeout:  headerTimeout,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConnsPerHost:    2,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.http = &http.Client{
		Transport: tr,
		// Never follow: the target could be a clearnet host (a leak in
		// I2P mode) or anything the message's sender did not show.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// No Jar: no cookies kept between requests. No Timeout: ctx
		// bounds a transfer, which may rightly take an hour over I2P.
	}
	return c
}

// CloseIdleConnections closes the connections kept alive for further
// requests (for instance when the account goes offline).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// dial applies the host rules once more (the request was already checked)
// and hands the address to the dialer.
func (c *Client) dial(ctx context.Context, d Dialer, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %q: %w", addr, err)
	}
	if err := c.checkHost(host); err != nil {
		return nil, err
	}
	c.log.Debug("files: dial", "addr", addr)
	return d.DialContext(ctx, network, addr)
}

// checkURL parses raw and enforces the scheme and host rules before
// anything is dialled. The host comes back lower-cased without a trailing
// dot.
func (c *Client) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a usable address: %w", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return nil, fmt.Errorf("cannot fetch %q: only http:// and https:// addresses are supported", raw)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return nil, fmt.Errorf("the address %q has no host", raw)
	}
	if err := c.checkHost(host); err != nil {
		return nil, err
	}
	if scheme == "https" && isI2PHost(host) {
		// No certificate authority vouches for .i2p names, and the I2P
		// connection is already encrypted and bound to the destination.
		return nil, fmt.Errorf("cannot fetch %q: https is not used with .i2p hosts (no certificate authority in I2P); use http://", raw)
	}
	u.Scheme = scheme
	if p := u.Port(); p != "" {
		u.Host = net.JoinHostPort(host, p)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	return u, nil
}

// checkHost enforces I2P-only mode on a bare host name.
func (c *Client) checkHost(host string) error {
	if !c.i2pOnly {
		return nil
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if _, err := netip.ParseAddr(host); err == nil {
		return fmt.Errorf("refusing to connect to the IP address %s: %w", host, ErrClearnetRefused)
	}
	if !isI2PHost(host) {
		return fmt.Errorf("refusing to connect to %s, which is outside I2P: %w", host, ErrClearnetRefused)
	}
	return nil
}

// newRequest builds a request with Clove's fixed headers only.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("cannot prepare the request to %s: %w", u.Redacted(), err)
	}
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}

// allowedPutHeaders are the slot headers XEP-0363 lets through (§5);
// anything else a server asks for is dropped.
var allowedPutHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Expires": true}

// Put uploads size bytes from body with PUT to url, an XEP-0363 slot's put
// URL, with the slot's headers (only Authorization, Cookie and Expires;
// others are dropped) and Content-Type/Content-Length. progress, if not
// nil, is called with the bytes sent so far. Success is 200 or 201.
func (c *Client) Put(ctx context.Context, url string, headers map[string]string, body io.Reader, size int64, contentType string, progress func(sent int64)) error {
	u, err := c.checkURL(url)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("cannot upload a file of unknown size")
	}
	var rb io.Reader = http.NoBody // an empty non-nil body would go chunked
	if size > 0 {
		rb = &countingReader{r: io.LimitReader(body, size), progress: progress}
	}
	req, err := c.newRequest(ctx, http.MethodPut, u, rb)
	if err != nil {
		return err
	}
	req.ContentLength = size
	for k, v := range headers {
		name := http.CanonicalHeaderKey(k)
		if !allowedPutHeaders[name] {
			c.log.Debug("files: dropping upload slot header", "name", name)
			continue
		}
		req.Header.Set(name, strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transferError("upload to", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return c.statusError("upload to", u, resp)
	}
	c.log.Debug("files: uploaded", "host", u.Host, "bytes", size, "took", time.Since(start))
	return nil
}

// Get downloads url into w, at most max bytes: a larger file is refused
// with an error wrapping ErrTooLarge as soon as that is known (from
// Content-Length, or the moment byte max+1 arrives), so a server sending
// without end fills neither memory nor disk. Bytes beyond Content-Length
// are never read. progress, if not nil, is called with the bytes so far
// and Content-Length (-1: unknown). It returns the bytes written and the
// Content-Type the server gave.
func (c *Client) Get(ctx context.Context, url string, w io.Writer, max int64, progress func(got, total int64)) (n int64, contentType string, err error) {
	u, err := c.checkURL(url)
	if err != nil {
		return 0, "", err
	}
	if max < 0 {
		return 0, "", fmt.Errorf("cannot download %s: negative size limit", u.Redacted())
	}
	req, err := c.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", c.transferError("download", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, "", c.statusError("download", u, resp)
	}
	contentType = resp.Header.Get("Content-Type")
	total := resp.ContentLength
	if total > max {
		return 0, contentType, fmt.Errorf("cannot download %s: it is %s, more than the %s allowed: %w",
			u.Redacted(), HumanSize(total), HumanSize(max), ErrTooLarge)
	}
	cr := &countingReader{r: resp.Body}
	if progress != nil {
		cr.progress = func(got int64) { progress(got, total) }
	}
	n, err = io.CopyBuffer(w, io.LimitReader(cr, max), make([]byte, copyBuffer))
	switch {
	case err != nil && cr.readErr != nil:
		return n, contentType, c.transferError("download", u, err)
	case err != nil:
		return n, contentType, fmt.Errorf("cannot save the download from %s: %w", u.Redacted(), err)
	case n == max && moreThere(resp.Body):
		// Nothing past max reached w; the rest is left unread and the
		// connection closed with the body.
		return n, contentType, fmt.Errorf("cannot download %s: the server sent more than the %s allowed: %w",
			u.Redacted(), HumanSize(max), ErrTooLarge)
	}
	c.log.Debug("files: downloaded", "host", u.Host, "bytes", n)
	return n, contentType, nil
}

// moreThere reports whether r has at least one more byte.
func moreThere(r io.Reader) bool {
	var b [1]byte
	n, _ := io.ReadFull(r, b[:])
	return n > 0
}

// countingReader counts bytes read and reports them.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
	readErr  error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 && c.progress != nil {
		c.progress(c.n)
	}
	if err != nil && err != io.EOF {
		c.readErr = err
	}
	return n, err
}

// transferError words a failed request for the user, keeping the cause.
func (c *Client) transferError(what string, u *url.URL, err error) error {
	c.log.Debug("files: request failed", "what", what, "host", u.Host, "err", err)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in our own message
	}
	return fmt.Errorf("cannot %s %s: %w", what, u.Redacted(), err)
}

// statusError reads a little of an error response for its message.
func (c *Client) statusError(what string, u *url.URL, resp *http.Response) error {
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc := resp.Header.Get("Location")
		if loc == "" {
			loc = "(no address given)"
		}
		return fmt.Errorf("cannot %s %s: the server redirected to %s, which is not followed: %w",
			what, u.Redacted(), printable(loc, 200), ErrRedirect)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyMax))
	msg := fmt.Sprintf("cannot %s %s: the server answered %s", what, u.Redacted(), resp.Status)
	if text := printable(string(body), 300); text != "" {
		msg += ": " + text
	}
	return errors.New(msg)
}

// printable keeps a server's text safe to show: control characters become
// spaces, runs of space collapse, and it is cut at max runes.
func printable(s string, max int) string {
	var b strings.Builder
	space := false
	runes := 0
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if runes == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		runes++
	}
	return b.String()
}

// HumanSize words a byte count as file managers do (binary units):
// "999 bytes", "2 KiB", "1.5 MiB", "3 GiB"; "" for a negative count.
func HumanSize(n int64) string {
	trimZero := func(s string) string { return strings.Replace(s, ".0 ", " ", 1) }
	switch {
	case n < 0:
		return ""
	case n < 1024:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KiB"
	case n < 1<<30:
		return trimZero(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB")
	}
	return trimZero(strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB")
}
