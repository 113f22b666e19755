package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/catalog/shopifycsv"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/inventory"
)

const importUsage = "import products FILE.csv [--currency EUR] [--location CODE] [--database PATH|URL]"

// runImport imports a Shopify product CSV export. Products are matched by
// handle, so importing the same file again updates them. It exits 2 when
// some rows were skipped (the others are imported) and lists why.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "products" {
		return usageError{"usage: omni " + importUsage + " (what can be imported: products)"}
	}
	args = args[1:]
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	fs := newFlagSet("import products", importUsage, stderr)
	dsn := config.DatabaseFlag(fs)
	currency := fs.String("currency", "USD", "the shop currency the CSV's prices are in (ISO 4217)")
	location := fs.String("location", "", "set stock from the inventory column at this location (code); default: no stock")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if file == "" {
		return usageError{"usage: omni " + importUsage}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	imp := &importer{cat: catalog.NewService(db), inv: inventory.NewService(db)}
	if *location != "" {
		loc, err := imp.inv.Location(ctx, *location)
		if err != nil {
			return usageError{fmt.Sprintf("--location %q: %v", *location, err)}
		}
		imp.loc = &loc
	}
	var in io.Reader = f
	if st, err := f.Stat(); err == nil && !*quiet {
		bar := progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100_000_000))
		pr := progressbar.NewReader(f, bar)
		in = &pr
		defer bar.Finish()
	}
	r, err := shopifycsv.NewReader(in, *currency)
	if err != nil {
		return usageError{fmt.Sprintf("%s: %v", file, err)}
	}
	if err := imp.run(ctx, r); err != nil {
		return err
	}
	return imp.report(stdout, stderr, r)
}

type importer struct {
	cat                        *catalog.Service
	inv                        *inventory.Service
	loc                        *inventory.Location
	created, updated, variants int
	stocked                    int
	failed                     []shopifycsv.Skipped
}

func (imp *importer) run(ctx context.Context, r *shopifycsv.Reader) error {
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		saved, created, err := imp.cat.UpsertProduct(ctx, p.Input)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				return err
			}
			imp.failed = append(imp.failed, shopifycsv.Skipped{Row: p.Rows[0], Handle: p.Input.Handle, Reason: err.Error()})
			continue
		}
		if created {
			imp.created++
		} else {
			imp.updated++
		}
		imp.variants += len(saved.Variants)
		if imp.loc == nil {
			continue
		}
		for _, v := range saved.Variants {
			if n, ok := p.Stock[v.SKU]; ok {
				if _, err := imp.inv.SetStock(ctx, v.ID, imp.loc.ID, n); err != nil {
					imp.failed = append(imp.failed, shopifycsv.Skipped{Row: p.Rows[0], Handle: p.Input.Handle,
						Reason: "stock of " + v.SKU + ": " + err.Error()})
					continue
				}
				imp.stocked++
			}
		}
	}
}

func (imp *importer) report(stdout, stderr io.Writer, r *shopifycsv.Reader) error {
	fmt.Fprintf(stdout, "imported %d products (%d new, %d updated) with %d variants from %d rows\n",
		imp.created+imp.updated, imp.created, imp.updated, imp.variants, r.Row()-1)
	if imp.loc != nil {
		fmt.Fprintf(stdout, "set stock of %d variants at %s\n", imp.stocked, imp.loc.Code)
	} else if r.HasStock() {
		fmt.Fprintln(stdout, "stock not imported: pass --location CODE to set it")
	}
	skipped := append(r.Skipped(), imp.failed...)
	if len(skipped) == 0 {
		return nil
	}
	fmt.Fprintf(stderr, "skipped %d rows:\n", len(skipped))
	for _, s := range skipped {
		h := ""
		if s.Handle != "" {
			h = " (" + s.Handle + ")"
		}
		fmt.Fprintf(stderr, "  row %d%s: %s\n", s.Row, h, s.Reason)
	}
	return usageError{fmt.Sprintf("%d rows skipped; the rest was imported", len(skipped))}
}
