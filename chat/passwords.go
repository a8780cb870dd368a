package chat

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Passwords saved in the profile: the fallback where there is no OS
// keyring (no D-Bus session, or no Secret Service on it). A file per
// account, readable by the user alone (0600 in a 0700 directory), in
// plain text: the user is told so before choosing it.

// PasswordsDir is where the profile in dir keeps saved passwords.
func PasswordsDir(dir string) string { return filepath.Join(dir, "passwords") }

func passwordFile(dir, account string) (string, error) {
	if account == "" || strings.ContainsAny(account, `/\`) || account == "." || account == ".." {
		return "", fmt.Errorf("%q cannot name a password file", account)
	}
	return filepath.Join(PasswordsDir(dir), account), nil
}

// SavePassword keeps account's password in the profile in dir; it returns
// the file's path.
func SavePassword(dir, account, password string) (string, error) {
	path, err := passwordFile(dir, account)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(PasswordsDir(dir), 0o700); err != nil {
		return "", fmt.Errorf("saving the password: %w", err)
	}
	// MkdirAll keeps an existing directory's mode: narrow it.
	if err := os.Chmod(PasswordsDir(dir), 0o700); err != nil {
		return "", fmt.Errorf("saving the password: %w", err)
	}
	// Written beside, then renamed: a crash leaves the old or the new
	// password, never half of one; created 0600, never wider for a moment.
	tmp, err := os.CreateTemp(PasswordsDir(dir), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("saving the password: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(password); err != nil {
		tmp.Close()
		return "", fmt.Errorf("saving the password: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("saving the password: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("saving the password: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("saving the password: %w", err)
	}
	return path, nil
}

// SavedPassword is account's password saved in the profile in dir, or ""
// if none is.
func SavedPassword(dir, account string) (string, error) {
	path, err := passwordFile(dir, account)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the saved password: %w", err)
	}
	return string(b), nil
}

// ForgetPassword removes account's password saved in the profile in dir.
func ForgetPassword(dir, account string) error {
	path, err := passwordFile(dir, account)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the saved password: %w", err)
	}
	return nil
}
