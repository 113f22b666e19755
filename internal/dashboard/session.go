package dashboard

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/id"
)

// Cookie and form names.
const (
	sessionCookie = "omni_session"
	loginCookie   = "omni_login" // the login form's double-submit token
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
)

// maxForm bounds the body of a dashboard form.
const maxForm = 64 << 10

// request is what a page handler knows about the signed-in user.
type request struct {
	user   auth.User
	csrf   string // the session's CSRF token, for forms and htmx headers
	secret string
}

// pageFunc handles a request from a signed-in user; an error is rendered as
// an error page.
type pageFunc func(w http.ResponseWriter, r *http.Request, req *request) error

var (
	errForbidden = apperr.New(apperr.Forbidden, "your role may not open this page")
	errBadCSRF   = apperr.New(apperr.Forbidden, "the form was stale or came from another site; reload the page and try again")
)

// guard wraps a page: it requires a live session, a role among roles (admin
// always passes; nil means any role) and, on state-changing requests, a
// same-origin request carrying the session's CSRF token.
func (h *Handler) guard(roles []auth.Scope, fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			h.toLogin(w, r)
			return
		}
		sess, err := h.d.Sessions.SessionUser(r.Context(), c.Value)
		if apperr.CodeOf(err) == apperr.Unauthorized {
			h.clearCookie(w, r, sessionCookie)
			h.toLogin(w, r)
			return
		}
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		req := &request{user: sess.User, csrf: csrfToken(c.Value), secret: c.Value}
		if roles != nil && !sess.User.Role.Allows(roles...) {
			h.fail(w, r, req, errForbidden)
			return
		}
		if !safeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if !h.validCSRF(r, req.csrf) {
				h.fail(w, r, req, errBadCSRF)
				return
			}
		}
		if err := fn(w, r, req); err != nil {
			h.fail(w, r, req, err)
		}
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// validCSRF checks the Origin (and Sec-Fetch-Site) of the request and the
// token sent in the htmx header or the form field.
func (h *Handler) validCSRF(r *http.Request, want string) bool {
	if h.cop.Check(r) != nil {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

// csrfToken derives the session's CSRF token from its secret. The token is
// in every page, the secret only in an HttpOnly cookie; the hash does not
// lead back from one to the other.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("omni dashboard csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// toLogin sends the browser to the login page, coming back here afterwards.
func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

type loginView struct {
	Email string
	Next  string
	Token string
	Error string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	setPageHeaders(w)
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if _, err := h.d.Sessions.SessionUser(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	h.renderLogin(w, r, http.StatusOK, loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

// renderLogin shows the login form with a fresh double-submit token, so that
// another site cannot sign a browser into an account of its choosing.
func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	v.Token = id.Secret("lt", 16)
	h.setCookie(w, r, loginCookie, v.Token, time.Hour)
	h.render(w, r, status, "login", view{Title: "Sign in", Data: v})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	setPageHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	v := loginView{Email: strings.TrimSpace(r.PostFormValue("email")), Next: safeNext(r.PostFormValue("next"))}
	if ok, wait := h.limits.allow(clientIP(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.5)))
		v.Error = "Too many sign-in attempts from your address. Wait a minute and try again."
		h.renderLogin(w, r, http.StatusTooManyRequests, v)
		return
	}
	c, err := r.Cookie(loginCookie)
	if h.cop.Check(r) != nil || err != nil || !hmac.Equal([]byte(c.Value), []byte(r.PostFormValue(csrfField))) {
		v.Error = "The sign-in form was stale or came from another site. Try again."
		h.renderLogin(w, r, http.StatusForbidden, v)
		return
	}
	u, err := h.d.Sessions.Login(r.Context(), v.Email, r.PostFormValue("password"))
	if apperr.CodeOf(err) == apperr.Unauthorized {
		v.Error = "Wrong email or password."
		h.renderLogin(w, r, http.StatusUnauthorized, v)
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	secret, _, err := h.d.Sessions.CreateSession(r.Context(), u.ID, h.o.SessionTTL)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.clearCookie(w, r, loginCookie)
	h.setCookie(w, r, sessionCookie, secret, h.o.SessionTTL)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, req *request) error {
	if err := h.d.Sessions.DeleteSession(r.Context(), req.secret); err != nil {
		return err
	}
	h.clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

func (h *Handler) secure(r *http.Request) bool { return r.TLS != nil || h.o.SecureCookies }

// clientIP is the address the request came from. Forwarded headers are not
// trusted: anyone could set them to dodge the login limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// setPageHeaders keeps pages out of caches and frames and limits what they
// may load to this site.
func setPageHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
}
