package cart

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
)

// AppendJSON appends v encoded as JSON: the same bytes encoding/json writes
// with HTML escaping off, without reflection. A priced cart carries every
// line's adjustments and every applied promotion, tens of kilobytes with
// many stacked promotions, and every cart change answers with it.
func (v View) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	if v.ID != "" {
		b = appendKey(b, "id", true)
		b = appendString(b, v.ID)
	}
	b = appendKey(b, "customer_id", v.ID == "")
	b = appendString(b, v.CustomerID)
	b = appendKey(b, "channel", false)
	b = appendString(b, v.Channel)
	if v.Currency != "" {
		b = appendKey(b, "currency", false)
		b = appendString(b, v.Currency)
	}
	b = appendKey(b, "lines", false)
	b = appendList(b, v.Lines, appendLine)
	b = appendKey(b, "codes", false)
	b = appendList(b, v.Codes, appendString)
	b = appendKey(b, "applied_promotions", false)
	b = appendList(b, v.Applied, appendApplied)
	b = appendKey(b, "rejected_codes", false)
	b = appendList(b, v.Rejected, appendRejection)
	if len(v.OrderDiscounts) > 0 {
		b = appendKey(b, "order_discounts", false)
		b = appendList(b, v.OrderDiscounts, appendAdjustment)
	}
	if len(v.ShipDiscounts) > 0 {
		b = appendKey(b, "shipping_discounts", false)
		b = appendList(b, v.ShipDiscounts, appendAdjustment)
	}
	b = appendKey(b, "totals", false)
	b = appendTotals(b, v.Totals)
	if v.UpdatedChannel != "" {
		b = appendKey(b, "updated_channel", false)
		b = appendString(b, v.UpdatedChannel)
	}
	if v.UpdatedAt != nil {
		b = appendKey(b, "updated_at", false)
		b = appendTime(b, *v.UpdatedAt)
	}
	b = appendKey(b, "version", false)
	b = strconv.AppendInt(b, v.Version, 10)
	return append(b, '}')
}

func appendLine(b []byte, l LineView) []byte {
	b = append(b, '{')
	b = appendKey(b, "variant_id", true)
	b = appendString(b, l.VariantID)
	b = appendKey(b, "product_id", false)
	b = appendString(b, l.ProductID)
	b = appendKey(b, "sku", false)
	b = appendString(b, l.SKU)
	b = appendKey(b, "product_title", false)
	b = appendString(b, l.ProductTitle)
	b = appendKey(b, "variant_title", false)
	b = appendString(b, l.VariantTitle)
	if l.ImageURL != "" {
		b = appendKey(b, "image_url", false)
		b = appendString(b, l.ImageURL)
	}
	b = appendInts(b, false, []string{"quantity", "unit_price", "subtotal", "discount", "total"},
		l.Quantity, l.UnitPrice, l.Subtotal, l.Discount, l.Total)
	if len(l.Adjustments) > 0 {
		b = appendKey(b, "adjustments", false)
		b = appendList(b, l.Adjustments, appendAdjustment)
	}
	if l.Problem != "" {
		b = appendKey(b, "problem", false)
		b = appendString(b, l.Problem)
	}
	b = appendKey(b, "added_channel", false)
	b = appendString(b, l.AddedChannel)
	b = appendKey(b, "updated_channel", false)
	b = appendString(b, l.UpdatedChannel)
	return append(b, '}')
}

func appendTotals(b []byte, t Totals) []byte {
	b = append(b, '{')
	b = appendInts(b, true, []string{"items", "subtotal", "item_discount", "shipping", "shipping_discount", "discount", "total"},
		t.Items, t.Subtotal, t.ItemDiscount, t.Shipping, t.ShippingDiscount, t.Discount, t.Total)
	return append(b, '}')
}

func appendAdjustment(b []byte, a promo.Adjustment) []byte {
	b = append(b, '{')
	b = appendKey(b, "promotion_id", true)
	b = appendString(b, a.PromotionID)
	if a.Code != "" {
		b = appendKey(b, "code", false)
		b = appendString(b, a.Code)
	}
	b = appendKey(b, "amount", false)
	b = appendAmount(b, a.Amount)
	b = appendKey(b, "reason", false)
	b = appendString(b, a.Reason)
	return append(b, '}')
}

func appendApplied(b []byte, a promo.Applied) []byte {
	b = append(b, '{')
	b = appendKey(b, "promotion_id", true)
	b = appendString(b, a.PromotionID)
	b = appendKey(b, "name", false)
	b = appendString(b, a.Name)
	if a.Code != "" {
		b = appendKey(b, "code", false)
		b = appendString(b, a.Code)
	}
	b = appendKey(b, "kind", false)
	b = appendString(b, a.Kind)
	b = appendKey(b, "amount", false)
	b = appendAmount(b, a.Amount)
	return append(b, '}')
}

func appendRejection(b []byte, r promo.Rejection) []byte {
	b = append(b, '{')
	b = appendKey(b, "code", true)
	b = appendString(b, r.Code)
	if r.FromWallet {
		b = appendKey(b, "from_wallet", false)
		b = append(b, "true"...)
	}
	if r.PromotionID != "" {
		b = appendKey(b, "promotion_id", false)
		b = appendString(b, r.PromotionID)
	}
	b = appendKey(b, "reason", false)
	b = appendString(b, r.Reason)
	b = appendKey(b, "message", false)
	b = appendString(b, r.Message)
	if r.Missing != (money.Amount{}) {
		b = appendKey(b, "missing", false)
		b = appendAmount(b, r.Missing)
	}
	return append(b, '}')
}

func appendAmount(b []byte, a money.Amount) []byte {
	b = append(b, `{"minor":`...)
	b = strconv.AppendInt(b, a.Minor, 10)
	b = append(b, `,"currency":`...)
	b = appendString(b, a.Currency)
	return append(b, '}')
}

// appendKey appends a member name, after a comma unless it is the first.
func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendInts appends members with integer values; first opens the object.
func appendInts(b []byte, first bool, keys []string, values ...int64) []byte {
	for i, k := range keys {
		b = appendKey(b, k, first && i == 0)
		b = strconv.AppendInt(b, values[i], 10)
	}
	return b
}

// appendList appends a JSON array of items, or null for a nil slice.
func appendList[T any](b []byte, items []T, each func([]byte, T) []byte) []byte {
	if items == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, it)
	}
	return append(b, ']')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s quoted as encoding/json does with HTML escaping
// off: control characters escaped, invalid UTF-8 replaced by U+FFFD, and
// U+2028 and U+2029 escaped for JavaScript.
func appendString[S ~string](b []byte, str S) []byte {
	s := string(str)
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
