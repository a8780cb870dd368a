package main

import (
	"context"
	"io"

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
// wizard says is unencrypted before the user picks it.
func (e *env) rememberer() (remember func(account, password string) error, noKeyring error) {
	if err := e.keyringError(); err != nil {
		return func(account, password string) error {
			_, err := chat.SavePassword(e.profile, account, password)
			return err
		}, err
	}
	return e.rememberPassword, nil
}
