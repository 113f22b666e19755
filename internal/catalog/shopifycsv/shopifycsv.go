// Package shopifycsv reads a Shopify product CSV export into catalog
// products. Shopify writes one row per variant (and extra rows per image),
// grouped by the product's handle: the first row of a handle carries the
// product's fields, the following rows carry further variants and images.
// Both the long-standing column names ("Handle", "Variant SKU",
// "Variant Price", "Image Src"…) and the newer ones ("URL handle", "SKU",
// "Price", "Product image URL"…) are understood. Prices are decimal amounts
// in the shop's currency, which the CSV does not state.
package shopifycsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/money"
)

// columns maps each field to its accepted header names (compared case-
// insensitively).
var columns = map[string][]string{
	"handle":      {"Handle", "URL handle"},
	"title":       {"Title"},
	"body":        {"Body (HTML)", "Description"},
	"vendor":      {"Vendor"},
	"type":        {"Type", "Custom Product Type", "Product type"},
	"tags":        {"Tags"},
	"published":   {"Published", "Published on online store"},
	"status":      {"Status"},
	"opt1name":    {"Option1 Name"},
	"opt1value":   {"Option1 Value"},
	"opt2name":    {"Option2 Name"},
	"opt2value":   {"Option2 Value"},
	"opt3name":    {"Option3 Name"},
	"opt3value":   {"Option3 Value"},
	"sku":         {"Variant SKU", "SKU"},
	"qty":         {"Variant Inventory Qty", "Inventory quantity"},
	"price":       {"Variant Price", "Price"},
	"compare":     {"Variant Compare At Price", "Compare-at price"},
	"barcode":     {"Variant Barcode", "Barcode"},
	"image":       {"Image Src", "Product image URL"},
	"imagealt":    {"Image Alt Text", "Image alt text"},
	"variantimg":  {"Variant Image", "Variant image URL"},
	"giftcard":    {"Gift Card", "Gift card"},
	"costperitem": {"Cost per item"},
}

// Product is one product read from the file, with the stock the file gives
// for each variant SKU (when it has an inventory column).
type Product struct {
	Input catalog.ProductInput
	Stock map[string]int64 // SKU → units
	Rows  []int            // the file's row numbers (1 is the header)
}

// Skipped is a row (or a whole product) left out, and why.
type Skipped struct {
	Row    int    `json:"row"`
	Handle string `json:"handle,omitempty"`
	Reason string `json:"reason"`
}

// Reader reads products from a CSV export one at a time.
type Reader struct {
	csv      *csv.Reader
	currency money.Currency
	col      map[string]int
	row      int
	pending  []string // the first row of the next product
	seenSKU  map[string]int
	skipped  []Skipped
	hasStock bool
}

// NewReader reads the header of r. Prices are read in currency.
func NewReader(r io.Reader, currency string) (*Reader, error) {
	cur, err := money.ParseCurrency(currency)
	if err != nil {
		return nil, fmt.Errorf("currency: %w", err)
	}
	c := csv.NewReader(r)
	c.FieldsPerRecord = -1
	c.LazyQuotes = true
	header, err := c.Read()
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	rd := &Reader{csv: c, currency: cur, col: map[string]int{}, row: 1, seenSKU: map[string]int{}}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		for field, names := range columns {
			for _, n := range names {
				if strings.EqualFold(h, n) {
					rd.col[field] = i
				}
			}
		}
	}
	if _, ok := rd.col["handle"]; !ok {
		return nil, errors.New("not a Shopify product CSV: no Handle (or URL handle) column")
	}
	if _, ok := rd.col["title"]; !ok {
		return nil, errors.New("not a Shopify product CSV: no Title column")
	}
	_, rd.hasStock = rd.col["qty"]
	return rd, nil
}

// Row is the number of the last row read, for progress.
func (r *Reader) Row() int { return r.row }

// Skipped lists the rows left out so far.
func (r *Reader) Skipped() []Skipped { return r.skipped }

// HasStock reports whether the file has an inventory quantity column.
func (r *Reader) HasStock() bool { return r.hasStock }

func (r *Reader) get(rec []string, field string) string {
	i, ok := r.col[field]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (r *Reader) skip(row int, handle, format string, args ...any) {
	r.skipped = append(r.skipped, Skipped{Row: row, Handle: handle, Reason: fmt.Sprintf(format, args...)})
}

// next reads the next record, or nil at the end.
func (r *Reader) next() ([]string, error) {
	if r.pending != nil {
		rec := r.pending
		r.pending = nil
		return rec, nil
	}
	rec, err := r.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	r.row++
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		r.skip(r.row, "", "unreadable CSV: %v", perr.Err)
		return r.next()
	}
	return rec, err
}

// Next returns the next product, or io.EOF after the last. Rows that cannot
// be used are recorded in Skipped and left out.
func (r *Reader) Next() (Product, error) {
	for {
		rec, err := r.next()
		if err != nil {
			return Product{}, fmt.Errorf("read CSV row %d: %w", r.row, err)
		}
		if rec == nil {
			return Product{}, io.EOF
		}
		handle := r.get(rec, "handle")
		if handle == "" {
			r.skip(r.row, "", "no handle")
			continue
		}
		if r.get(rec, "title") == "" {
			r.skip(r.row, handle, "the first row of product %q has no title", handle)
			r.skipGroup(handle)
			continue
		}
		return r.product(rec, handle)
	}
}

// skipGroup skips the remaining rows of a product that cannot be read.
func (r *Reader) skipGroup(handle string) {
	for {
		rec, err := r.csv.Read()
		if err != nil {
			return
		}
		r.row++
		if r.get(rec, "handle") != handle {
			r.pending = rec
			return
		}
		r.skip(r.row, handle, "belongs to product %q, which was skipped", handle)
	}
}
