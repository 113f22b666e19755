// Command omni is Omni's single binary: the server, the demo and the
// operator's tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/omni-hq/omni/internal/apperr"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the Omni server", runServe},
		"demo":     {"run a living demo shop on embedded SQLite, with simulated customers", runDemo},
		"simulate": {"send simulated cross-channel customer traffic to a running Omni", runSimulate},
		"migrate":  {"apply database migrations (up) or show their status", runMigrate},
		"import":   {"import data (import products FILE.csv: a Shopify product export)", runImport},
		"export":   {"export customers, events or orders as JSON Lines or CSV", runExport},
		"admin":    {"manage owner and staff logins (admin create)", runAdmin},
		"token":    {"manage API tokens (token create)", runToken},
		"source":   {"manage tracking sources (source create)", runSource},
		"bench":    {"measure throughput and latency under load (bench ingest, profile, cart, inbox, dashboard, seed)", runBench},
		"report":   {"analytics reports: the channel-strategy report (report strategy), snapshot refresh", runReport},
	}
}

// Exit codes scripts can rely on.
const (
	exitOK       = 0
	exitFailure  = 1 // the command failed (database down, I/O error…)
	exitUsage    = 2 // bad flags or invalid input
	exitConflict = 3 // the thing to create already exists
)

// usageError marks a problem with the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "omni: unknown command %q\n\n", args[0])
		printUsage(stderr, cmds)
		return exitUsage
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "omni %s: %v\n", args[0], err)
	var ue usageError
	switch {
	case errors.As(err, &ue), apperr.CodeOf(err) == apperr.Invalid:
		return exitUsage
	case apperr.CodeOf(err) == apperr.Conflict:
		return exitConflict
	}
	return exitFailure
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Omni — one customer, cart, promotion set and service record across every channel.")
	fmt.Fprintln(w, "\nUsage: omni <command> [flags]   (omni <command> --help for its flags)\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: omni %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and turns flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
