package main

import (
	"context"
	"fmt"
	"io"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/store"
)

// openMigrated opens the database and applies the embedded migrations, as
// the server does at start; it is safe while a server runs on it.
func openMigrated(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// withAuth opens and migrates the database and runs fn with the auth service.
// It is safe while a server runs on the same database.
func withAuth(ctx context.Context, dsn string, fn func(*auth.Service) error) error {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(auth.NewService(db))
}

// subcommand splits "create" (the only action so far) off args.
func subcommand(name string, args []string) ([]string, error) {
	if len(args) == 0 || args[0] != "create" {
		return nil, usageError{fmt.Sprintf("usage: omni %s create [flags] (omni %s create --help)", name, name)}
	}
	return args[1:], nil
}

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	args, err := subcommand("admin", args)
	if err != nil {
		return err
	}
	fs := newFlagSet("admin create", "admin create --email E --password P", stderr)
	dsn := config.DatabaseFlag(fs)
	email := fs.String("email", "", "the owner's email address (required)")
	password := fs.String("password", config.Env("OMNI_ADMIN_PASSWORD", ""), "the password, at least 8 characters (env OMNI_ADMIN_PASSWORD)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *email == "" || *password == "" {
		return usageError{"--email and --password are required"}
	}
	return withAuth(ctx, *dsn, func(s *auth.Service) error {
		u, err := s.CreateUser(ctx, *email, *password, auth.ScopeAdmin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created owner login %s (%s)\n", u.Email, u.ID)
		return nil
	})
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	args, err := subcommand("token", args)
	if err != nil {
		return err
	}
	fs := newFlagSet("token create", "token create --name N --scope admin|agent|marketer|read", stderr)
	dsn := config.DatabaseFlag(fs)
	name := fs.String("name", "", "what the token is for (required)")
	scope := fs.String("scope", "read", "admin, agent, marketer or read")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAuth(ctx, *dsn, func(s *auth.Service) error {
		t, secret, err := s.CreateToken(ctx, *name, auth.Scope(*scope))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "created %s token %q (%s); it is shown only once\n", t.Scope, t.Name, t.ID)
		return nil
	})
}

func runSource(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	args, err := subcommand("source", args)
	if err != nil {
		return err
	}
	fs := newFlagSet("source create", "source create --name N --channel web|app|chat|messenger|email|sms|pos|marketplace|ads", stderr)
	dsn := config.DatabaseFlag(fs)
	name := fs.String("name", "", "the source's name (required)")
	channel := fs.String("channel", "web", "the channel the source belongs to")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAuth(ctx, *dsn, func(s *auth.Service) error {
		src, err := s.CreateSource(ctx, *name, *channel)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, src.WriteKey)
		fmt.Fprintf(stderr, "created %s source %q (%s)\n", src.Channel, src.Name, src.ID)
		return nil
	})
}
