package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/money"
)

// ProductInput creates or replaces a product. Collections, when not nil,
// replaces the collections the product is in; nil leaves an existing
// product's collections as they are.
type ProductInput struct {
	Handle      string         `json:"handle,omitempty"` // derived from the title when empty
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Vendor      string         `json:"vendor,omitempty"`
	Type        string         `json:"type,omitempty"`
	Tags        []string       `json:"tags,omitempty"`
	Status      string         `json:"status,omitempty"` // default active
	Options     []string       `json:"options,omitempty"`
	Channels    []string       `json:"channels,omitempty"`    // empty: every channel
	Collections []string       `json:"collections,omitempty"` // collection ids
	Variants    []VariantInput `json:"variants"`
	Images      []ImageInput   `json:"images,omitempty"`
}

// VariantInput creates or replaces a variant. On update a variant is matched
// by ID, then by SKU; unmatched variants are created, missing ones removed.
type VariantInput struct {
	ID             string           `json:"id,omitempty"`
	SKU            string           `json:"sku,omitempty"`
	Barcode        string           `json:"barcode,omitempty"`
	Title          string           `json:"title,omitempty"`
	Options        []string         `json:"options,omitempty"`
	Price          int64            `json:"price"`
	CompareAtPrice int64            `json:"compare_at_price,omitempty"`
	Currency       string           `json:"currency"`
	ChannelPrices  map[string]int64 `json:"channel_prices,omitempty"`
}

// ImageInput adds an image; VariantSKU ties it to one variant.
type ImageInput struct {
	URL        string `json:"url"`
	Alt        string `json:"alt,omitempty"`
	VariantSKU string `json:"variant_sku,omitempty"`
}

var (
	handlePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	skuPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._/#+\-]{0,63}$`)
)

// Handleize turns a title into a handle: lower-case ASCII letters and digits
// joined by single dashes.
func Handleize(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// ValidCurrency reports whether code is a known ISO 4217 code in upper case.
func ValidCurrency(code string) bool { return money.Currency(code).Valid() }

// ValidChannel reports whether ch is one of Omni's channels.
func ValidChannel(ch string) bool { return slices.Contains(auth.Channels, ch) }

func channelError(field, ch string) error {
	return apperr.InvalidField(field, "unknown channel %q (want one of %s)", ch, strings.Join(auth.Channels, ", "))
}

// normalize checks in and fills defaults. It returns an Invalid error naming
// the first field at fault.
func (in *ProductInput) normalize() error {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		return apperr.InvalidField("title", "is required")
	}
	if len(in.Title) > maxText {
		return apperr.InvalidField("title", "is longer than %d characters", maxText)
	}
	if len(in.Description) > maxBody {
		return apperr.InvalidField("description", "is longer than %d bytes", maxBody)
	}
	in.Handle = strings.TrimSpace(in.Handle)
	if in.Handle == "" {
		in.Handle = Handleize(in.Title)
	}
	if !handlePattern.MatchString(in.Handle) || len(in.Handle) > maxText {
		return apperr.InvalidField("handle", "%q must be lower-case letters and digits joined by dashes", in.Handle)
	}
	if in.Status == "" {
		in.Status = StatusActive
	}
	if !slices.Contains([]string{StatusActive, StatusDraft, StatusArchived}, in.Status) {
		return apperr.InvalidField("status", "unknown status %q (want active, draft or archived)", in.Status)
	}
	in.Vendor, in.Type = strings.TrimSpace(in.Vendor), strings.TrimSpace(in.Type)
	in.Tags = cleanList(in.Tags)
	in.Options = cleanList(in.Options)
	if len(in.Options) > 3 {
		return apperr.InvalidField("options", "a product has at most 3 options, not %d", len(in.Options))
	}
	for _, ch := range in.Channels {
		if !ValidChannel(ch) {
			return channelError("channels", ch)
		}
	}
	if in.Collections != nil {
		in.Collections = cleanList(in.Collections)
	}
	if err := in.normalizeVariants(); err != nil {
		return err
	}
	return in.normalizeImages()
}

func (in *ProductInput) normalizeVariants() error {
	if len(in.Variants) == 0 {
		return apperr.InvalidField("variants", "a product needs at least one variant")
	}
	if len(in.Variants) > MaxVariants {
		return apperr.InvalidField("variants", "at most %d variants, not %d", MaxVariants, len(in.Variants))
	}
	skus := map[string]bool{}
	for i := range in.Variants {
		v := &in.Variants[i]
		field := fmt.Sprintf("variants[%d]", i)
		v.SKU, v.Barcode = strings.TrimSpace(v.SKU), strings.TrimSpace(v.Barcode)
		if v.SKU != "" {
			if !skuPattern.MatchString(v.SKU) {
				return apperr.InvalidField(field+".sku", "%q: use up to 64 letters, digits, spaces and . _ / # + -", v.SKU)
			}
			if skus[v.SKU] {
				return apperr.InvalidField(field+".sku", "%q appears twice", v.SKU)
			}
			skus[v.SKU] = true
		}
		if v.Price < 0 || v.Price > MaxPrice {
			return apperr.InvalidField(field+".price", "%d is out of range 0..%d (minor units)", v.Price, int64(MaxPrice))
		}
		if v.CompareAtPrice < 0 || v.CompareAtPrice > MaxPrice {
			return apperr.InvalidField(field+".compare_at_price", "%d is out of range", v.CompareAtPrice)
		}
		v.Currency = strings.ToUpper(strings.TrimSpace(v.Currency))
		if !ValidCurrency(v.Currency) {
			return apperr.InvalidField(field+".currency", "%q is not an ISO 4217 currency code", v.Currency)
		}
		if v.Currency != in.Variants[0].Currency {
			return apperr.InvalidField(field+".currency", "%s differs from the first variant's %s; a product has one currency", v.Currency, in.Variants[0].Currency)
		}
		for ch, p := range v.ChannelPrices {
			if !ValidChannel(ch) {
				return channelError(field+".channel_prices", ch)
			}
			if p < 0 || p > MaxPrice {
				return apperr.InvalidField(field+".channel_prices."+ch, "%d is out of range", p)
			}
		}
		if len(v.Options) > len(in.Options) {
			return apperr.InvalidField(field+".options", "has %d values but the product has %d options", len(v.Options), len(in.Options))
		}
		v.Title = strings.TrimSpace(v.Title)
		if v.Title == "" {
			v.Title = strings.Join(cleanList(v.Options), " / ")
		}
		if v.Title == "" {
			v.Title = "Default"
		}
	}
	return nil
}

func (in *ProductInput) normalizeImages() error {
	if len(in.Images) > MaxImages {
		return apperr.InvalidField("images", "at most %d images, not %d", MaxImages, len(in.Images))
	}
	for i, img := range in.Images {
		u, err := url.Parse(strings.TrimSpace(img.URL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return apperr.InvalidField(fmt.Sprintf("images[%d].url", i), "%q is not an http(s) URL", img.URL)
		}
		in.Images[i].URL = u.String()
		if img.VariantSKU != "" && !slices.ContainsFunc(in.Variants, func(v VariantInput) bool { return v.SKU == img.VariantSKU }) {
			return apperr.InvalidField(fmt.Sprintf("images[%d].variant_sku", i), "no variant has SKU %q", img.VariantSKU)
		}
	}
	return nil
}

func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
