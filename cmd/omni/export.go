package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/export"
)

const exportUsage = "export customers|events|orders [--format jsonl|csv] [--output FILE] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--database PATH|URL] [--quiet]"

// runExport writes customers, events or orders to stdout or a file. It is
// safe to run while the server runs: it only reads, in short pages.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kind := ""
	if len(args) > 0 && slices.Contains(export.Kinds, args[0]) {
		kind, args = args[0], args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help") {
		return usageError{"usage: omni " + exportUsage}
	}
	fs := newFlagSet("export", exportUsage, stderr)
	dsn := config.DatabaseFlag(fs)
	format := fs.String("format", "jsonl", "jsonl (one JSON object per line) or csv")
	output := fs.String("output", "-", "file to write; - for stdout")
	since := fs.String("since", "", "from this day, UTC (events: timestamp; orders: created; customers: last seen)")
	until := fs.String("until", "", "up to this day, excluded")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if kind == "" {
		return usageError{"usage: omni " + exportUsage}
	}
	o := export.Options{Format: export.Format(*format)}
	if o.Format != export.JSONLines && o.Format != export.CSV {
		return usageError{fmt.Sprintf("--format %q: choose jsonl or csv", *format)}
	}
	var err error
	if o.Since, err = exportDay("since", *since); err != nil {
		return err
	}
	if o.Until, err = exportDay("until", *until); err != nil {
		return err
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	w, closeOut, err := exportOutput(*output, stdout)
	if err != nil {
		return err
	}
	if !*quiet {
		total, err := export.Count(ctx, db, kind, o)
		if err != nil {
			return err
		}
		bar, fn := unitBar(stderr, total, "exporting "+kind, kind)
		defer bar.Finish()
		o.Progress = fn
	}
	_, err = export.Write(ctx, db, kind, w, o)
	return errors.Join(err, closeOut(err == nil))
}

func exportDay(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("--%s %q: want YYYY-MM-DD", name, v)}
	}
	return t, nil
}

// exportOutput opens the output; a file is written beside its final name and
// renamed into place only when the export completed (done true), else
// removed.
func exportOutput(path string, stdout io.Writer) (io.Writer, func(done bool) error, error) {
	if path == "-" || path == "" {
		return stdout, func(bool) error { return nil }, nil
	}
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, nil, err
	}
	return f, func(done bool) error {
		err := f.Close()
		if err != nil || !done {
			return errors.Join(err, os.Remove(tmp))
		}
		return os.Rename(tmp, path)
	}, nil
}
