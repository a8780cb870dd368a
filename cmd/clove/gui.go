package main

import (
	"context"
	"io"

	"github.com/clove-xmpp/clove/gui"
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
		Forget: e.forgetPassword,
		Getenv: e.getenv,
	}
	if e.keyringUsable() {
		o.Remember = e.rememberPassword
	}
	return gui.Run(ctx, o)
}
