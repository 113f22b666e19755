package dashboard_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/identity"
)

// TestSegmentPages walks the Segments section over plain HTTP on both
// backends: the editor's rows and live preview, a bad condition refused
// with its row named, a segment created, listed with its count, edited,
// paged through and deleted, and the customer 360° view naming it.
func TestSegmentPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) { segmentPages(t, newWorld(t, s)) })
}

var segmentID = regexp.MustCompile(`/segments/(seg_[0-9a-z]+)\?saved=1`)

func segmentPages(t *testing.T, w *world) {
	m := signedIn(t, w.URL, auth.ScopeMarketer)
	if r := m.get("/segments"); r.status != http.StatusOK || !strings.Contains(r.body, `id="no-segments"`) {
		t.Fatalf("empty list: %d", r.status)
	}
	page := m.get("/segments/new")
	if !strings.Contains(page.body, `name="c0.field"`) || !strings.Contains(page.body, `id="preview-count" class="figure">1<`) {
		t.Fatalf("new form: want one row and a preview of 1 (Ann is on two channels):\n%s", page.body)
	}
	tok := token(t, page.body)
	post := func(path string, form url.Values) response {
		t.Helper()
		form.Set("csrf_token", tok)
		return m.do("POST", path, form, map[string]string{"HX-Request": "true"})
	}
	messenger := url.Values{"name": {"Messenger people"}, "match": {"all"}, "c0.field": {"channel"}, "c0.op": {"is"}, "c0.value": {"messenger"}}
	if r := post("/segments/preview", clone(messenger)); !strings.Contains(r.body, `id="preview-count" class="figure">1<`) ||
		!strings.Contains(r.body, "Ann Archer") || strings.Contains(r.body, "Bob") {
		t.Errorf("preview: %d\n%s", r.status, r.body)
	}
	if r := post("/segments/preview", url.Values{"c0.field": {"channel"}, "c0.op": {"is"}}); !strings.Contains(r.body, "Condition 1, value: is required") {
		t.Errorf("preview of an incomplete row: %s", r.body)
	}
	r := post("/segments/rows?add=1", clone(messenger))
	if !strings.Contains(r.body, `id="condition-1"`) || !strings.Contains(r.body, `hx-swap-oob="true"`) {
		t.Errorf("add a row: %s", r.body)
	}
	two := clone(messenger)
	two.Set("c1.field", "trait")
	two.Set("c1.op", "is") // not a trait operator: the row falls back to the first
	r = post("/segments/rows", two)
	if !strings.Contains(r.body, `name="c1.key"`) || !strings.Contains(r.body, `<option value="eq" selected>`) {
		t.Errorf("field changed to trait: %s", r.body)
	}
	r = post("/segments/rows?remove=0", two)
	if strings.Contains(r.body, `id="condition-1"`) || !strings.Contains(r.body, `<option value="trait" selected>`) {
		t.Errorf("remove the first row: %s", r.body)
	}

	bad := clone(messenger)
	bad.Set("c0.value", "telex")
	if r := post("/segments", bad); r.status != http.StatusBadRequest || !strings.Contains(r.body, `Condition 1, value: unknown channel &#34;telex&#34;`) {
		t.Errorf("bad channel: %d %s", r.status, r.body)
	}
	r = post("/segments", clone(messenger))
	match := segmentID.FindStringSubmatch(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || match == nil {
		t.Fatalf("create: %d to %q", r.status, r.header.Get("Location"))
	}
	id := match[1]
	seg := m.get("/segments/" + id)
	if !strings.Contains(seg.body, `hx-get="/segments/`+id+`/count"`) || !strings.Contains(seg.body, `hx-get="/segments/`+id+`/members"`) ||
		!strings.Contains(seg.body, "Channel used messenger") {
		t.Errorf("segment page:\n%s", seg.body)
	}
	if rows := m.get("/segments/" + id + "/members"); !strings.Contains(rows.body, "Ann Archer") ||
		strings.Contains(rows.body, `href="/customers/`) || strings.Contains(rows.body, "<html") {
		t.Errorf("members for a marketer (not linked):\n%s", rows.body)
	}
	owner := signedIn(t, w.URL, auth.ScopeAdmin)
	if !strings.Contains(owner.get("/segments/"+id+"/members").body, `href="/customers/`+w.ann+`"`) {
		t.Error("the owner's members do not link Ann's profile")
	}
	if list := m.get("/segments"); !strings.Contains(list.body, `hx-get="/segments/`+id+`/count"`) {
		t.Errorf("list: %s", list.body)
	}
	if c := m.get("/segments/" + id + "/count"); !regexp.MustCompile(`^<span class="count" title="counted just now, at [^"]+ UTC">1</span>$`).MatchString(strings.TrimSpace(c.body)) {
		t.Errorf("count fragment: %q", c.body)
	}
	if ann := owner.get("/customers/" + w.ann); !strings.Contains(ann.body, `<a href="/segments/`+id+`">Messenger people</a>`) {
		t.Error("Ann's 360° view does not name her segment")
	}
	agent := signedIn(t, w.URL, auth.ScopeAgent)
	if ann := agent.get("/customers/" + w.ann); !strings.Contains(ann.body, `<li class="segment">Messenger people</li>`) {
		t.Error("the agent's 360° view does not name Ann's segment (unlinked)")
	}
	if r := agent.get("/segments/" + id); r.status != http.StatusForbidden {
		t.Errorf("agent opening a segment: %d", r.status)
	}

	if edit := m.get("/segments/" + id + "/edit"); !strings.Contains(edit.body, `value="messenger"`) {
		t.Errorf("edit form: %s", edit.body)
	}
	anyOf := clone(messenger)
	anyOf.Set("match", "any")
	anyOf.Set("c1.field", "event")
	anyOf.Set("c1.op", "done")
	anyOf.Set("c1.value", "Home")
	anyOf.Set("c1.days", "7")
	if r := post("/segments/"+id, anyOf); r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if seg := m.get("/segments/" + id); !strings.Contains(seg.body, "Event done “Home” in the last 7 days") {
		t.Errorf("after update: %s", seg.body)
	}
	if c := m.get("/segments/" + id + "/count"); !strings.Contains(c.body, `>2</span>`) {
		t.Errorf("count after update (a new definition is counted anew): %s", c.body)
	}
	pageThroughMembers(t, w, post, m)

	if r := post("/segments/"+id+"/delete", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if r := m.get("/segments/" + id); r.status != http.StatusNotFound {
		t.Errorf("deleted segment: %d", r.status)
	}
}

// pageThroughMembers makes a segment of every customer (28 with the new
// ones) and reads its second page as an htmx fragment.
func pageThroughMembers(t *testing.T, w *world, post func(string, url.Values) response, m *client) {
	t.Helper()
	for i := range 26 {
		w.see(t, "web", w.src.ID, time.Now().Add(-time.Hour), "page", "Home", nil,
			identity.Identifier{Type: identity.Email, Value: fmt.Sprintf("shopper%d@example.com", i)})
	}
	r := post("/segments", url.Values{"name": {"Everyone"}})
	match := segmentID.FindStringSubmatch(r.header.Get("Location"))
	if match == nil {
		t.Fatalf("create everyone: %d %s", r.status, r.body)
	}
	first := m.get("/segments/" + match[1] + "/members")
	more := regexp.MustCompile(`hx-get="(/segments/[^"]+/members\?cursor=[^"]+)"`).FindStringSubmatch(first.body)
	if c := m.get("/segments/" + match[1] + "/count"); !strings.Contains(c.body, `>28</span>`) {
		t.Errorf("count of everyone: %s", c.body)
	}
	if n := strings.Count(first.body, `<tr class="member">`); n != 25 || more == nil {
		t.Fatalf("first page: %d members, more %v", n, more)
	}
	next := m.do("GET", strings.ReplaceAll(more[1], "&amp;", "&"), nil, map[string]string{"HX-Request": "true"})
	if n := strings.Count(next.body, `<tr class="member">`); n != 3 || strings.Contains(next.body, "<html") {
		t.Errorf("second page: %d members\n%s", n, next.body)
	}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
