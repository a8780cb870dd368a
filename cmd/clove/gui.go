package main

import (
	"context"
	"io"
	"sync"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/gui"
	"github.com/clove-xmpp/clove/internal/noheapprofile"
	"github.com/clove-xmpp/clove/node"
)

// cmdGUI opens the window (package gui) on the profile.
func cmdGUI(ctx context.Context, e *env) error {
	if !gui.HasDisplay(e.getenv) {
		return gui.ErrNoDisplay // before the profile is touched
	}
	p, err := e.openProfile(ctx)
	if err != nil {
		return err
	}
	defer p.Close()
	// The same password sources as the CLI, except that the terminal
	// prompt becomes a dialog in the window.
	noTTY := *e
	noTTY.stdin = nil
	o := gui.Options{
		Profile:           p,
		Log:               e.log,
		Password:          noTTY.password,
		ShowPasswordError: e.passwordFile != "",
		StartNode: func(ctx context.Context, dir, network string) error {
			quiet := *e
			quiet.stdout = io.Discard
			return nodeStart(ctx, &quiet, dir, network, routerChoice{})
		},
		RestartNode: func(ctx context.Context, dir string) error {
			opts, err := nodeStartOptions(e, dir, "", routerChoice{})
			if err != nil {
				return err
			}
			opts.KeepPlan = true
			_, err = node.StartBackground(ctx, opts)
			return err
		},
		Forget:      e.forgetPassword,
		Getenv:      e.getenv,
		HeapProfile: e.getenv(noheapprofile.Env),
	}
	o.Remember, o.NoKeyring = e.rememberer()
	return gui.Run(ctx, o)
}

// rememberer is where the window keeps a password it is asked to: the OS
// keyring, or without one (noKeyring says why) the profile, which the
// wizard says is unencrypted before the user picks it. Whether there is a
// keyring is asked at once, on a goroutine of its own: the D-Bus round
// trips (3 ms of the window's start when they ran before it, measured
// 2026-12-07) are done long before the window first needs the answer.
func (e *env) rememberer() (remember func(account, password string) error, noKeyring func() error) {
	noKeyring = sync.OnceValue(e.keyringError)
	go noKeyring()
	return func(account, password string) error {
		if noKeyring() != nil {
			_, err := chat.SavePassword(e.profile, account, password)
			return err
		}
		return e.rememberPassword(account, password)
	}, noKeyring
}
