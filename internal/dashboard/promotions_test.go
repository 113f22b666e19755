package dashboard_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
)

// TestPromotionEditing edits a promotion a cart holds, switches it off and
// on, and edits one of a kind the form does not offer without losing it.
func TestPromotionEditing(t *testing.T) {
	w := startWorld(t)
	marketer := newPoster(t, signedIn(t, w.URL, auth.ScopeMarketer))
	w.api(t, http.StatusCreated, "POST", "/api/v1/products", `{"title":"Lamp","variants":[{"sku":"LAMP","price":3000,"currency":"EUR"}]}`)
	w.api(t, http.StatusCreated, "POST", "/api/v1/locations", `{"code":"wh","name":"Warehouse","kind":"warehouse"}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/inventory", `{"sku":"LAMP","location":"wh","on_hand":5}`)
	created := marketer.post("/promotions", url.Values{"name": {"Ten off"}, "kind": {"amount_off"}, "value": {"10"}, "currency": {"EUR"},
		"code": {"ten"}, "ends": {"2099-12-31"}})
	id := strings.TrimPrefix(strings.Split(created.header.Get("Location"), "#")[0], "/promotions?created=")
	if created.status != http.StatusSeeOther || !strings.HasPrefix(id, "promo_") {
		t.Fatalf("create: %d %q\n%s", created.status, created.header.Get("Location"), errorLine(created.body))
	}
	w.api(t, http.StatusCreated, "POST", "/api/v1/promotions", `{"name":"Other","code":"other","kind":"percent_off","percent":100}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/customers/"+w.ann+"/cart/items", `{"sku":"LAMP","quantity":1,"channel":"web"}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/customers/"+w.ann+"/cart/codes", `{"code":"TEN","channel":"web"}`)
	discount := func() int64 {
		t.Helper()
		return apptest.DecodeJSON[cart.View](t, w.api(t, http.StatusOK, "GET", "/api/v1/customers/"+w.ann+"/cart?channel=web", nil)).Totals.Discount
	}
	if d := discount(); d != 1000 {
		t.Fatalf("discount with TEN: %d, want 1000", d)
	}

	page := marketer.c.get("/promotions/" + id)
	form := formValues(t, page.body, "promotion-form")
	for k, want := range map[string]string{"name": "Ten off", "kind": "amount_off", "value": "10.00", "code": "TEN", "ends": "2099-12-31", "starts": ""} {
		if form.Get(k) != want {
			t.Errorf("edit form %s = %q, want %q", k, form.Get(k), want)
		}
	}
	steps := []struct {
		name     string
		path     string
		form     url.Values
		status   int
		want     string // on the page after, or the error
		discount int64
	}{
		{"edit the value", "/promotions/" + id, with(form, "value", "4.5", "name", "Four fifty off", "usage_limit", "100"), http.StatusSeeOther, "Promotion saved.", 450},
		{"percent over 100", "/promotions/" + id, with(form, "kind", "percent_off", "value", "150"), http.StatusBadRequest, "value: give a percentage", 450},
		{"code taken", "/promotions/" + id, with(form, "code", "other"), http.StatusBadRequest, "code &#34;OTHER&#34; is used by another promotion", 450},
		{"code changed", "/promotions/" + id, with(form, "code", "spring"), http.StatusSeeOther, "Promotion saved.", 0},
		{"code back", "/promotions/" + id, with(form, "value", "5"), http.StatusSeeOther, "Promotion saved.", 500},
		{"minimum not met", "/promotions/" + id, with(form, "value", "5", "min_subtotal", "50"), http.StatusSeeOther, "Promotion saved.", 0},
		{"minimum met", "/promotions/" + id, with(form, "value", "5", "min_subtotal", "30"), http.StatusSeeOther, "Promotion saved.", 500},
		{"deactivate", "/promotions/" + id + "/deactivate", url.Values{"back": {"/promotions?state=inactive"}}, http.StatusSeeOther,
			`id="` + id + `" class="promotion created" data-kind="amount_off" data-active="false"`, 0},
		{"activate", "/promotions/" + id + "/activate", url.Values{"back": {"/promotions/" + id}}, http.StatusSeeOther, "Promotion switched on.", 500},
	}
	for _, st := range steps {
		r := marketer.post(st.path, st.form)
		if r.status != st.status {
			t.Fatalf("%s: %d, want %d\n%s", st.name, r.status, st.status, errorLine(r.body))
		}
		body := r.body
		if r.status == http.StatusSeeOther {
			body = marketer.c.get(r.header.Get("Location")).body
		}
		if !strings.Contains(body, st.want) {
			t.Errorf("%s: the page does not say %q", st.name, st.want)
		}
		if d := discount(); d != st.discount {
			t.Errorf("%s: cart discount %d, want %d", st.name, d, st.discount)
		}
	}
	got := apptest.DecodeJSON[promotion.Stored](t, w.api(t, http.StatusOK, "GET", "/api/v1/promotions/"+id, nil))
	if got.Name != "Ten off" || got.Code != "TEN" || got.Conditions.UsageLimit != 0 || !got.Active ||
		!got.Conditions.EndsAt.Equal(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after the edits: %+v", got)
	}

	// A promotion of a kind the form does not offer keeps its kind, values,
	// target and exact start when only its name is edited.
	starts := time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)
	bxgy := apptest.DecodeJSON[promotion.Stored](t, w.api(t, http.StatusCreated, "POST", "/api/v1/promotions", promo.Promotion{
		Name: "Two for one", Kind: promo.KindBuyXGetY, BuyXGetY: promo.BuyXGetY{Buy: 1, Get: 1, Percent: 10000},
		Target: promo.Target{Type: promo.TargetProducts, ProductIDs: []string{"prod_x"}}, Conditions: promo.Conditions{StartsAt: starts}}))
	edit := marketer.c.get("/promotions/" + bxgy.ID).body
	if strings.Contains(edit, `id="promo-kind"`) || !strings.Contains(edit, "buy x get y") || !strings.Contains(edit, "1 product(s): prod_x") {
		t.Errorf("the edit form of a buy-x-get-y promotion offers to change its kind")
	}
	if r := marketer.post("/promotions/"+bxgy.ID, with(formValues(t, edit, "promotion-form"), "name", "Buy one, get one")); r.status != http.StatusSeeOther {
		t.Fatalf("edit buy-x-get-y: %d\n%s", r.status, errorLine(r.body))
	}
	after := apptest.DecodeJSON[promotion.Stored](t, w.api(t, http.StatusOK, "GET", "/api/v1/promotions/"+bxgy.ID, nil))
	if after.Name != "Buy one, get one" || after.Kind != promo.KindBuyXGetY || after.BuyXGetY != bxgy.BuyXGetY ||
		len(after.Target.ProductIDs) != 1 || !after.Conditions.StartsAt.Equal(starts) {
		t.Errorf("edited buy-x-get-y promotion %+v", after)
	}
}

// TestPromotionPages pages through many promotions newest first, searches
// them by name and code and filters them on whether they are on.
func TestPromotionPages(t *testing.T) {
	w := startWorld(t)
	svc := promotion.NewService(w.App.DB(), promotion.Options{})
	ctx := context.Background()
	var newest string
	for i := range 120 {
		time.Sleep(time.Millisecond) // creation times a millisecond apart: newest first is the reverse order
		p := promo.Promotion{Name: fmt.Sprintf("Promo %03d", i), Kind: promo.KindPercentOff, Percent: 500}
		if i%10 == 0 {
			p.Code = fmt.Sprintf("CODE%03d", i)
		}
		st, err := svc.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := svc.SetActive(ctx, st.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		newest = st.Name
	}
	c := signedIn(t, w.URL, auth.ScopeMarketer)
	row := regexp.MustCompile(`class="edit-promotion">([^<]+)</a>`)
	next := regexp.MustCompile(`href="(/promotions\?[^"]+)" class="more"`)
	tests := []struct {
		name  string
		path  string
		pages []int // rows per page
		first string
	}{
		{"all", "/promotions", []int{50, 50, 20}, newest},
		{"by name", "/promotions?q=promo+11", []int{10}, "Promo 119"},
		{"by code", "/promotions?q=code05", []int{1}, "Promo 050"},
		{"off", "/promotions?state=inactive", []int{40}, "Promo 117"},
		{"on, by name", "/promotions?state=active&q=promo+0", []int{50, 16}, "Promo 098"},
	}
	for _, tc := range tests {
		seen := map[string]bool{}
		path := tc.path
		for i, want := range tc.pages {
			page := c.get(path).body
			rows := row.FindAllStringSubmatch(page, -1)
			if len(rows) != want {
				t.Fatalf("%s, page %d: %d rows, want %d", tc.name, i+1, len(rows), want)
			}
			if i == 0 && rows[0][1] != tc.first {
				t.Errorf("%s: first %s, want %s", tc.name, rows[0][1], tc.first)
			}
			if back := strings.Contains(page, `id="first-promotions"`); back != (i > 0) {
				t.Errorf("%s, page %d: a link to the first page: %v", tc.name, i+1, back)
			}
			for _, r := range rows {
				if seen[r[1]] {
					t.Errorf("%s: %s on two pages", tc.name, r[1])
				}
				seen[r[1]] = true
			}
			m := next.FindStringSubmatch(page)
			if (m != nil) != (i < len(tc.pages)-1) {
				t.Fatalf("%s, page %d: next link %v", tc.name, i+1, m)
			}
			if m != nil {
				path = html.UnescapeString(m[1])
			}
		}
	}
	if r := c.get("/promotions?state=maybe"); r.status != http.StatusBadRequest {
		t.Errorf("unknown state: %d", r.status)
	}
	if r := c.get("/promotions?after=nonsense"); r.status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", r.status)
	}
}

// TestEditingNeedsRoleAndCSRF posts to every editing route as a role that
// may not, and without a token: refused, nothing changed.
func TestEditingNeedsRoleAndCSRF(t *testing.T) {
	w := startWorld(t)
	p := apptest.DecodeJSON[struct{ ID string }](t, w.api(t, http.StatusCreated, "POST", "/api/v1/products",
		`{"title":"Mug","variants":[{"sku":"MUG","price":1200,"currency":"EUR"}]}`))
	l := apptest.DecodeJSON[struct{ ID string }](t, w.api(t, http.StatusCreated, "POST", "/api/v1/locations", `{"code":"wh","name":"Warehouse","kind":"warehouse"}`))
	promoID := apptest.DecodeJSON[struct{ ID string }](t, w.api(t, http.StatusCreated, "POST", "/api/v1/promotions",
		`{"name":"Ten","kind":"percent_off","percent":1000}`)).ID
	agent := newPoster(t, signedIn(t, w.URL, auth.ScopeAgent))
	marketer := newPoster(t, signedIn(t, w.URL, auth.ScopeMarketer))
	owner := newPoster(t, signedIn(t, w.URL, auth.ScopeAdmin))
	routes := []struct {
		path    string
		form    url.Values
		refused []poster
		allowed poster
	}{
		{"/catalog", mugForm(""), []poster{agent, marketer}, owner},
		{"/catalog/rows?add=1", mugForm(""), []poster{agent, marketer}, owner},
		{"/catalog/" + p.ID, with(mugForm(""), "title", "Sneaky"), []poster{agent, marketer}, owner},
		{"/catalog/" + p.ID + "/archive", nil, []poster{agent, marketer}, owner},
		{"/inventory/stock", url.Values{"variant_id": {"x"}, "location_id": {l.ID}, "on_hand": {"9"}}, []poster{agent, marketer}, owner},
		{"/inventory/locations", url.Values{"code": {"sneaky"}, "name": {"Sneaky"}, "kind": {"warehouse"}}, []poster{agent, marketer}, owner},
		{"/inventory/locations/" + l.ID, url.Values{"code": {"wh"}, "name": {"Sneaky"}, "kind": {"warehouse"}}, []poster{agent, marketer}, owner},
		{"/promotions/" + promoID, url.Values{"name": {"Sneaky"}, "kind": {"percent_off"}, "value": {"50"}}, []poster{agent}, marketer},
		{"/promotions/" + promoID + "/deactivate", nil, []poster{agent}, marketer},
		{"/promotions/" + promoID + "/activate", nil, []poster{agent}, marketer},
	}
	for _, rt := range routes {
		for _, c := range rt.refused {
			if r := c.post(rt.path, rt.form); r.status != http.StatusForbidden || !strings.Contains(r.body, "Not allowed") {
				t.Errorf("POST %s by a refused role: %d, want the 403 page", rt.path, r.status)
			}
		}
		if r := rt.allowed.c.do("POST", rt.path, rt.form, nil); r.status != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d, want 403", rt.path, r.status)
		}
	}
	for _, path := range []string{"/catalog/new", "/catalog/" + p.ID, "/inventory/locations/" + l.ID, "/promotions/" + promoID} {
		if r := agent.c.get(path); r.status != http.StatusForbidden {
			t.Errorf("agent GET %s: %d", path, r.status)
		}
	}
	if got := w.products(t, ""); len(got) != 1 || got[0].Title != "Mug" || got[0].Status != "active" {
		t.Errorf("refused posts changed the catalog: %+v", got)
	}
	if body := string(w.api(t, http.StatusOK, "GET", "/api/v1/locations", nil)); strings.Contains(body, "Sneaky") {
		t.Errorf("refused posts changed the locations: %s", body)
	}
	if levels := apptest.DecodeJSON[[]any](t, w.api(t, http.StatusOK, "GET", "/api/v1/inventory", nil)); len(levels) != 0 {
		t.Errorf("refused posts set stock: %v", levels)
	}
	st := apptest.DecodeJSON[promotion.Stored](t, w.api(t, http.StatusOK, "GET", "/api/v1/promotions/"+promoID, nil))
	if st.Name != "Ten" || !st.Active {
		t.Errorf("refused posts changed the promotion: %+v", st)
	}
}
