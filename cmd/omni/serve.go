package main

import (
	"context"
	"io"

	"github.com/omni-hq/omni/internal/app"
	"github.com/omni-hq/omni/internal/config"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [--addr HOST:PORT] [--database PATH|URL]", stderr)
	cfg := config.RegisterServer(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := config.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return usageError{err.Error()}
	}
	a, err := app.New(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx)
}
