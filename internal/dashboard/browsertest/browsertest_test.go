package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/dashboard/browsertest"
)

const form = `<!doctype html><title>t</title><link rel="icon" href="data:,">
<form method="post" action="/echo"><input id="name" name="name"><select id="pick" name="pick">
<option value="a">a</option><option value="b">b</option></select><button id="go">Go</button></form>
<p id="typed"></p><ul><li>1</li><li>2</li></ul>
<script src="/app.js"></script>`

func server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, form) })
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `document.getElementById("name").addEventListener("input", e => {
			document.getElementById("typed").textContent = "typed " + e.target.value; });`)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><link rel="icon" href="data:,"><h1 id="got">%s/%s</h1>`, r.PostFormValue("name"), r.PostFormValue("pick"))
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestDrivesARealPage(t *testing.T) {
	s := server(t)
	b := browsertest.New(t, s.URL)
	b.Go("/")
	b.Fill("#name", "Ada")
	if got := b.WaitText("#typed", "typed Ada"); got != "typed Ada" {
		t.Fatalf("input events: %q", got)
	}
	if n := b.Count("li"); n != 2 {
		t.Fatalf("Count(li) = %d", n)
	}
	b.Select("#pick", "b")
	b.ClickAndWait("#go")
	if got := b.WaitText("#got", "Ada"); got != "Ada/b" {
		t.Fatalf("posted %q, want Ada/b", got)
	}
	if p := b.Path(); p != "/echo" {
		t.Fatalf("path %q", p)
	}
	if errs := b.PageErrors(); len(errs) != 0 {
		t.Fatalf("page errors: %q", errs)
	}
}

// fatalRecorder stands in for the test to watch a step fail.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Logf(string, ...any) {}

func TestFailedStepSavesAScreenshot(t *testing.T) {
	s := server(t)
	dir := t.TempDir()
	t.Setenv(browsertest.ScreenshotEnv, dir)
	rec := &fatalRecorder{TB: t}
	b := browsertest.New(rec, s.URL)
	old := browsertest.StepTimeout
	browsertest.StepTimeout = time.Second
	defer func() { browsertest.StepTimeout = old }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Go("/")
		b.WaitText("#typed", "never shown")
	}()
	<-done
	if !strings.Contains(rec.msg, `"wait for #typed to show never shown" failed`) {
		t.Fatalf("failure message %q", rec.msg)
	}
	entries, _ := os.ReadDir(dir)
	var png, html bool
	for _, e := range entries {
		png = png || strings.HasSuffix(e.Name(), ".png")
		html = html || strings.HasSuffix(e.Name(), ".html")
	}
	if !png || !html || !strings.Contains(rec.msg, dir) {
		t.Fatalf("saved %v in %s; message %q: want a PNG and the HTML, and the path in the message", entries, dir, rec.msg)
	}
}
