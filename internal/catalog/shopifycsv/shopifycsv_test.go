package shopifycsv_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/catalog/shopifycsv"
)

func readAll(t *testing.T, r *shopifycsv.Reader) []shopifycsv.Product {
	t.Helper()
	var out []shopifycsv.Product
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
}

func TestReadsShopifyExport(t *testing.T) {
	f, err := os.Open("testdata/products_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := shopifycsv.NewReader(f, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	products := readAll(t, r)
	handles := []string{}
	for _, p := range products {
		handles = append(handles, p.Input.Handle)
	}
	if strings.Join(handles, ",") != "example-t-shirt,example-pants,example-hat,example-mug" {
		t.Fatalf("products %v", handles)
	}
	tee := products[0].Input
	if tee.Title != "Example T-Shirt" || tee.Vendor != "Acme" || len(tee.Options) != 1 || tee.Options[0] != "Size" ||
		len(tee.Variants) != 3 || len(tee.Images) != 2 || tee.Status != "active" {
		t.Fatalf("tee = %+v", tee)
	}
	s := tee.Variants[0]
	if s.SKU != "example-shirt-s" || s.Price != 1999 || s.CompareAtPrice != 2499 || s.Currency != "EUR" ||
		s.Barcode != "0123456789012" || s.Options[0] != "Small" {
		t.Errorf("small = %+v", s)
	}
	if st := products[0].Stock; st["example-shirt-s"] != 12 || st["example-shirt-l"] != 0 {
		t.Errorf("stock = %v (negative exported stock counts as 0)", st)
	}
	pants := products[1].Input
	if len(pants.Options) != 2 || len(pants.Variants) != 2 || pants.Variants[1].Options[1] != "Khaki" {
		t.Errorf("pants = %+v", pants)
	}
	if mug := products[3].Input; len(mug.Variants) != 1 || mug.Variants[0].SKU != "example-mug-l" {
		t.Errorf("mug = %+v (the row with a duplicate SKU is left out)", mug)
	}
	hat := products[2].Input
	if len(hat.Options) != 0 || hat.Variants[0].Price != 1500 || hat.Status != "draft" {
		t.Errorf("hat = %+v (Default Title means no options; Published FALSE is a draft)", hat)
	}
	want := map[int]string{
		7:  `price: "twelve" is not an amount in EUR`,
		9:  "no handle",
		10: `the first row of product "example-socks" has no title`,
		11: `belongs to product "example-socks", which was skipped`,
		12: `SKU "example-shirt-s" is already used on row 2`,
		14: "gift cards are not imported",
	}
	got := r.Skipped()
	if len(got) != len(want) {
		t.Fatalf("skipped %+v, want %d rows", got, len(want))
	}
	for _, s := range got {
		if !strings.Contains(s.Reason, want[s.Row]) || want[s.Row] == "" {
			t.Errorf("row %d skipped for %q, want %q", s.Row, s.Reason, want[s.Row])
		}
	}
}

func TestNewColumnNamesAndBadFiles(t *testing.T) {
	csv := "URL handle,Title,Description,Vendor,Option1 name,Option1 value,SKU,Price,Inventory quantity,Product image URL,Status\n" +
		"mug,Mug,<p>Big</p>,Acme,Title,Default Title,MUG-1,12.5,4,https://cdn.example.com/mug.jpg,active\n"
	r, err := shopifycsv.NewReader(strings.NewReader(csv), "usd")
	if err != nil {
		t.Fatal(err)
	}
	ps := readAll(t, r)
	if len(ps) != 1 || ps[0].Input.Variants[0].Price != 1250 || ps[0].Stock["MUG-1"] != 4 || len(ps[0].Input.Images) != 1 {
		t.Fatalf("products %+v", ps)
	}
	if _, err := shopifycsv.NewReader(strings.NewReader("name,price\nx,1\n"), "EUR"); err == nil {
		t.Error("a CSV without Handle was accepted")
	}
	if _, err := shopifycsv.NewReader(strings.NewReader(csv), "EURO"); err == nil {
		t.Error("an unknown currency was accepted")
	}
}
