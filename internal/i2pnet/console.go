package i2pnet

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// waitTunnels waits until the router's console lists an established
// exploratory tunnel with at least one hop in each direction. (The word
// "established" alone is no signal: the console's CSS contains it.)
func (r *Router) waitTunnels(ctx context.Context) error {
	var in, out int
	for {
		page, err := r.console(ctx, "/?page=tunnels")
		if err == nil {
			in, out = countTunnels(page)
			if in > 0 && out > 0 {
				return nil
			}
		}
		if r.exited() {
			return fmt.Errorf("i2pd %d exited:\n%s", r.K, r.LogTail(30))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("router %d: no exploratory tunnels both ways (in %d, out %d, console: %v)", r.K, in, out, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

var tunnelItem = regexp.MustCompile(`<div class="listitem">([^\n]*)`)

// countTunnels counts established exploratory tunnels with at least one
// hop on i2pd 2.45.1's tunnels page: inbound items read
// "⇒ HOP ⇒ id:me", outbound ones "id:me ⇒ HOP ⇒".
func countTunnels(page string) (in, out int) {
	for _, m := range tunnelItem.FindAllStringSubmatch(page, -1) {
		item := m[1]
		if !strings.Contains(item, "tunnel established") || !strings.Contains(item, "exploratory") {
			continue
		}
		if strings.Count(item, "&#8658;") < 2 {
			continue // zero hops
		}
		if strings.HasPrefix(item, "&#8658;") {
			in++
		} else {
			out++
		}
	}
	return in, out
}

// console GETs a page of the router's web console.
func (r *Router) console(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.ConsoleAddr+path, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return string(b), err
}
