package dashboard_test

import (
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
)

// Sizes of the shop the benchmark adds to its database: as in `omni bench
// dashboard`, 50 products, 1,000 promotions (one in five switched off) and
// 300 orders, every tenth a web order for pickup at the shop (paid when
// placed, one in three of them ready).
const (
	benchProducts   = 50
	benchPromotions = 1000
	benchOrders     = 300
)

// benchShop gives the database at path a shop for the Catalog, Inventory,
// Orders and Promotions pages, once: written over the API of the running
// node s, then remembered by a marker file beside the database.
func benchShop(b *testing.B, s *apptest.Server, path string, customers int) {
	b.Helper()
	if _, err := os.Stat(path + ".shop"); err == nil {
		return
	}
	start := time.Now()
	call := func(want int, method, p string, body any) []byte {
		code, out := s.Do(b, method, p, s.Admin, body)
		if code != want {
			b.Fatalf("%s %s: %d %s (a half-seeded shop? remove %s and run again)", method, p, code, out, path)
		}
		return out
	}
	call(http.StatusCreated, "POST", "/api/v1/locations", `{"code":"shop","name":"Paris shop","kind":"shop","pickup_enabled":true,
		"address":{"line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"}}`)
	for i := range benchProducts {
		sku := fmt.Sprintf("SKU-%03d", i)
		call(http.StatusCreated, "POST", "/api/v1/products", fmt.Sprintf(`{"title":"Product %s","variants":[{"sku":%q,"price":%d,"currency":"EUR"}]}`,
			sku, sku, 500+100*i))
		call(http.StatusOK, "POST", "/api/v1/inventory", fmt.Sprintf(`{"sku":%q,"location":"shop","on_hand":1000000}`, sku))
	}
	for i := range benchPromotions {
		body := fmt.Sprintf(`{"name":"Promotion %d","kind":"percent_off","percent":%d,"combinable":%v,"target":{"type":"order"}`,
			i, 100+i%20*50, i%3 != 0)
		if i%4 == 2 {
			body += fmt.Sprintf(`,"code":"CODE%d"`, i)
		}
		st := apptest.DecodeJSON[struct{ ID string }](b, call(http.StatusCreated, "POST", "/api/v1/promotions", body+"}"))
		if i%5 == 4 {
			call(http.StatusOK, "POST", "/api/v1/promotions/"+st.ID+"/deactivate", nil)
		}
	}
	for i := range benchOrders {
		cid := fmt.Sprintf("cus_b%09d", (i*7919)%customers)
		sku := fmt.Sprintf("SKU-%03d", i%benchProducts)
		if i%10 != 0 {
			call(http.StatusCreated, "POST", "/api/v1/pos/sales", fmt.Sprintf(`{"location":"shop","customer_id":%q,
				"items":[{"sku":%q,"quantity":1}],"payment":{"provider":"manual","method":"card_terminal"}}`, cid, sku))
			continue
		}
		c := apptest.DecodeJSON[struct{ ID string }](b, call(http.StatusOK, "POST", "/api/v1/customers/"+cid+"/cart/items",
			fmt.Sprintf(`{"sku":%q,"quantity":2,"channel":"web"}`, sku)))
		o := apptest.DecodeJSON[struct{ ID string }](b, call(http.StatusCreated, "POST", "/api/v1/carts/"+c.ID+"/checkout",
			`{"channel":"web","fulfillment":"pickup","location":"shop","payment":{"provider":"manual","method":"card_terminal"}}`))
		if i%30 == 0 {
			call(http.StatusOK, "POST", "/api/v1/orders/"+o.ID+"/ready", `{"channel":"pos"}`)
		}
	}
	if err := os.WriteFile(path+".shop", nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("added %d products, %d promotions and %d orders in %s", benchProducts, benchPromotions, benchOrders,
		time.Since(start).Round(time.Second))
}
