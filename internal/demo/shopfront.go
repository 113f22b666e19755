package demo

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"sync/atomic"
)

//go:embed shopfront/index.html
var shopfrontFS embed.FS

// shopPage serves the storefront page once the shop is seeded, and a short
// "being set up" answer until then.
type shopPage struct{ page atomic.Pointer[[]byte] }

func (s *shopPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := s.page.Load()
	if body == nil {
		http.Error(w, "The demo shop is being set up; reload in a few seconds.", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(*body)
}

// render fills the page with the storefront's keys.
func (s *shopPage) render(publishableKey, writeKey, chatKey string) error {
	t, err := template.ParseFS(shopfrontFS, "shopfront/index.html")
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := t.Execute(&page, map[string]string{"PublishableKey": publishableKey, "WriteKey": writeKey, "ChatKey": chatKey}); err != nil {
		return err
	}
	b := page.Bytes()
	s.page.Store(&b)
	return nil
}

// The storefront page at /shop/ has a product list, product pages, the cart
// with promotions, checkout for pickup and the chat widget, all through the
// public storefront, tracking and chat APIs, so a person can play the
// customer while watching the dashboard.
