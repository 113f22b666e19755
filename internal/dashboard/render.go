package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/httpapi"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// assets are the embedded static files, served with a content hash in the
// URL so that browsers may cache them for good.
type assets struct {
	fsys    fs.FS
	version map[string]string // file name → short content hash
}

func loadAssets() (*assets, error) {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{fsys: sub, version: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.version[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// url returns the versioned URL of a static file.
func (a *assets) url(name string) (string, error) {
	v, ok := a.version[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + v, nil
}

// handler serves /static/…: a versioned URL may be cached for a year, an
// unversioned one for an hour.
func (a *assets) handler() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(a.fsys))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if _, ok := a.version[name]; !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == a.version[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// pages holds one template set per page: the layout, the shared partials and
// the page's own file.
type pages struct {
	sets map[string]*template.Template
}

func parsePages(a *assets) (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New(base).Funcs(funcs(a)).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", n, err)
		}
		p.sets[base] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Title  string
	User   *auth.User
	CSRF   string
	Nav    []navItem
	Active string // key of the current section
	Notice string
	Data   any
}

type navItem struct {
	Key, Title, Path string
	Connected        bool
}

// withSession fills the parts of v that come from the signed-in user.
func (h *Handler) withSession(v view, req *request) view {
	if req == nil {
		return v
	}
	u := req.user
	v.User, v.CSRF = &u, req.csrf
	for _, s := range h.sections() {
		if u.Role.Allows(s.roles...) {
			v.Nav = append(v.Nav, navItem{Key: s.key, Title: s.title, Path: s.path, Connected: s.mount != nil})
		}
	}
	return v
}

// render executes the page's layout; with block set, only that named
// template (an htmx fragment).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	h.renderBlock(w, r, status, page, "layout", v)
}

func (h *Handler) renderBlock(w http.ResponseWriter, r *http.Request, status int, page, block string, data any) {
	t, ok := h.pages.sets[page]
	if !ok {
		h.d.Log.ErrorContext(r.Context(), "no dashboard template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		h.d.Log.ErrorContext(r.Context(), "render dashboard page", "page", page, "block", block, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorView struct {
	Status  int
	Heading string
	Message string
}

// fail renders err as an error page. Unexpected errors are logged and shown
// only as "something went wrong".
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, req *request, err error) {
	e, ok := apperr.As(err)
	status := 0
	if ok && e.Code != apperr.Internal {
		status = httpapi.Status(e.Code)
	}
	if status == 0 {
		h.d.Log.ErrorContext(r.Context(), "dashboard request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		status, e = http.StatusInternalServerError, apperr.New(apperr.Internal, "Something went wrong on our side. Try again in a moment.")
	}
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	ev := errorView{Status: status, Heading: http.StatusText(status), Message: msg}
	if status == http.StatusForbidden {
		ev.Heading = "Not allowed"
	}
	h.render(w, r, status, "error", h.withSession(view{Title: ev.Heading, Data: ev}, req))
}

// errInvalid is a bad-input error naming the field at fault.
func errInvalid(field, msg string) error { return apperr.InvalidField(field, "%s", msg) }
