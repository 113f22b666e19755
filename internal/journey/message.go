package journey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/template"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/money"
)

// Message is what a journey's templates are executed over.
type Message struct {
	Journey  string              // the journey's name
	Customer marketing.Recipient // who the message is for
	Cart     MessageCart         // the priced cart (abandoned cart)
	Product  MessageProduct      // the product viewed (browse abandonment)
	CartURL  string              // the storefront's cart page, tagged with the journey
	ShopURL  string              // the storefront
}

// MessageCart is the cart priced with the promotions that apply to it;
// amounts are formatted ("12.00 EUR").
type MessageCart struct {
	Lines      []MessageLine
	Promotions []string // names of the promotions applied
	Items      int64    // units
	Subtotal   string
	Discount   string // "" when nothing is taken off
	Total      string
}

// MessageLine is one cart line.
type MessageLine struct {
	Name, SKU, ImageURL string
	Quantity            int64
	UnitPrice, Total    string
}

// MessageProduct is a product the customer looked at.
type MessageProduct struct {
	Name  string `json:"name"`
	SKU   string `json:"sku,omitempty"`
	Price string `json:"price,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Default templates by kind.
var (
	defaultSubjects = map[Kind]string{
		AbandonedCart:     "You left something in your cart",
		BrowseAbandonment: "Still thinking about {{.Product.Name}}?",
	}
	defaultTemplates = map[Kind]string{
		AbandonedCart: `Hi {{with .Customer.FirstName}}{{.}}{{else}}there{{end}},

you left this in your cart:
{{range .Cart.Lines}}
- {{.Quantity}} × {{.Name}}: {{.Total}}{{end}}
{{range .Cart.Promotions}}
{{.}} is applied.{{end}}
Total: {{.Cart.Total}}

Pick up where you left off: {{.CartURL}}`,
		BrowseAbandonment: `Hi {{with .Customer.FirstName}}{{.}}{{else}}there{{end}},

{{.Product.Name}}{{with .Product.Price}} ({{.}}){{end}} is still here for you: {{with .Product.URL}}{{.}}{{else}}{{$.ShopURL}}{{end}}`,
	}
)

// sample is the data templates are tried on when a journey is saved.
var sample = Message{Journey: "Sample", Customer: marketing.Recipient{Name: "Ann Archer", FirstName: "Ann", Email: "ann@example.com"},
	Cart: MessageCart{Lines: []MessageLine{{Name: "Mug (Blue)", SKU: "MUG", Quantity: 2, UnitPrice: "12.00 EUR", Total: "24.00 EUR"}},
		Promotions: []string{"Autumn sale"}, Items: 2, Subtotal: "24.00 EUR", Discount: "2.40 EUR", Total: "21.60 EUR"},
	Product: MessageProduct{Name: "Mug", SKU: "MUG", Price: "12.00 EUR", URL: "https://shop.example.com/products/mug"},
	CartURL: "https://shop.example.com/cart", ShopURL: "https://shop.example.com"}

// checkTemplates fills the kind's default templates and checks that both
// parse and run on sample data.
func checkTemplates(in Input) (Input, error) {
	if strings.TrimSpace(in.Template) == "" {
		in.Template = defaultTemplates[in.Kind]
	}
	if strings.TrimSpace(in.Subject) == "" {
		in.Subject = defaultSubjects[in.Kind]
	}
	if len(in.Template) > maxTemplate {
		return in, apperr.InvalidField("template", "at most %d characters", maxTemplate)
	}
	if len(in.Subject) > maxSubject {
		return in, apperr.InvalidField("subject", "at most %d characters", maxSubject)
	}
	for _, f := range []struct{ field, text string }{{"template", in.Template}, {"subject", in.Subject}} {
		if _, err := render(f.field, f.text, sample); err != nil {
			return in, apperr.InvalidField(f.field, "%s", strings.TrimPrefix(err.Error(), "template: "))
		}
	}
	return in, nil
}

// render executes a template; the result is bounded by the inbox's limit.
func render(name, text string, data Message) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	b := &limitedBuffer{max: inbox.MaxBody}
	if err := t.Execute(b, data); err != nil {
		if errors.Is(err, errTooLong) {
			return "", errTooLong
		}
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

var errTooLong = fmt.Errorf("the message is longer than %d bytes", inbox.MaxBody)

// limitedBuffer stops a template's output at max bytes.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTooLong
	}
	return b.Buffer.Write(p)
}

// message builds a template's data from a profile, a priced cart and the
// enrolment's detail.
func (s *Service) message(j Journey, p customer.Profile, v cart.View, detail string) Message {
	m := Message{Journey: j.Name, Customer: marketing.RecipientOf(p), ShopURL: strings.TrimRight(s.opts.StorefrontURL, "/")}
	m.CartURL = s.cartURL(j)
	cur := money.Currency(v.Currency)
	for _, l := range v.Lines {
		if l.Problem != "" {
			continue
		}
		name := l.ProductTitle
		if l.VariantTitle != "" && l.VariantTitle != "Default" {
			name += " (" + l.VariantTitle + ")"
		}
		m.Cart.Lines = append(m.Cart.Lines, MessageLine{Name: name, SKU: l.SKU, ImageURL: l.ImageURL, Quantity: l.Quantity,
			UnitPrice: money.New(l.UnitPrice, cur).String(), Total: money.New(l.Total, cur).String()})
	}
	for _, a := range v.Applied {
		m.Cart.Promotions = append(m.Cart.Promotions, a.Name)
	}
	m.Cart.Items = v.Totals.Items
	m.Cart.Subtotal, m.Cart.Total = money.New(v.Totals.Subtotal, cur).String(), money.New(v.Totals.Total, cur).String()
	if v.Totals.Discount > 0 {
		m.Cart.Discount = money.New(v.Totals.Discount, cur).String()
	}
	_ = json.Unmarshal([]byte(detail), &m.Product)
	return m
}

// cartURL links to the storefront's cart page, tagged so that the visit is
// attributed to the journey.
func (s *Service) cartURL(j Journey) string {
	base := strings.TrimRight(s.opts.StorefrontURL, "/")
	if base == "" {
		return ""
	}
	q := url.Values{"utm_source": {"omni"}, "utm_medium": {"journey"}, "utm_campaign": {j.ID}}
	return base + "/cart?" + q.Encode()
}
