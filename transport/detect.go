package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultProbeTimeout bounds each of Detect's probes.
const DefaultProbeTimeout = 3 * time.Second

// RouterStatus is what Detect found. String() prints it line by line for
// `clove doctor`.
type RouterStatus struct {
	SOCKSAddr string
	SOCKSOK   bool
	SOCKSTime time.Duration // connect + greeting round trip
	SOCKSErr  error

	SAMAddr    string
	SAMOK      bool
	SAMVersion string // agreed version, e.g. "3.1"
	SAMErr     error

	ConsoleAddr   string // "" when not probed
	RouterVersion string // e.g. "i2pd 2.45.1"; "" if unknown

	Tools []ToolStatus
}

// ToolStatus is one program looked up on PATH.
type ToolStatus struct {
	Name    string
	Path    string // "" when not found
	Version string // "" when unknown
	Err     error  // why the version is unknown, if it is
}

// DetectOption configures Detect.
type DetectOption func(*detectConfig)

type detectConfig struct {
	console string
	timeout time.Duration
	tools   []string
}

// WithConsole sets the router web console address read for the router
// version (default DefaultConsoleAddr); "" skips it.
func WithConsole(addr string) DetectOption { return func(c *detectConfig) { c.console = addr } }

// WithProbeTimeout sets the per-probe timeout (default DefaultProbeTimeout).
func WithProbeTimeout(d time.Duration) DetectOption {
	return func(c *detectConfig) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithTools sets the programs looked up on PATH (default prosody,
// prosodyctl and i2pd); none skips the look-up.
func WithTools(names ...string) DetectOption {
	return func(c *detectConfig) { c.tools = append([]string(nil), names...) }
}

// Detect probes the I2P router's SOCKS5 proxy (greeting "05 01 00", expects
// "05 00") and SAM bridge (HELLO VERSION), reads the router version from
// its web console if there is one, and looks for prosody, prosodyctl and
// i2pd on PATH. Empty addresses mean the defaults (DefaultSOCKSAddr,
// DefaultSAMAddr). The probes run in parallel, each with a short timeout;
// nothing but the given loopback/LAN addresses is contacted.
func Detect(ctx context.Context, socksAddr, samAddr string, opts ...DetectOption) RouterStatus {
	cfg := detectConfig{console: DefaultConsoleAddr, timeout: DefaultProbeTimeout,
		tools: []string{"prosody", "prosodyctl", "i2pd"}}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if strings.TrimSpace(socksAddr) == "" {
		socksAddr = DefaultSOCKSAddr
	}
	if strings.TrimSpace(samAddr) == "" {
		samAddr = DefaultSAMAddr
	}
	st := RouterStatus{SOCKSAddr: socksAddr, SAMAddr: samAddr, ConsoleAddr: cfg.console,
		Tools: make([]ToolStatus, len(cfg.tools))}
	probe := func(f func(context.Context)) func() {
		return func() {
			pctx, cancel := context.WithTimeout(ctx, cfg.timeout)
			defer cancel()
			f(pctx)
		}
	}
	var wg sync.WaitGroup
	wg.Go(probe(func(ctx context.Context) {
		st.SOCKSTime, st.SOCKSErr = probeSOCKS(ctx, socksAddr)
		st.SOCKSOK = st.SOCKSErr == nil
	}))
	wg.Go(probe(func(ctx context.Context) {
		st.SAMVersion, st.SAMErr = probeSAM(ctx, samAddr)
		st.SAMOK = st.SAMErr == nil
	}))
	if cfg.console != "" {
		wg.Go(probe(func(ctx context.Context) { st.RouterVersion = probeConsole(ctx, cfg.console) }))
	}
	for i, name := range cfg.tools {
		wg.Go(probe(func(ctx context.Context) { st.Tools[i] = lookTool(ctx, name) }))
	}
	wg.Wait()
	return st
}

// probeSOCKS connects and exchanges the SOCKS5 greeting.
func probeSOCKS(ctx context.Context, addr string) (time.Duration, error) {
	ep, err := parseLocalEndpoint("SOCKS5 proxy", addr)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", ep)
	if err != nil {
		de := describeDialError(ep, "", "", err)
		if de.Reason == ReasonRefused {
			de.Reason = ReasonProxyUnreachable
			de.Msg = fmt.Sprintf("nothing listens on %s", ep)
		}
		return 0, de
	}
	defer c.Close()
	stop := closeOnDone(ctx, c)
	defer stop()
	if _, err := c.Write([]byte{socksVersion, 1, socksAuthNone}); err != nil {
		return 0, fmt.Errorf("could not send the SOCKS5 greeting to %s: %w", ep, err)
	}
	var b [2]byte
	n, err := io.ReadFull(c, b[:])
	if err != nil {
		switch {
		case ctx.Err() != nil || isTimeout(err):
			return 0, fmt.Errorf("%s did not answer the SOCKS5 greeting in time — is it really a SOCKS5 proxy?", ep)
		case n == 0:
			return 0, fmt.Errorf("%s closed the connection without answering the SOCKS5 greeting — is it really a SOCKS5 proxy?", ep)
		}
		return 0, fmt.Errorf("%s sent only %s in answer to the SOCKS5 greeting", ep, quoteBytes(b[:n]))
	}
	switch {
	case b[0] != socksVersion:
		return 0, fmt.Errorf("%s is not a SOCKS5 proxy: it answered %s", ep, quoteBytes(b[:]))
	case b[1] == socksAuthNoMethod:
		return 0, fmt.Errorf("the SOCKS5 proxy at %s wants authentication (it refused \"no authentication\")", ep)
	case b[1] != socksAuthNone:
		return 0, fmt.Errorf("the SOCKS5 proxy at %s chose authentication method 0x%02x, which was not offered", ep, b[1])
	}
	return time.Since(start), nil
}

// probeSAM does the HELLO exchange; see samHello.
func probeSAM(ctx context.Context, addr string) (string, error) {
	ep, err := parseLocalEndpoint("SAM bridge", addr)
	if err != nil {
		return "", err
	}
	v, err := samHello(ctx, ep)
	var de *DialError
	if errors.As(err, &de) && de.Reason == ReasonProxyUnreachable && errors.Is(err, syscall.ECONNREFUSED) {
		de.Msg = fmt.Sprintf("nothing listens on %s", ep)
	}
	return v, err
}

// probeConsole reads the router version off i2pd's web console ("Version:</b> 2.45.1").
func probeConsole(ctx context.Context, addr string) string {
	ep, err := parseLocalEndpoint("router console", addr)
	if err != nil {
		return ""
	}
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{}).DialContext, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ep+"/", nil)
	if err != nil {
		return ""
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
	return parseConsoleVersion(body)
}

func parseConsoleVersion(body []byte) string {
	_, after, ok := bytes.Cut(body, []byte("Version:</b>"))
	if !ok {
		return ""
	}
	after = bytes.TrimLeft(after, " \t")
	n := 0
	for n < len(after) && n < 32 {
		c := after[n]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == '+') {
			break
		}
		n++
	}
	if n == 0 {
		return ""
	}
	name := "I2P router"
	if bytes.Contains(body, []byte("Purple I2P")) || bytes.Contains(body, []byte("i2pd")) {
		name = "i2pd"
	}
	return name + " " + string(after[:n])
}

// lookTool finds name on PATH and asks it for its version, without ever
// starting a server.
func lookTool(ctx context.Context, name string) ToolStatus {
	ts := ToolStatus{Name: name}
	p, err := exec.LookPath(name)
	if err != nil {
		ts.Err = fmt.Errorf("%s is not on PATH", name)
		return ts
	}
	ts.Path = p
	switch filepath.Base(name) {
	case "i2pd":
		ts.Version, ts.Err = firstLine(ctx, p, "--version")
	case "prosodyctl":
		ts.Version, ts.Err = firstLine(ctx, p, "about")
	case "prosody":
		// Running prosody starts a server; read the version file its
		// launcher script points at instead.
		ts.Version, ts.Err = prosodyVersion(p)
	default:
		ts.Version, ts.Err = firstLine(ctx, p, "--version")
	}
	return ts
}

func firstLine(ctx context.Context, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		if err == nil {
			err = errors.New("printed nothing")
		}
		return "", fmt.Errorf("%s %s: %w", filepath.Base(path), strings.Join(args, " "), err)
	}
	return truncate(line, 120), nil
}

// prosodyVersion reads CFG_SOURCEDIR from prosody's Lua launcher and the
// prosody.version file there.
func prosodyVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 16<<10))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "CFG_SOURCEDIR=")
		if !ok {
			continue
		}
		dir := strings.Trim(rest, "'\";")
		b, err := os.ReadFile(filepath.Join(dir, "prosody.version"))
		if err != nil {
			return "", fmt.Errorf("prosody's version file: %w", err)
		}
		if v := strings.TrimSpace(string(b)); v != "" && len(v) < 64 {
			return "Prosody " + v, nil
		}
		break
	}
	return "", errors.New("version unknown (not run: that would start a server)")
}

// String prints the status line by line for `clove doctor`.
func (st RouterStatus) String() string {
	var b strings.Builder
	if st.SOCKSOK {
		fmt.Fprintf(&b, "SOCKS5 proxy %s: ok (greeting answered in %s)\n", st.SOCKSAddr, st.SOCKSTime.Round(10*time.Microsecond))
	} else {
		fmt.Fprintf(&b, "SOCKS5 proxy %s: %s\n", st.SOCKSAddr, statusProblem(st.SOCKSErr, "start the I2P router or set --proxy"))
	}
	if st.SAMOK {
		fmt.Fprintf(&b, "SAM bridge %s: ok, SAM %s\n", st.SAMAddr, st.SAMVersion)
	} else {
		fmt.Fprintf(&b, "SAM bridge %s: %s\n", st.SAMAddr, statusProblem(st.SAMErr, "enable the router's SAM bridge or set --sam"))
	}
	switch {
	case st.RouterVersion != "":
		fmt.Fprintf(&b, "I2P router: %s (web console %s)\n", st.RouterVersion, st.ConsoleAddr)
	case st.ConsoleAddr != "":
		fmt.Fprintf(&b, "I2P router: version unknown (no web console at %s)\n", st.ConsoleAddr)
	}
	for _, t := range st.Tools {
		switch {
		case t.Path == "":
			fmt.Fprintf(&b, "%s: not found on PATH\n", t.Name)
		case t.Version != "":
			fmt.Fprintf(&b, "%s: %s (%s)\n", t.Name, t.Path, t.Version)
		default:
			fmt.Fprintf(&b, "%s: %s (%v)\n", t.Name, t.Path, t.Err)
		}
	}
	return b.String()
}

func statusProblem(err error, hint string) string {
	if err == nil {
		return "not checked"
	}
	var de *DialError
	if errors.As(err, &de) && de.Reason == ReasonProxyUnreachable {
		return "not found — " + de.Msg + " (" + hint + ")"
	}
	return "not working — " + err.Error()
}
