package dashboard_test

import (
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/inventory"
)

// poster posts forms with the client's CSRF token.
type poster struct {
	c   *client
	tok string
}

func newPoster(t *testing.T, c *client) poster {
	return poster{c: c, tok: token(t, c.get("/channels").body)}
}

func (p poster) post(path string, form url.Values) response {
	form = maps.Clone(form)
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", p.tok)
	return p.c.do("POST", path, form, nil)
}

// mugForm is the product form of a mug in two sizes.
func mugForm(collection string) url.Values {
	return url.Values{"title": {"Mug"}, "description": {"Stoneware, 33 cl."}, "status": {"active"}, "currency": {"EUR"},
		"channels": {"web", "pos"}, "collections_listed": {"1"}, "collections": {collection}, "options": {"Size"},
		"images": {"https://cdn.example.com/mug.jpg | A mug | MUG-S"},
		"v0.id":  {""}, "v0.sku": {"MUG-S"}, "v0.price": {"12.50"}, "v0.options": {"Small"}, "v0.barcode": {"4006381333931"},
		"v1.id": {""}, "v1.sku": {"MUG-L"}, "v1.price": {"15"}, "v1.compare_at": {"18"}, "v1.options": {"Large"},
		"v1.channel_prices": {"pos 14"}}
}

func with(form url.Values, kv ...string) url.Values {
	out := maps.Clone(form)
	for i := 0; i < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func (w *world) products(t *testing.T, query string) []catalog.Product {
	t.Helper()
	return apptest.DecodeJSON[struct{ Products []catalog.Product }](t,
		w.api(t, http.StatusOK, "GET", "/api/v1/products?query="+url.QueryEscape(query), nil)).Products
}

// TestProductForms creates a product from the dashboard, refuses bad input
// with the field named and nothing written, edits a price that a cart then
// sees, and archives the product after asking.
func TestProductForms(t *testing.T) {
	w := startWorld(t)
	owner := newPoster(t, signedIn(t, w.URL, auth.ScopeAdmin))
	summer := apptest.DecodeJSON[catalog.Collection](t, w.api(t, http.StatusCreated, "POST", "/api/v1/collections", `{"title":"Summer"}`))
	w.api(t, http.StatusCreated, "POST", "/api/v1/products", `{"title":"Lamp","variants":[{"sku":"LAMP","price":8000,"currency":"EUR"}]}`)

	page := owner.c.get("/catalog/new")
	for _, want := range []string{`id="product-form"`, `name="v0.price"`, `value="` + summer.ID + `"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("new product form lacks %s", want)
		}
	}
	rows := owner.c.do("POST", "/catalog/rows?add=1", with(mugForm(summer.ID), "csrf_token", owner.tok), map[string]string{"HX-Request": "true"})
	if strings.Contains(rows.body, "<html") || !strings.Contains(rows.body, `name="v2.price"`) || !strings.Contains(rows.body, `value="MUG-L"`) {
		t.Errorf("adding a variant row: %d\n%s", rows.status, rows.body)
	}
	rows = owner.post("/catalog/rows?remove=0", mugForm(summer.ID)) // without htmx: the whole form
	if !strings.Contains(rows.body, "<html") || strings.Contains(rows.body, `value="MUG-S"`) || !strings.Contains(rows.body, `name="v0.sku" value="MUG-L"`) {
		t.Errorf("removing the first variant row:\n%s", rows.body)
	}

	bad := []struct {
		name, want, field string
		form              url.Values
	}{
		{"empty title", "title: is required", `id="product-title"`, with(mugForm(summer.ID), "title", " ")},
		{"comma in price", `Variant 1, price: &#34;12,50&#34; is not a price`, `name="v0.price"`, with(mugForm(summer.ID), "v0.price", "12,50")},
		{"too many decimals", "Variant 2, price:", `name="v1.price"`, with(mugForm(summer.ID), "v1.price", "15.001")},
		{"negative price", "Variant 1, price:", `name="v0.price"`, with(mugForm(summer.ID), "v0.price", "-1")},
		{"no price", "Variant 1, price:", `name="v0.price"`, with(mugForm(summer.ID), "v0.price", "")},
		{"bad compare-at price", "Variant 2, compare_at_price:", `name="v1.compare_at"`, with(mugForm(summer.ID), "v1.compare_at", "x")},
		{"SKU twice", `Variant 2, sku: &#34;MUG-S&#34; appears twice`, `name="v1.sku"`, with(mugForm(summer.ID), "v1.sku", "MUG-S")},
		{"SKU of another product", `Variant 2, sku: SKU &#34;LAMP&#34; is used by another product`, `name="v1.sku"`, with(mugForm(summer.ID), "v1.sku", "LAMP")},
		{"unknown currency", "currency: give an ISO 4217 code", `id="product-currency"`, with(mugForm(summer.ID), "currency", "EUX")},
		{"bad image", "Image 1, url:", `id="product-images"`, with(mugForm(summer.ID), "images", "ftp://cdn.example.com/mug.jpg")},
		{"bad channel price", "Variant 2, channel_prices:", `name="v1.channel_prices"`, with(mugForm(summer.ID), "v1.channel_prices", "pos")},
		{"unknown channel price", "Variant 2, channel_prices: unknown channel", `name="v1.channel_prices"`, with(mugForm(summer.ID), "v1.channel_prices", "kiosk 3")},
		{"unknown collection", "Collection 1: unknown collection", "", with(mugForm(summer.ID), "collections", "col_nope")},
		{"handle taken", "handle: a product with handle &#34;lamp&#34; already exists", `id="product-handle"`, with(mugForm(summer.ID), "handle", "lamp")},
	}
	for _, tc := range bad {
		r := owner.post("/catalog", tc.form)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d, want 400 naming %q\n%s", tc.name, r.status, tc.want, errorLine(r.body))
			continue
		}
		if tc.field != "" && !regexp.MustCompile(regexp.QuoteMeta(tc.field)+`[^>]*aria-invalid="true"`).MatchString(r.body) {
			t.Errorf("%s: the field %s is not marked", tc.name, tc.field)
		}
		if !strings.Contains(r.body, `value="Small"`) {
			t.Errorf("%s: the form lost what was typed", tc.name)
		}
	}
	if got := w.products(t, "mug"); len(got) != 0 {
		t.Fatalf("refused forms wrote %d products", len(got))
	}

	r := owner.post("/catalog", mugForm(summer.ID))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/catalog/prod_") {
		t.Fatalf("create: %d %q\n%s", r.status, r.header.Get("Location"), errorLine(r.body))
	}
	listed := owner.c.get("/catalog").body
	for _, want := range []string{`data-sku="MUG-S"`, "12.50 EUR", `data-sku="MUG-L"`, "15.00 EUR"} {
		if !strings.Contains(listed, want) {
			t.Errorf("catalog lacks %s", want)
		}
	}
	mugs := w.products(t, "mug")
	if len(mugs) != 1 {
		t.Fatalf("API lists %d mugs", len(mugs))
	}
	mug := mugs[0]
	if mug.Description != "Stoneware, 33 cl." || !slices.Equal(mug.Channels, []string{"pos", "web"}) || !slices.Equal(mug.Collections, []string{summer.ID}) ||
		len(mug.Variants) != 2 || mug.Variants[0].Price != 1250 || mug.Variants[1].CompareAtPrice != 1800 ||
		mug.Variants[1].ChannelPrices["pos"] != 1400 || mug.Variants[0].Barcode != "4006381333931" ||
		len(mug.Images) != 1 || mug.Images[0].Alt != "A mug" || mug.Images[0].VariantID != mug.Variants[0].ID {
		t.Fatalf("created product %+v", mug)
	}

	// A cart holds the small mug; the price is edited on the form as shown.
	w.api(t, http.StatusCreated, "POST", "/api/v1/locations", `{"code":"wh","name":"Warehouse","kind":"warehouse"}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/inventory", `{"sku":"MUG-S","location":"wh","on_hand":5}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/customers/"+w.ann+"/cart/items", `{"sku":"MUG-S","quantity":2,"channel":"web"}`)
	edit := owner.c.get("/catalog/" + mug.ID).body
	form := formValues(t, edit, "product-form")
	for k, want := range map[string]string{"v0.price": "12.50", "v1.channel_prices": "pos 14.00", "v0.id": mug.Variants[0].ID,
		"images": "https://cdn.example.com/mug.jpg | A mug | MUG-S", "collections": summer.ID} {
		if form.Get(k) != want {
			t.Errorf("edit form %s = %q, want %q", k, form.Get(k), want)
		}
	}
	if r := owner.post("/catalog/"+mug.ID, with(form, "v0.price", "9.9")); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, errorLine(r.body))
	}
	c := apptest.DecodeJSON[cart.View](t, w.api(t, http.StatusOK, "GET", "/api/v1/customers/"+w.ann+"/cart?channel=web", nil))
	if len(c.Lines) != 1 || c.Lines[0].UnitPrice != 990 || c.Totals.Subtotal != 1980 {
		t.Errorf("cart after the price change: %+v", c.Lines)
	}
	after := w.products(t, "mug")[0]
	if after.Variants[0].ID != mug.Variants[0].ID || after.Variants[1].ChannelPrices["pos"] != 1400 || len(after.Images) != 1 ||
		!slices.Equal(after.Collections, []string{summer.ID}) {
		t.Errorf("saving the form lost something: %+v", after)
	}

	question := owner.c.get("/catalog/" + mug.ID + "/archive")
	if !strings.Contains(question.body, `id="archive-product"`) || after.Status != catalog.StatusActive {
		t.Fatalf("archive question: %d", question.status)
	}
	if r := owner.post("/catalog/"+mug.ID+"/archive", nil); r.status != http.StatusSeeOther {
		t.Fatalf("archive: %d", r.status)
	}
	if got := w.products(t, "mug")[0].Status; got != catalog.StatusArchived {
		t.Errorf("status after archiving: %s", got)
	}
}

// TestInventoryForms adds and edits a location, sets stock and shows what is
// available once an order holds some.
func TestInventoryForms(t *testing.T) {
	w := startWorld(t)
	owner := newPoster(t, signedIn(t, w.URL, auth.ScopeAdmin))
	paris := url.Values{"code": {"paris"}, "name": {"Paris"}, "kind": {"shop"}, "pickup_enabled": {"1"}, "line1": {"1 rue de Rivoli"},
		"city": {"Paris"}, "postal_code": {"75001"}, "country": {"fr"}, "priority": {"2"}, "hours": {"mon 09:00-19:00\ntue 09:00-12:00"}}
	for _, tc := range []struct {
		name, want string
		form       url.Values
	}{
		{"pickup without address", "address: a pickup location needs line1, city and country", with(paris, "line1", "")},
		{"bad hours", "opening_hours: line 2: write a day and hours", with(paris, "hours", "mon 09:00-19:00\ntuesday")},
		{"closing before opening", "opening_hours[0]: opens", with(paris, "hours", "mon 19:00-09:00")},
		{"bad code", "code: ", with(paris, "code", "Paris Shop")},
	} {
		if r := owner.post("/inventory/locations", tc.form); r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d, want 400 naming %q\n%s", tc.name, r.status, tc.want, errorLine(r.body))
		}
	}
	r := owner.post("/inventory/locations", paris)
	if r.status != http.StatusSeeOther {
		t.Fatalf("create location: %d\n%s", r.status, errorLine(r.body))
	}
	if r := owner.post("/inventory/locations", paris); r.status != http.StatusBadRequest || !strings.Contains(r.body, "already exists") {
		t.Errorf("second location with the same code: %d", r.status)
	}
	form := formValues(t, owner.c.get(r.header.Get("Location")).body, "location-form")
	if form.Get("hours") != "mon 09:00-19:00\ntue 09:00-12:00" || form.Get("country") != "FR" || form.Get("ships") != "" {
		t.Errorf("location form %v", form)
	}
	loc := apptest.DecodeJSON[inventory.Location](t, w.api(t, http.StatusOK, "GET", "/api/v1/locations/paris", nil))
	if r := owner.post("/inventory/locations/"+loc.ID, with(form, "name", "Paris Rivoli", "ships", "1")); r.status != http.StatusSeeOther {
		t.Fatalf("edit location: %d\n%s", r.status, errorLine(r.body))
	}
	loc = apptest.DecodeJSON[inventory.Location](t, w.api(t, http.StatusOK, "GET", "/api/v1/locations/paris", nil))
	if loc.Name != "Paris Rivoli" || !loc.Ships || !loc.PickupEnabled || loc.Priority != 2 || len(loc.OpeningHours) != 2 {
		t.Errorf("edited location %+v", loc)
	}

	w.api(t, http.StatusCreated, "POST", "/api/v1/products", `{"title":"Mug","variants":[{"sku":"MUG","price":1200,"currency":"EUR"}]}`)
	at := owner.c.get("/inventory?location=" + loc.ID).body
	if !strings.Contains(at, `data-sku="MUG"`) || !strings.Contains(at, `name="on_hand" min="0" value="0"`) {
		t.Fatalf("a location's stock does not offer the unstocked mug:\n%s", at)
	}
	stock := formValues(t, at, "") // the one set-stock form
	set := func(n string) response { return owner.post("/inventory/stock", with(stock, "on_hand", n)) }
	for _, bad := range []string{"-1", "x", "20000000"} {
		if r := set(bad); r.status != http.StatusBadRequest || !strings.Contains(r.body, "SKU MUG: on_hand:") {
			t.Errorf("on hand %q: %d\n%s", bad, r.status, errorLine(r.body))
		}
	}
	r = set("7")
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "location="+loc.ID) {
		t.Fatalf("set stock: %d %q\n%s", r.status, r.header.Get("Location"), errorLine(r.body))
	}
	if back := owner.c.get(r.header.Get("Location")).body; !strings.Contains(back,
		`class="level created" id="stock-`+stock.Get("variant_id")+"-"+loc.ID+`"`) {
		t.Error("the level just set is not highlighted")
	}
	row := regexp.MustCompile(`data-sku="MUG">.*<td>Paris Rivoli</td>\s*<td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`)
	if m := row.FindStringSubmatch(owner.c.get("/inventory").body); m == nil || m[1] != "7" || m[3] != "7" {
		t.Errorf("inventory after setting 7: %v", m)
	}
	w.api(t, http.StatusOK, "POST", "/api/v1/customers/"+w.ann+"/cart/items", `{"sku":"MUG","quantity":3,"channel":"web"}`)
	c := apptest.DecodeJSON[cart.View](t, w.api(t, http.StatusOK, "GET", "/api/v1/customers/"+w.ann+"/cart?channel=web", nil))
	w.api(t, http.StatusCreated, "POST", "/api/v1/carts/"+c.ID+"/checkout", `{"channel":"web","fulfillment":"pickup","location":"paris"}`)
	if m := row.FindStringSubmatch(owner.c.get("/inventory?location=" + loc.ID).body); m == nil || m[1] != "7" || m[2] != "3" || m[3] != "4" {
		t.Errorf("on hand, reserved, available after an order of 3: %v, want 7 3 4", m)
	}
	if r := set("2"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "reserved") {
		t.Errorf("on hand below the reserved: %d\n%s", r.status, errorLine(r.body))
	}
}

var errorPara = regexp.MustCompile(`<p class="error"[^>]*>.*</p>`)

// errorLine is the error a page shows, for failure messages.
func errorLine(page string) string { return errorPara.FindString(page) }

var (
	formPattern    = regexp.MustCompile(`(?s)<form[^>]*>.*?</form>`)
	boxPattern     = regexp.MustCompile(`(?s)<(textarea|select)\b([^>]*)>(.*?)</(?:textarea|select)>`)
	inputPattern   = regexp.MustCompile(`<input\b([^>]*)>`)
	attrPattern    = regexp.MustCompile(`(\w[\w-]*)="([^"]*)"`)
	selectedOption = regexp.MustCompile(`<option value="([^"]*)" selected>`)
)

// formValues reads what a browser would send with the form of the given id
// (or the page's first form with inputs other than the CSRF token): text,
// hidden and number inputs, ticked boxes, text areas and selected options.
func formValues(t *testing.T, page, id string) url.Values {
	t.Helper()
	attrs := func(s string) map[string]string {
		out := map[string]string{}
		for _, a := range attrPattern.FindAllStringSubmatch(s, -1) {
			out[a[1]] = html.UnescapeString(a[2])
		}
		return out
	}
	for _, f := range formPattern.FindAllString(page, -1) {
		if id != "" && !strings.Contains(f[:strings.Index(f, ">")], `id="`+id+`"`) {
			continue
		}
		out := url.Values{}
		for _, m := range boxPattern.FindAllStringSubmatch(f, -1) {
			name := attrs(m[2])["name"]
			if m[1] == "textarea" {
				out.Add(name, html.UnescapeString(m[3]))
			} else if sel := selectedOption.FindStringSubmatch(m[3]); sel != nil {
				out.Add(name, html.UnescapeString(sel[1]))
			}
		}
		for _, m := range inputPattern.FindAllStringSubmatch(boxPattern.ReplaceAllString(f, ""), -1) {
			a := attrs(m[1])
			if a["name"] == "" || a["name"] == "csrf_token" || a["type"] == "checkbox" && !strings.Contains(m[1], " checked") {
				continue
			}
			out.Add(a["name"], a["value"])
		}
		if id != "" || len(out) > 0 {
			return out
		}
	}
	t.Fatalf("no form %q in page:\n%s", id, page)
	return nil
}
