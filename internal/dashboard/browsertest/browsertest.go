// Package browsertest drives a real headless Chromium (the Debian package
// `chromium`) from Go tests through the DevTools protocol, for end-to-end
// tests of the dashboard. Each Browser is a fresh browser with its own
// profile directory; a step that fails saves a screenshot and the page's
// HTML to a temporary directory and logs where.
//
// Tests skip, saying why, when no Chromium is installed; CI installs it.
//
//	b := browsertest.New(t, server.URL)
//	b.Go("/login")
//	b.Fill("#email", "owner@example.com")
//	b.Click("#sign-in")
//	b.WaitText("h1", "Overview")
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// BinaryEnv names the environment variable that may point at a Chromium.
const BinaryEnv = "OMNI_CHROMIUM"

// ScreenshotEnv names the environment variable that may name the directory
// for failure screenshots; by default a new temporary directory is made.
const ScreenshotEnv = "OMNI_SCREENSHOTS"

// StepTimeout bounds each step (navigation, wait, click).
var StepTimeout = 15 * time.Second

// Binary returns the path of a Chromium: $OMNI_CHROMIUM, or the first of
// chromium, chromium-browser, google-chrome and headless_shell on PATH. It
// returns "" when there is none.
func Binary() string {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium tab for one test.
type Browser struct {
	t    testing.TB
	ctx  context.Context
	base string

	mu     sync.Mutex
	errors []string // uncaught exceptions and console errors of the pages
	shots  string
	n      int
}

// New starts a fresh headless Chromium for the test, with pages relative to
// base (e.g. http://127.0.0.1:41234). It skips the test when no Chromium is
// installed. The browser stops when the test ends.
func New(t testing.TB, base string) *Browser {
	t.Helper()
	bin := Binary()
	if bin == "" {
		t.Skip("no Chromium found (install the Debian package chromium, or set " + BinaryEnv + "); skipping browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{t: t, ctx: ctx, base: strings.TrimSuffix(base, "/")}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first call starts the browser, which lives as long as the context
	// of that call: so it gets the browser's own context, not a timeout.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start chromium %s: %v", bin, err)
	}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatalf("listen to chromium: %v", err)
	}
	return b
}

// record keeps the pages' errors; it runs on the browser's read loop and
// must return at once.
func (b *Browser) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry == nil || ev.Entry.Level != cdplog.EntryLevelError {
			return
		}
		msg = fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
	default:
		return
	}
	b.mu.Lock()
	b.errors = append(b.errors, msg)
	b.mu.Unlock()
}

// PageErrors returns the uncaught exceptions and console errors (failed
// loads, Content-Security-Policy violations) seen so far.
func (b *Browser) PageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// Do runs actions as one step named what; if they fail, it saves a
// screenshot and the page's HTML and fails the test.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

// Get runs one action that returns a value, as one step named what.
func Get[T any](b *Browser, what string, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

func (b *Browser) fail(what string, err error) {
	b.t.Helper()
	where := b.Screenshot(what)
	b.t.Fatalf("browser step %q failed: %v\nscreenshot and HTML: %s\npage errors: %q", what, err, where, b.PageErrors())
}

// Screenshot saves the whole page as PNG and its HTML next to it, and
// returns the path of the PNG (without extension when saving failed).
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	b.mu.Lock()
	if b.shots == "" {
		dir := os.Getenv(ScreenshotEnv)
		if dir == "" {
			dir, _ = os.MkdirTemp("", "omni-browser-")
		}
		b.shots = dir
	}
	b.n++
	base := filepath.Join(b.shots, fmt.Sprintf("%s-%02d-%s", sanitize(b.t.Name()), b.n, sanitize(name)))
	b.mu.Unlock()
	// The failed step's context may be spent; take the picture with a new one.
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(base+".png", png, 0o644)
	} else {
		b.t.Logf("screenshot %s: %v", name, err)
		return base
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		_ = os.WriteFile(base+".html", []byte(html), 0o644)
	}
	b.t.Logf("screenshot saved: %s.png", base)
	return base + ".png"
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
