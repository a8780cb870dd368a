package i2pnet

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/clove-xmpp/clove/internal/i2pdconf"
	"github.com/clove-xmpp/clove/transport"
)

// i2pBase64 is I2P's base64: the standard alphabet with "-" and "~" for
// "+" and "/", padded.
var i2pBase64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~")

// Router is one i2pd of the network.
type Router struct {
	// K is the router's number, 1 … n; its address is 198.18.0.K.
	K int
	// Floodfill is true for routers 1 … Network.Floodfills.
	Floodfill bool
	// Dir is the router's data directory: i2pd.conf, tunnels.conf,
	// tunnels.d/, i2pd.log, netDb/, router.info, server tunnel keys.
	Dir string
	// Addr is the router's NTCP2 address, 198.18.0.K:port.
	Addr string
	// SOCKSAddr, SAMAddr and ConsoleAddr are on 127.0.0.1.
	SOCKSAddr, SAMAddr, ConsoleAddr string

	bin  string
	cmd  *exec.Cmd
	done chan struct{}
}

// writeConfig writes the router's i2pd.conf on free ports.
func (r *Router) writeConfig(logLevel string) error {
	ip := routerIP(r.K)
	tp, err := freePort(ip)
	if err != nil {
		return err
	}
	lp, err := freePorts("127.0.0.1", 3)
	if err != nil {
		return err
	}
	r.Addr = net.JoinHostPort(ip, fmt.Sprint(tp))
	r.ConsoleAddr = fmt.Sprintf("127.0.0.1:%d", lp[0])
	r.SOCKSAddr = fmt.Sprintf("127.0.0.1:%d", lp[1])
	r.SAMAddr = fmt.Sprintf("127.0.0.1:%d", lp[2])
	if err := os.MkdirAll(filepath.Join(r.Dir, "tunnels.d"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.Dir, "tunnels.conf"), nil, 0o600); err != nil {
		return err
	}
	// The network part every router shares (i2pdconf.PrivateRouter: network
	// id, address, NTCP2 only, no reseed, an address book that never
	// fetches, 1-hop exploratory tunnels, no clock sync, no peer profiles),
	// then its local services on loopback.
	network := i2pdconf.PrivateRouter(ip, tp, r.Floodfill)
	conf := i2pdconf.Conf{
		Header:   "written by clove's internal/i2pnet",
		LogFile:  filepath.Join(r.Dir, "i2pd.log"),
		LogLevel: logLevel,
		Net:      &network,
		Console:  lp[0], ConsoleAnyHost: true,
		SOCKS: &i2pdconf.Proxy{Port: lp[1], Lengths: &i2pdconf.Lengths{Inbound: 1, Outbound: 1}, Quantity: 2},
		SAM:   lp[2],
	}.Text()
	return os.WriteFile(filepath.Join(r.Dir, "i2pd.conf"), []byte(conf), 0o600)
}

// start launches i2pd in its own process group; it is SIGKILLed if the
// test binary dies.
func (r *Router) start() error {
	out, err := os.OpenFile(filepath.Join(r.Dir, "stdout.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(r.bin, "--datadir="+r.Dir, "--conf="+filepath.Join(r.Dir, "i2pd.conf"),
		"--tunconf="+filepath.Join(r.Dir, "tunnels.conf"), "--tunnelsdir="+filepath.Join(r.Dir, "tunnels.d"),
		"--pidfile="+filepath.Join(r.Dir, "i2pd.pid"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("starting i2pd %d: %w", r.K, err)
	}
	r.cmd, r.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(r.done) }()
	return nil
}

// exited reports whether the running i2pd has exited.
func (r *Router) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// kill SIGKILLs i2pd and waits for it.
func (r *Router) kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// stop asks i2pd to stop (SIGTERM: it closes its tunnels and transports at
// once, unlike SIGINT's graceful wait for transit tunnels), then SIGKILLs it
// after grace.
func (r *Router) stop(grace time.Duration) {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(grace):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

// waitServices waits until SOCKS greets and SAM says HELLO.
func (r *Router) waitServices(ctx context.Context) error {
	var err error
	for {
		if err = probeServices(ctx, r.SOCKSAddr, r.SAMAddr); err == nil {
			return nil
		}
		if r.exited() {
			return fmt.Errorf("i2pd %d exited during start-up:\n%s", r.K, r.LogTail(30))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("i2pd %d: services not ready: %v:\n%s", r.K, err, r.LogTail(30))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func probeServices(ctx context.Context, socksAddr, samAddr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", socksAddr)
	if err != nil {
		return err
	}
	dl, _ := ctx.Deadline()
	_ = c.SetDeadline(dl)
	_, err = c.Write([]byte{5, 1, 0})
	var b [2]byte
	if err == nil {
		_, err = io.ReadFull(c, b[:])
	}
	c.Close()
	if err != nil {
		return fmt.Errorf("SOCKS %s: %w", socksAddr, err)
	}
	if b != [2]byte{5, 0} {
		return fmt.Errorf("SOCKS %s answered %x", socksAddr, b)
	}
	s, err := samHello(ctx, samAddr)
	if err != nil {
		return err
	}
	s.Close()
	return nil
}

// routerInfoFile reads the router's router.info and returns it with the
// netDb file name it has in other routers' netDbs:
// netDb/r<c>/routerInfo-<hash>.dat, where hash is the I2P base64 of the
// SHA-256 of the router identity (387 bytes + the certificate's length,
// read from bytes 385–386) and c its first character.
func (r *Router) routerInfoFile() (data []byte, rel string, err error) {
	data, err = os.ReadFile(filepath.Join(r.Dir, "router.info"))
	if err != nil {
		return nil, "", err
	}
	h, err := identHash(data)
	if err != nil {
		return nil, "", fmt.Errorf("router %d: router.info: %w", r.K, err)
	}
	b64 := i2pBase64.EncodeToString(h[:])
	return data, filepath.Join("netDb", "r"+b64[:1], "routerInfo-"+b64+".dat"), nil
}

// identHash is the SHA-256 of the identity at the start of b (a router
// info, a destination or a keys file).
func identHash(b []byte) ([32]byte, error) {
	n, err := transport.IdentityLen(b)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b[:n]), nil
}

// LogTail returns the last n lines of the router's log and stdout.
func (r *Router) LogTail(n int) string {
	var b strings.Builder
	for _, name := range []string{"stdout.txt", "i2pd.log"} {
		data, _ := os.ReadFile(filepath.Join(r.Dir, name))
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "--- router %d %s ---\n%s\n", r.K, name, strings.Join(lines, "\n"))
	}
	return b.String()
}

// samHello opens a SAM connection and completes HELLO.
func samHello(ctx context.Context, addr string) (*samConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("SAM %s: %w", addr, err)
	}
	s := &samConn{Conn: c, r: bufio.NewReader(c)}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	reply, err := s.cmd("HELLO VERSION MIN=3.1 MAX=3.3")
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("SAM %s: %w", addr, err)
	}
	if !strings.HasPrefix(reply, "HELLO REPLY RESULT=OK") {
		c.Close()
		return nil, fmt.Errorf("SAM %s: %q", addr, reply)
	}
	return s, nil
}

type samConn struct {
	net.Conn
	r *bufio.Reader
}

func (s *samConn) cmd(line string) (string, error) {
	if _, err := io.WriteString(s.Conn, line+"\n"); err != nil {
		return "", err
	}
	reply, err := s.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(reply), nil
}

// freePort returns a free TCP port on ip (released before use).
func freePort(ip string) (int, error) {
	ps, err := freePorts(ip, 1)
	if err != nil {
		return 0, err
	}
	return ps[0], nil
}

func freePorts(ip string, n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp4", net.JoinHostPort(ip, "0"))
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

var errStopped = errors.New("i2pnet: network stopped")
