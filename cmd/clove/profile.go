package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zalando/go-keyring"
	"golang.org/x/term"

	"github.com/clove-xmpp/clove/chat"
)

func defaultProfile(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "clove")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "clove")
	}
	return ".clove"
}

func (e *env) openProfile(ctx context.Context) (*chat.Profile, error) {
	return chat.OpenProfile(ctx, e.profile, e.log)
}

// session opens the profile, loads the account, asks for its password and
// makes its session; done closes the profile once the session ended.
func (e *env) session(ctx context.Context, account string, opts chat.Options) (s *chat.Session, done func(), err error) {
	p, err := e.openProfile(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	a, err := p.Account(ctx, account)
	if err != nil {
		return nil, nil, err
	}
	pw, err := e.password(a.JID)
	if err != nil {
		return nil, nil, err
	}
	opts.Notice, opts.Progress = e.notice, true
	s, err = p.Session(a, pw, opts)
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = s.Wait(); p.Close() }, nil
}

// notice prints what a session says a person should read.
func (e *env) notice(text string) {
	fmt.Fprintf(e.stderr, "clove: %s\n", termText(text))
}

const keyringService = "clove"

// keyringUsable: the OS keyring (Secret Service) is reached over a D-Bus
// session; without one go-keyring would try to start D-Bus itself.
func (e *env) keyringUsable() bool {
	if e.getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	if d := e.getenv("XDG_RUNTIME_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "bus")); err == nil {
			return true
		}
	}
	return false
}

// rememberPassword stores the password in the OS keyring.
func (e *env) rememberPassword(account, password string) error {
	if !e.keyringUsable() {
		return errors.New("no OS keyring here (no D-Bus session)")
	}
	if err := keyring.Set(keyringService, account, password); err != nil {
		return fmt.Errorf("the OS keyring refused it: %w", err)
	}
	return nil
}

// keyringError says why the OS keyring cannot keep passwords here (nil: it
// can). With D-Bus but no Secret Service on it, go-keyring fails at once;
// a look-up of a name never stored tells that apart from "not found".
func (e *env) keyringError() error {
	if !e.keyringUsable() {
		return errors.New("no D-Bus session")
	}
	if _, err := keyring.Get(keyringService, "clove keyring probe"); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("no Secret Service on D-Bus: %w", err)
	}
	return nil
}

func (e *env) forgetPassword(account string) {
	if e.keyringUsable() {
		_ = keyring.Delete(keyringService, account)
	}
	if err := chat.ForgetPassword(e.profile, account); err != nil {
		e.log.Warn("the saved password was not removed", "err", err)
	}
}

// password returns the account password from $CLOVE_PASSWORD, the
// --password-file, the OS keyring, or a prompt on the terminal — never
// from argv.
func (e *env) password(account string) (string, error) {
	if p := e.getenv("CLOVE_PASSWORD"); p != "" {
		return p, nil
	}
	if e.passwordFile != "" {
		b, err := os.ReadFile(e.passwordFile)
		if err != nil {
			return "", fmt.Errorf("reading the password file: %w", err)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", errors.New("the password file is empty")
		}
		return p, nil
	}
	if e.keyringUsable() {
		p, err := keyring.Get(keyringService, account)
		if err == nil && p != "" {
			return p, nil
		}
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			e.log.Debug("keyring not available", "err", err)
		}
	}
	// Saved in the profile where there was no keyring (the user chose it).
	if p, err := chat.SavedPassword(e.profile, account); err != nil {
		e.log.Warn("could not read the password saved in the profile", "err", err)
	} else if p != "" {
		return p, nil
	}
	if e.stdin != nil && term.IsTerminal(int(e.stdin.Fd())) {
		fmt.Fprintf(e.stderr, "Password for %s: ", account)
		b, err := term.ReadPassword(int(e.stdin.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return string(b), nil
	}
	return "", errors.New("no password: set CLOVE_PASSWORD, use --password-file FILE, save it with 'account add --remember', or run on a terminal")
}

// confirm asks a yes/no question on a terminal; false when not a terminal.
func (e *env) confirm(q string) bool {
	if e.stdin == nil || !term.IsTerminal(int(e.stdin.Fd())) {
		return false
	}
	fmt.Fprintf(e.stderr, "%s [y/N] ", q)
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.ToLower(strings.TrimSpace(line))
	return line == "y" || line == "yes"
}
