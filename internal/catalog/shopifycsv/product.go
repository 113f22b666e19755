package shopifycsv

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/money"
)

// product reads the rows of one handle, starting with its first row.
func (r *Reader) product(first []string, handle string) (Product, error) {
	p := Product{Stock: map[string]int64{}}
	in := &p.Input
	in.Handle, in.Title = handle, r.get(first, "title")
	in.Description, in.Vendor, in.Type = r.get(first, "body"), r.get(first, "vendor"), r.get(first, "type")
	in.Tags = strings.Split(r.get(first, "tags"), ",")
	in.Status = statusOf(r.get(first, "status"), r.get(first, "published"))
	for _, f := range []string{"opt1name", "opt2name", "opt3name"} {
		if name := r.get(first, f); name != "" && !(f == "opt1name" && strings.EqualFold(name, "Title") &&
			strings.EqualFold(r.get(first, "opt1value"), "Default Title")) {
			in.Options = append(in.Options, name)
		}
	}
	gift := strings.EqualFold(r.get(first, "giftcard"), "true")
	r.addRow(&p, first, r.row)
	for {
		rec, err := r.csv.Read()
		if err != nil {
			break // the end, or a broken row the next call reports
		}
		r.row++
		if r.get(rec, "handle") != handle {
			r.pending = rec
			break
		}
		r.addRow(&p, rec, r.row)
	}
	switch {
	case gift:
		r.skip(p.Rows[0], handle, "gift cards are not imported")
		return r.Next()
	case len(in.Variants) == 0:
		r.skip(p.Rows[0], handle, "product %q has no usable variant row", handle)
		return r.Next()
	}
	return p, nil
}

func statusOf(status, published string) string {
	switch s := strings.ToLower(status); s {
	case catalog.StatusActive, catalog.StatusDraft, catalog.StatusArchived:
		return s
	}
	if strings.EqualFold(published, "false") {
		return catalog.StatusDraft
	}
	return catalog.StatusActive
}

// addRow adds a variant and/or an image row to the product.
func (r *Reader) addRow(p *Product, rec []string, row int) {
	p.Rows = append(p.Rows, row)
	handle := p.Input.Handle
	if img := r.get(rec, "image"); img != "" && !slices.ContainsFunc(p.Input.Images, func(i catalog.ImageInput) bool { return i.URL == img }) {
		p.Input.Images = append(p.Input.Images, catalog.ImageInput{URL: img, Alt: r.get(rec, "imagealt")})
	}
	price, sku := r.get(rec, "price"), r.get(rec, "sku")
	if r.get(rec, "opt1value") == "" && sku == "" && price == "" {
		return // an image-only row
	}
	v := catalog.VariantInput{SKU: sku, Barcode: strings.TrimPrefix(r.get(rec, "barcode"), "'"), Currency: string(r.currency)}
	amount, err := r.amount(price)
	if err != nil {
		r.skip(row, handle, "price: %v", err)
		return
	}
	v.Price = amount
	if c := r.get(rec, "compare"); c != "" {
		if v.CompareAtPrice, err = r.amount(c); err != nil {
			r.skip(row, handle, "compare-at price: %v", err)
			return
		}
	}
	if sku != "" {
		if prev, dup := r.seenSKU[sku]; dup {
			r.skip(row, handle, "SKU %q is already used on row %d", sku, prev)
			return
		}
	}
	for i, f := range []string{"opt1value", "opt2value", "opt3value"} {
		if i < len(p.Input.Options) {
			v.Options = append(v.Options, r.get(rec, f))
		}
	}
	if q := r.get(rec, "qty"); q != "" && sku != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			r.skip(row, handle, "inventory quantity %q is not a whole number", q)
			return
		}
		p.Stock[sku] = max(n, 0) // Shopify exports oversold variants as negative
	}
	if sku != "" {
		r.seenSKU[sku] = row
	}
	p.Input.Variants = append(p.Input.Variants, v)
	if img := r.get(rec, "variantimg"); img != "" && sku != "" {
		p.Input.Images = append(p.Input.Images, catalog.ImageInput{URL: img, VariantSKU: sku})
	}
}

// amount reads a decimal price such as "19.99" in the reader's currency.
func (r *Reader) amount(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("is missing")
	}
	a, err := money.Parse(s + " " + string(r.currency))
	if err != nil {
		return 0, fmt.Errorf("%q is not an amount in %s", s, r.currency)
	}
	if a.Minor < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return a.Minor, nil
}
