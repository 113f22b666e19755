package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/store"
)

func TestImportShopifyProducts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "omni.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	inv := inventory.NewService(db)
	if _, err := inv.CreateLocation(ctx, inventory.LocationInput{Code: "wh", Name: "Warehouse", Kind: inventory.Warehouse}); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join("..", "..", "internal", "catalog", "shopifycsv", "testdata", "products_export.csv")
	args := []string{"import", "products", csv, "--database", path, "--currency", "EUR", "--location", "wh", "--quiet"}
	for i, want := range []string{"4 new, 0 updated", "0 new, 4 updated"} {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		if code != exitUsage {
			t.Fatalf("run %d: exit %d, want %d (rows skipped): %s", i, code, exitUsage, errOut.String())
		}
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "set stock of 7 variants at wh") {
			t.Errorf("run %d: stdout %q, want %q", i, out.String(), want)
		}
		if !strings.Contains(errOut.String(), `row 7 (example-pants): price: "twelve" is not an amount in EUR`) {
			t.Errorf("run %d: stderr lacks the skipped price row: %s", i, errOut.String())
		}
	}
	p, err := catalog.NewService(db).ProductByHandle(ctx, "example-t-shirt")
	if err != nil || len(p.Variants) != 3 || p.Variants[0].Price != 1999 {
		t.Fatalf("imported t-shirt: %+v %v", p, err)
	}
	levels, _ := inv.Levels(ctx, []string{p.Variants[0].ID}, "")
	if len(levels) != 1 || levels[0].OnHand != 12 {
		t.Errorf("stock of example-shirt-s: %+v", levels)
	}
	var errOut bytes.Buffer
	if code := run(ctx, []string{"import", "customers", "x.csv"}, &bytes.Buffer{}, &errOut); code != exitUsage {
		t.Errorf("import customers: exit %d", code)
	}
}
