package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/files"
	"github.com/clove-xmpp/clove/internal/prosodytest"
	"github.com/clove-xmpp/clove/transport"
	"github.com/clove-xmpp/clove/xmppclient"
)

// BenchmarkFilesSideBySide (make bench; issue 19): a 20 MB file uploaded
// (XEP-0363 PUT) and downloaded with Clove's HTTP client and with curl,
// alternating, against the same prosody — on loopback, and over the
// private I2P network through the same client router's SOCKS proxy (curl
// --socks5-hostname) — and Clove's peak memory (the real binary's max RSS)
// sending 2 MB and 20 MB. Goals: Clove ≥ 0.9× curl over I2P; memory
// bounded, not growing with the file.
func BenchmarkFilesSideBySide(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl not installed")
	}
	prosodytest.Require(b)
	const size, rounds = 20 << 20, 3
	dir := b.TempDir()
	file := filepath.Join(dir, "twenty.bin")
	data := make([]byte, size)
	_, _ = rand.Read(data)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	type figures struct{ cloveUp, curlUp, cloveDown, curlDown []time.Duration }
	measure := func(name string, srv *prosodytest.Server, settings chat.Settings, dialer files.Dialer, socks string) figures {
		p, err := chat.OpenProfile(ctx, b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		a, err := p.NewAccount("alice@"+srv.Domain, settings)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.AddAccount(ctx, a, &chat.Login{Password: "pw"}); err != nil {
			b.Fatal(err)
		}
		s, err := p.Session(a, "pw", chat.Options{Plain: true})
		if err != nil {
			b.Fatal(err)
		}
		sctx, stop := context.WithCancel(ctx)
		defer func() { stop(); _ = s.Wait() }()
		online := make(chan struct{})
		go func() {
			for ev := range s.Events() {
				if sv, ok := ev.(chat.Saved); ok {
					if sc, ok := sv.Event.(xmppclient.StateChanged); ok && sc.State == xmppclient.Online {
						select {
						case <-online:
						default:
							close(online)
						}
					}
				}
			}
		}()
		s.Start(sctx)
		select {
		case <-online:
		case <-time.After(5 * time.Minute):
			b.Fatalf("%s: alice not online", name)
		}
		hc := files.NewClient(dialer, files.Options{})
		curlCmd := func(args ...string) {
			if socks != "" {
				args = append([]string{"--socks5-hostname", socks}, args...)
			}
			cmd := exec.CommandContext(ctx, curl, append([]string{"-sS", "-f", "--noproxy", ""}, args...)...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s: curl %v: %v: %s", name, args, err, out)
			}
		}
		var f figures
		timed := func(d *[]time.Duration, run func()) {
			t0 := time.Now()
			run()
			*d = append(*d, time.Since(t0))
		}
		for i := range rounds {
			mine, err := s.RequestUploadSlot(ctx, fmt.Sprintf("clove-%d.bin", i), size, "application/octet-stream")
			if err != nil {
				b.Fatal(err)
			}
			theirs, err := s.RequestUploadSlot(ctx, fmt.Sprintf("curl-%d.bin", i), size, "application/octet-stream")
			if err != nil {
				b.Fatal(err)
			}
			timed(&f.cloveUp, func() {
				fh, _ := os.Open(file)
				defer fh.Close()
				if err := hc.Put(ctx, mine.PutURL, mine.Headers, fh, size, "application/octet-stream", nil); err != nil {
					b.Fatalf("%s: Clove's upload: %v", name, err)
				}
			})
			timed(&f.curlUp, func() {
				args := []string{"-T", file, "-H", "Content-Type: application/octet-stream"}
				for k, v := range theirs.Headers {
					args = append(args, "-H", k+": "+v)
				}
				curlCmd(append(args, theirs.PutURL)...)
			})
			timed(&f.cloveDown, func() {
				if _, _, err := hc.Get(ctx, mine.GetURL, io.Discard, size, nil); err != nil {
					b.Fatalf("%s: Clove's download: %v", name, err)
				}
			})
			timed(&f.curlDown, func() { curlCmd("-o", "/dev/null", theirs.GetURL) })
		}
		hc.CloseIdleConnections()
		return f
	}

	// Loopback.
	local := prosodytest.Start(b, prosodytest.WithHTTPUploadLimit(64<<20))
	local.CreateUser(b, "alice", "pw")
	loc := measure("loopback", local, chat.Settings{Server: local.C2SAddr, Pin: local.CertFingerprint}, transport.Direct{}, "")

	// Peak memory of the real binary sending 2 MB and 20 MB (loopback).
	bin := buildCloveOffline(b)
	prof := filepath.Join(b.TempDir(), "profile")
	if p, err := chat.OpenProfile(ctx, prof, nil); err != nil {
		b.Fatal(err)
	} else {
		a, err := p.NewAccount("alice@"+local.Domain, chat.Settings{Server: local.C2SAddr, Pin: local.CertFingerprint})
		if err == nil {
			err = p.AddAccount(ctx, a, nil)
		}
		p.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	small := filepath.Join(dir, "two.bin")
	if err := os.WriteFile(small, data[:2<<20], 0o600); err != nil {
		b.Fatal(err)
	}
	maxRSS := func(path string) int64 {
		cmd := exec.CommandContext(ctx, bin, "--profile", prof, "send", "--account", "alice@"+local.Domain, "--file", path, "alice@"+local.Domain)
		cmd.Env = []string{"CLOVE_PASSWORD=pw", "PATH=/usr/bin:/bin", "HOME=" + b.TempDir()}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("clove send --file: %v: %s", err, out)
		}
		return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB
	}
	rss2, rss20 := maxRSS(small), maxRSS(file)

	// Over the private I2P network: both through client router 0's SOCKS.
	s := startI2PFileServer(b)
	router := s.net.Client(0).SOCKSAddr
	sd, err := transport.NewSOCKS5(router)
	if err != nil {
		b.Fatal(err)
	}
	i2p := measure("i2p", s.srv, chat.Settings{Proxy: "socks5://" + router, I2POnly: true, Pin: s.srv.CertFingerprint}, sd, router)

	med := func(ds []time.Duration) time.Duration {
		c := slices.Clone(ds)
		slices.Sort(c)
		return c[len(c)/2]
	}
	mbs := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	fmt.Printf("\nFiles side by side (%d MB, median of %d alternating rounds; Clove's HTTP client vs curl, same prosody, same router)\n", size>>20, rounds)
	fmt.Printf("%-34s %12s %12s %7s %s\n", "", "Clove", "curl", "ratio", "goal")
	row := func(label string, c, k []time.Duration, goal string) float64 {
		r := mbs(med(c)) / mbs(med(k))
		fmt.Printf("%-34s %9.1fMB/s %9.1fMB/s %6.2fx %s\n", label, mbs(med(c)), mbs(med(k)), r, goal)
		return r
	}
	row("upload, loopback", loc.cloveUp, loc.curlUp, "")
	row("download, loopback", loc.cloveDown, loc.curlDown, "")
	up := row("upload, I2P (SOCKS)", i2p.cloveUp, i2p.curlUp, "≥ 0.9x")
	down := row("download, I2P (SOCKS)", i2p.cloveDown, i2p.curlDown, "≥ 0.9x")
	fmt.Printf("%-34s %9.1fMiB (2 MB file) %9.1fMiB (20 MB file): %+.1f MiB for 10× the file\n", "clove send --file, max RSS", float64(rss2)/1024, float64(rss20)/1024, float64(rss20-rss2)/1024)
	fmt.Printf("rounds: i2p up Clove %v curl %v; down Clove %v curl %v\n", i2p.cloveUp, i2p.curlUp, i2p.cloveDown, i2p.curlDown)
	b.ReportMetric(up, "i2p-up/curl")
	b.ReportMetric(down, "i2p-down/curl")
}
