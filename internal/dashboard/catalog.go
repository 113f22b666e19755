package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/catalog"
)

// Catalog is what the Catalog and Inventory pages need from the catalog:
// products to list, read and write, and the collections a product may join.
type Catalog interface {
	ListProducts(ctx context.Context, o catalog.ListOptions) ([]catalog.Product, error)
	Product(ctx context.Context, id string) (catalog.Product, error)
	CreateProduct(ctx context.Context, in catalog.ProductInput) (catalog.Product, error)
	UpdateProduct(ctx context.Context, id string, in catalog.ProductInput) (catalog.Product, error)
	ArchiveProduct(ctx context.Context, id string) error
	ListCollections(ctx context.Context) ([]catalog.Collection, error)
}

// productsPage is how many products the Catalog and Inventory pages show.
const productsPage = 50

func (h *Handler) mountCatalog(mux *http.ServeMux, s section) {
	mux.Handle("GET /catalog", h.guard(s.roles, h.catalogPage))
	mux.Handle("GET /catalog/new", h.guard(s.roles, h.newProduct))
	mux.Handle("POST /catalog", h.guard(s.roles, h.saveProduct))
	mux.Handle("POST /catalog/rows", h.guard(s.roles, h.variantRows))
	mux.Handle("GET /catalog/{id}", h.guard(s.roles, h.editProduct))
	mux.Handle("POST /catalog/{id}", h.guard(s.roles, h.saveProduct))
	mux.Handle("GET /catalog/{id}/archive", h.guard(s.roles, h.confirmArchive))
	mux.Handle("POST /catalog/{id}/archive", h.guard(s.roles, h.archiveProduct))
}

type catalogView struct {
	Query    string
	Products []catalog.Product
	Next     string
	Archived string // the product just archived
}

// catalogPage lists products with their variants and prices.
func (h *Handler) catalogPage(w http.ResponseWriter, r *http.Request, req *request) error {
	q := r.URL.Query()
	v := catalogView{Query: strings.TrimSpace(q.Get("q")), Archived: q.Get("archived")}
	if len(v.Query) > 200 {
		return errInvalid("q", "search for at most 200 characters")
	}
	list, err := h.d.Catalog.ListProducts(r.Context(), catalog.ListOptions{Query: v.Query, After: q.Get("after"), Limit: productsPage})
	if err != nil {
		return err
	}
	v.Products = list
	if len(list) == productsPage {
		v.Next = "/catalog?" + url.Values{"q": {v.Query}, "after": {list[len(list)-1].ID}}.Encode()
	}
	h.render(w, r, http.StatusOK, "catalog", h.withSession(view{Title: "Catalog", Active: "catalog", Data: v}, req))
	return nil
}

// productView is the product form with what it offers, or, with Archive
// set, the question whether to archive the product.
type productView struct {
	Form        productForm
	Statuses    []string
	Channels    []string
	Collections []catalog.Collection
	CSRF        string
	Saved       bool
	Archive     bool
}

func (h *Handler) renderProduct(w http.ResponseWriter, r *http.Request, req *request, status int, f productForm) error {
	cols, err := h.d.Catalog.ListCollections(r.Context())
	if err != nil {
		return err
	}
	v := productView{Form: f, Statuses: productStatuses, Channels: auth.Channels, Collections: cols, CSRF: req.csrf,
		Saved: r.URL.Query().Get("saved") != ""}
	title := "New product"
	if f.ID != "" {
		title = "Edit " + f.Title
	}
	h.render(w, r, status, "product", h.withSession(view{Title: title, Active: "catalog", Data: v}, req))
	return nil
}

func (h *Handler) newProduct(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.renderProduct(w, r, req, http.StatusOK, newProductForm())
}

func (h *Handler) editProduct(w http.ResponseWriter, r *http.Request, req *request) error {
	p, err := h.d.Catalog.Product(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderProduct(w, r, req, http.StatusOK, productFormOf(p))
}

// saveProduct creates a product (POST /catalog) or replaces one (POST
// /catalog/{id}); a bad field shows the form again with the field named,
// and nothing is written.
func (h *Handler) saveProduct(w http.ResponseWriter, r *http.Request, req *request) error {
	f := readProductForm(r, r.PathValue("id"))
	in, err := f.input()
	var p catalog.Product
	if err == nil && f.ID == "" {
		p, err = h.d.Catalog.CreateProduct(r.Context(), in)
	} else if err == nil {
		p, err = h.d.Catalog.UpdateProduct(r.Context(), f.ID, in)
	}
	if msg, field, bad := productProblem(err); bad {
		f.Error, f.Field = msg, field
		return h.renderProduct(w, r, req, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/catalog/"+url.PathEscape(p.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}

// variantRows shows the variant rows again with one added (?add=1) or one
// removed (?remove=i): the rows alone for htmx, the whole form otherwise.
func (h *Handler) variantRows(w http.ResponseWriter, r *http.Request, req *request) error {
	f := readProductForm(r, r.PostFormValue("id"))
	q := r.URL.Query()
	if q.Get("add") != "" && len(f.Variants) < catalog.MaxVariants {
		f.Variants = append(f.Variants, variantRow{})
	}
	if i, err := strconv.Atoi(q.Get("remove")); err == nil && i >= 0 && i < len(f.Variants) && len(f.Variants) > 1 {
		f.Variants = slices.Delete(f.Variants, i, i+1)
	}
	f.number()
	if r.Header.Get("HX-Request") == "" {
		return h.renderProduct(w, r, req, http.StatusOK, f)
	}
	h.renderBlock(w, r, http.StatusOK, "product", "variant-rows", f)
	return nil
}

// confirmArchive asks whether to archive the product.
func (h *Handler) confirmArchive(w http.ResponseWriter, r *http.Request, req *request) error {
	p, err := h.d.Catalog.Product(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := productView{Form: productFormOf(p), CSRF: req.csrf, Archive: true}
	h.render(w, r, http.StatusOK, "product", h.withSession(view{Title: "Archive " + p.Title, Active: "catalog", Data: v}, req))
	return nil
}

// archiveProduct takes the product off sale on every channel; orders keep
// their copy of what was bought.
func (h *Handler) archiveProduct(w http.ResponseWriter, r *http.Request, req *request) error {
	id := r.PathValue("id")
	if err := h.d.Catalog.ArchiveProduct(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/catalog?archived="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}
