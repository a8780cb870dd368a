package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SAMListener receives the I2P streams that peers open to one identity,
// through a SAM v3 stream session: it is a server tunnel kept by the
// program itself instead of the router's config, so any router with a SAM
// bridge (a system i2pd) can carry it.
//
// The bridge forwards each incoming stream (STREAM FORWARD) to a listener
// of ours on 127.0.0.1; Accept hands the stream on once the bridge's
// first line, the peer's destination, is read.
type SAMListener struct {
	bridge string
	ctl    *samConn // the session; open for its life
	fwd    *samConn // the STREAM FORWARD registration; open for its life
	ln     net.Listener
	id     string // the session's ID
	dest   string
	log    *slog.Logger

	once  sync.Once
	ended chan struct{}
}

// ListenSAM opens a SAM stream session on the bridge at samAddr for the
// I2P identity privateKey (the full private keys in I2P base64, as SAM's
// DEST GENERATE gives them and as i2pd's keys files hold them in binary)
// and forwards the streams peers open to it. It blocks until the router
// has built the session's tunnels (opts.SessionTimeout, ctx). opts.Keys is
// ignored.
func ListenSAM(ctx context.Context, samAddr, privateKey string, opts SAMOptions) (*SAMListener, error) {
	addr, sessOpts, log, timeout, err := opts.setup(samAddr)
	if err != nil {
		return nil, err
	}
	dest, err := privateKeyB32(privateKey)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	ctl, _, err := samOpen(ctx, addr, "3.1", "3.3")
	if err != nil {
		return nil, err
	}
	l := &SAMListener{bridge: addr, ctl: ctl, dest: dest, log: log, ended: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			l.Close()
		}
	}()
	id := "clove-srv-" + randomHex(6)
	l.id = id
	cmd := "SESSION CREATE STYLE=STREAM ID=" + id + " DESTINATION=" + privateKey + " " + strings.Join(sessOpts, " ")
	if _, err := ctl.command(ctx, cmd, "SESSION", "STATUS"); err != nil {
		var re *samReplyError
		if errors.As(err, &re) && re.Result == "DUPLICATED_DEST" {
			return nil, fmt.Errorf("the I2P router at %s already carries %s (another node, or one not yet ended, uses the same identity): %w", addr, dest, err)
		}
		return nil, samSetupError(ctx, addr, "creating the I2P session", timeout, err)
	}
	// The bridge connects to our listener for each stream: on loopback.
	if l.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("listening for the I2P router's streams: %w", err)
	}
	port := l.ln.Addr().(*net.TCPAddr).Port
	if l.fwd, _, err = samOpen(ctx, addr, "3.1", "3.3"); err != nil {
		return nil, err
	}
	if _, err := l.fwd.command(ctx, "STREAM FORWARD ID="+id+" PORT="+strconv.Itoa(port)+" HOST=127.0.0.1 SILENT=false", "STREAM", "STATUS"); err != nil {
		// i2pd gives a second session for an identity it carries the same
		// destination, and refuses the second forwarding.
		var re *samReplyError
		if errors.As(err, &re) && strings.Contains(re.Line, "Already accepting") {
			return nil, fmt.Errorf("the I2P router at %s already carries %s (another node, or one not yet ended, uses the same identity): %w", addr, dest, err)
		}
		return nil, samSetupError(ctx, addr, "forwarding the I2P streams", timeout, err)
	}
	ok = true
	log.Info("SAM server session ready", "bridge", addr, "address", dest, "took", time.Since(start).Round(time.Millisecond))
	go l.watch(ctl)
	go l.watch(l.fwd)
	return l, nil
}

// privateKeyB32 returns the .b32.i2p address of a private key in I2P
// base64.
func privateKeyB32(privateKey string) (string, error) {
	b, err := i2pBase64.DecodeString(privateKey)
	if err != nil {
		return "", errors.New("the I2P private key is not valid I2P base64")
	}
	n, err := IdentityLen(b)
	if err != nil {
		return "", fmt.Errorf("the I2P private key: %w", err)
	}
	if len(b) <= n {
		return "", errors.New("the I2P private key holds a destination but no keys")
	}
	return hashB32(b[:n]), nil
}

// watch answers the bridge's PINGs on a control connection; when it ends
// (router stopped or restarted: the session and its tunnels are gone), the
// listener ends.
func (l *SAMListener) watch(sc *samConn) {
	err := sc.answerPings()
	select {
	case <-l.ended:
	default:
		l.log.Info("the I2P router ended the SAM server session", "bridge", l.bridge, "err", err)
	}
	l.Close()
}

// Accept waits for the next stream and returns it; its RemoteAddr is the
// peer's .b32.i2p. Connections to the forwarding port that do not start
// with a destination line (not from the bridge) are dropped.
func (l *SAMListener) Accept() (net.Conn, error) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			select {
			case <-l.ended:
				return nil, net.ErrClosed
			default:
			}
			return nil, err
		}
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		line, err := readSAMLine(&connByteReader{c: c}, maxSAMLine)
		_ = c.SetReadDeadline(time.Time{})
		peer, perr := destB32(strings.TrimSpace(line))
		if err != nil || perr != nil {
			c.Close()
			continue
		}
		return &samStream{Conn: c, remote: i2pAddr(peer)}, nil
	}
}

// Close ends the session: the router drops the identity's tunnels.
func (l *SAMListener) Close() error {
	l.once.Do(func() {
		close(l.ended)
		for _, sc := range []*samConn{l.fwd, l.ctl} {
			if sc != nil {
				sc.Close()
			}
		}
		if l.ln != nil {
			l.ln.Close()
		}
	})
	return nil
}

// Ended is closed when the session is over (Close, or the router ended it).
func (l *SAMListener) Ended() <-chan struct{} { return l.ended }

// Dialer opens streams from the listener's session: peers see the
// listener's identity, and learn its current tunnels (lease set) from the
// first stream, as they do from a server tunnel's own replies. Closing
// the dialer ends the listener too.
func (l *SAMListener) Dialer() *SAMDialer {
	return &SAMDialer{bridge: l.bridge, id: l.id, ctl: l.ctl, dest: l.dest, log: l.log, ended: l.ended}
}

// Addr is the identity's .b32.i2p.
func (l *SAMListener) Addr() net.Addr { return i2pAddr(l.dest) }

// i2pAddr is an I2P address as a net.Addr.
type i2pAddr string

func (a i2pAddr) Network() string { return "i2p" }
func (a i2pAddr) String() string  { return string(a) }

type samStream struct {
	net.Conn
	remote net.Addr
}

func (s *samStream) RemoteAddr() net.Addr { return s.remote }

// LookupSAM asks the router behind the SAM bridge at samAddr to find name
// (x.b32.i2p) in the network: it succeeds once the destination's lease set
// is published, i.e. its tunnels are up and others can reach it.
func LookupSAM(ctx context.Context, samAddr, name string) error {
	addr, err := parseLocalEndpoint("SAM bridge", samAddr)
	if err != nil {
		return err
	}
	_, err = lookup(ctx, addr, name)
	return err
}
