package dashboard

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/money"
)

// productStatuses are the statuses the product form offers.
var productStatuses = []string{catalog.StatusActive, catalog.StatusDraft, catalog.StatusArchived}

// productForm is the product form as typed. Variants are rows named
// v0.sku, v0.price… ; prices are in major units of the product's currency.
// Every field of a product is on it, so that saving the form loses nothing.
type productForm struct {
	ID, Title, Handle, Description, Vendor, Type, Tags, Status, Options, Currency string
	Images                                                                        string // one a line: URL | alt | variant SKU
	Channels, Collections                                                         []string
	CollectionsListed                                                             bool // the collection boxes were on the form
	Variants                                                                      []variantRow
	Error, Field                                                                  string // the problem, and the field at fault
}

// variantRow is one variant of the form.
type variantRow struct {
	I                                                          int
	ID, SKU, Title, Options, Barcode, Price, CompareAt, Prices string // Prices: per channel, "pos 11.50, marketplace 13"
}

// Number is the row's place, counted from 1.
func (row variantRow) Number() int { return row.I + 1 }

// Has reports whether channel ch is ticked.
func (f productForm) Has(ch string) bool { return slices.Contains(f.Channels, ch) }

// In reports whether the product is in collection id.
func (f productForm) In(id string) bool { return slices.Contains(f.Collections, id) }

// Bad reports whether field, or a part of it, is at fault.
func (f productForm) Bad(field string) bool {
	return f.Field == field || strings.HasPrefix(f.Field, field+"[") || strings.HasPrefix(f.Field, field+".")
}

// BadRow reports whether the field at fault is field of variant row i.
func (f productForm) BadRow(i int, field string) bool {
	return f.Bad(fmt.Sprintf("variants[%d].%s", i, field))
}

// newProductForm is the form of a new product: one empty variant.
func newProductForm() productForm {
	return productForm{Status: catalog.StatusActive, Currency: "EUR", Variants: []variantRow{{}}}
}

// readProductForm reads the posted form; id is the product edited, if any.
func readProductForm(r *http.Request, id string) productForm {
	_ = r.ParseForm()
	p := r.PostForm
	f := productForm{ID: id, Title: p.Get("title"), Handle: p.Get("handle"), Description: p.Get("description"),
		Vendor: p.Get("vendor"), Type: p.Get("type"), Tags: p.Get("tags"), Status: p.Get("status"), Options: p.Get("options"),
		Currency: strings.ToUpper(strings.TrimSpace(p.Get("currency"))), Images: p.Get("images"), Channels: p["channels"],
		Collections: p["collections"], CollectionsListed: p.Get("collections_listed") != ""}
	for i := range catalog.MaxVariants + 1 {
		pre := fmt.Sprintf("v%d.", i)
		if _, ok := p[pre+"price"]; !ok {
			continue
		}
		f.Variants = append(f.Variants, variantRow{ID: p.Get(pre + "id"), SKU: p.Get(pre + "sku"), Title: p.Get(pre + "title"),
			Options: p.Get(pre + "options"), Barcode: p.Get(pre + "barcode"), Price: strings.TrimSpace(p.Get(pre + "price")),
			CompareAt: strings.TrimSpace(p.Get(pre + "compare_at")), Prices: p.Get(pre + "channel_prices")})
	}
	f.number()
	return f
}

// number gives the rows their places.
func (f *productForm) number() {
	for i := range f.Variants {
		f.Variants[i].I = i
	}
}

// productFormOf fills the form with a stored product.
func productFormOf(p catalog.Product) productForm {
	f := productForm{ID: p.ID, Title: p.Title, Handle: p.Handle, Description: p.Description, Vendor: p.Vendor, Type: p.Type,
		Tags: strings.Join(p.Tags, ", "), Status: p.Status, Options: strings.Join(p.Options, ", "), Channels: p.Channels,
		Collections: p.Collections, Currency: "EUR"}
	skus := map[string]string{}
	for _, v := range p.Variants {
		f.Currency, skus[v.ID] = v.Currency, v.SKU
		row := variantRow{ID: v.ID, SKU: v.SKU, Title: v.Title, Options: strings.Join(v.Options, ", "), Barcode: v.Barcode,
			Price: majorUnits(money.New(v.Price, money.Currency(v.Currency)))}
		if v.CompareAtPrice > 0 {
			row.CompareAt = majorUnits(money.New(v.CompareAtPrice, money.Currency(v.Currency)))
		}
		var prices []string
		for ch, minor := range v.ChannelPrices {
			prices = append(prices, ch+" "+majorUnits(money.New(minor, money.Currency(v.Currency))))
		}
		slices.Sort(prices)
		row.Prices = strings.Join(prices, ", ")
		f.Variants = append(f.Variants, row)
	}
	var images []string
	for _, img := range p.Images {
		line := img.URL
		if img.Alt != "" || skus[img.VariantID] != "" {
			line += " | " + img.Alt
		}
		if sku := skus[img.VariantID]; sku != "" {
			line += " | " + sku
		}
		images = append(images, line)
	}
	f.Images = strings.Join(images, "\n")
	f.number()
	return f
}

// input turns the form into a catalog product, prices in minor units.
func (f productForm) input() (catalog.ProductInput, error) {
	in := catalog.ProductInput{Title: f.Title, Handle: f.Handle, Description: f.Description, Vendor: f.Vendor, Type: f.Type,
		Tags: splitList(f.Tags), Status: f.Status, Options: splitList(f.Options), Channels: f.Channels}
	if f.CollectionsListed {
		in.Collections = append([]string{}, f.Collections...)
	}
	cur := money.Currency(f.Currency)
	if !cur.Valid() {
		return in, errInvalid("currency", "give an ISO 4217 code such as EUR")
	}
	for _, row := range f.Variants {
		v, err := row.input(cur)
		if err != nil {
			return in, err
		}
		in.Variants = append(in.Variants, v)
	}
	for i, line := range strings.Split(f.Images, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		if len(parts) > 3 {
			return in, errInvalid("images", fmt.Sprintf("line %d: write URL | alt text | variant SKU", i+1))
		}
		in.Images = append(in.Images, catalog.ImageInput{URL: strings.TrimSpace(parts[0]), Alt: strings.TrimSpace(parts[1]),
			VariantSKU: strings.TrimSpace(parts[2])})
	}
	return in, nil
}

// input turns the row into a variant priced in cur.
func (row variantRow) input(cur money.Currency) (catalog.VariantInput, error) {
	field := fmt.Sprintf("variants[%d].", row.I)
	v := catalog.VariantInput{ID: row.ID, SKU: row.SKU, Title: row.Title, Options: splitList(row.Options), Barcode: row.Barcode,
		Currency: string(cur)}
	var err error
	if v.Price, err = parsePrice(field+"price", row.Price, cur); err != nil {
		return v, err
	}
	if row.CompareAt != "" {
		if v.CompareAtPrice, err = parsePrice(field+"compare_at_price", row.CompareAt, cur); err != nil {
			return v, err
		}
	}
	for _, item := range splitList(row.Prices) {
		ch, amount, ok := strings.Cut(strings.ReplaceAll(item, "=", " "), " ")
		if !ok {
			return v, errInvalid(field+"channel_prices", fmt.Sprintf("%q: write a channel and a price, e.g. pos 11.50", item))
		}
		if v.ChannelPrices == nil {
			v.ChannelPrices = map[string]int64{}
		}
		if v.ChannelPrices[ch], err = parsePrice(field+"channel_prices."+ch, strings.TrimSpace(amount), cur); err != nil {
			return v, err
		}
	}
	return v, nil
}

// parsePrice reads a price in major units of cur ("12.50") as minor units.
func parsePrice(field, s string, cur money.Currency) (int64, error) {
	exp, _ := cur.Exponent()
	a, err := money.Parse(s + " " + string(cur))
	if err != nil || a.IsNegative() {
		example := "12"
		if exp > 0 {
			example += "." + strings.Repeat("5", exp)
		}
		return 0, errInvalid(field, fmt.Sprintf("%q is not a price: write one such as %s (%s has %d decimals)", s, example, cur, exp))
	}
	return a.Minor, nil
}

// majorUnits writes an amount as typed in a form: "12.50", without the
// currency.
func majorUnits(a money.Amount) string {
	return strings.TrimSuffix(a.String(), " "+string(a.Currency))
}

// splitList reads "a, b, c" as a list, without blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

var indexedField = regexp.MustCompile(`^(variants|images|collections)\[(\d+)\]\.?`)

var indexedNames = map[string]string{"variants": "Variant", "images": "Image", "collections": "Collection"}

// productProblem words a bad-input error for the product form ("Variant 2,
// sku: appears twice") and returns the field at fault.
func productProblem(err error) (msg, field string, bad bool) {
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		return "", "", false
	}
	field = e.Field
	if field == "" && e.Code == apperr.Conflict && strings.Contains(e.Message, "handle") {
		field = "handle"
	}
	label := indexedField.ReplaceAllStringFunc(field, func(m string) string {
		sub := indexedField.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		return fmt.Sprintf("%s %d, ", indexedNames[sub[1]], n+1)
	})
	label = strings.TrimSuffix(label, ", ")
	if label == "" {
		return e.Message, field, true
	}
	return label + ": " + e.Message, field, true
}
