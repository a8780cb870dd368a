package i2pnet

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// Down stops a running router, as a crash (hard: SIGKILL) or a clean stop
// (SIGTERM, SIGKILL after a grace time). Its identity, ports, netDb and
// tunnel configuration stay in Dir for Up. Tests use it for router faults.
func (r *Router) Down(hard bool) {
	if hard {
		r.kill()
		return
	}
	r.stop(stopGrace)
}

// Up starts a router that Down stopped, with the same identity and ports,
// and waits until its SOCKS proxy and SAM bridge answer and it has built
// exploratory tunnels again, at most until ctx ends. It returns how long
// that took.
func (r *Router) Up(ctx context.Context) (time.Duration, error) {
	if r.cmd != nil && !r.exited() {
		return 0, fmt.Errorf("router %d is already running", r.K)
	}
	t0 := time.Now()
	if err := r.start(); err != nil {
		return 0, err
	}
	if err := r.waitServices(ctx); err != nil {
		return time.Since(t0), err
	}
	if err := r.waitTunnels(ctx); err != nil {
		return time.Since(t0), err
	}
	return time.Since(t0), nil
}

var (
	samSessionLink = regexp.MustCompile(`page=sam_session&(?:amp;)?sam_id=([^"&]+)`)
	b32Name        = regexp.MustCompile(`[a-z2-7]{52}\.b32\.i2p`)
)

// SAMSessions returns the SAM sessions open on the router, session ID →
// .b32.i2p address, from its web console: what the router itself says an
// application's I2P identity is.
func (r *Router) SAMSessions(ctx context.Context) (map[string]string, error) {
	page, err := r.console(ctx, "/?page=sam_sessions")
	if err != nil {
		return nil, err
	}
	sessions := map[string]string{}
	for _, m := range samSessionLink.FindAllStringSubmatch(page, -1) {
		id, err := url.QueryUnescape(m[1])
		if err != nil {
			return nil, err
		}
		p, err := r.console(ctx, "/?page=sam_session&sam_id="+url.QueryEscape(id))
		if err != nil {
			return nil, err
		}
		if a := b32Name.FindString(p); a != "" {
			sessions[id] = a
		}
	}
	return sessions, nil
}
