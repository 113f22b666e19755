package browsertest

import (
	"context"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Go opens a page by its path (e.g. "/customers") and waits for it to load.
func (b *Browser) Go(path string) {
	b.t.Helper()
	b.Do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// Fill replaces the text of the input matching the CSS selector by typing
// it, so that the page sees real key and input events.
func (b *Browser) Fill(sel, text string) {
	b.t.Helper()
	b.Do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), clearInput(sel),
		chromedp.SendKeys(chromedp.CSS(sel), text))
}

// clearInput empties an input without events, so typing starts afresh.
func clearInput(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(el => { el.value = ""; return true; })(document.querySelector(`+quote(sel)+`))`)(ctx, t)
		return chromedp.Void{}, err
	}
}

// Select chooses the option with the given value in a select element and
// fires the input and change events a person's choice fires, so that pages
// listening for them (htmx triggers) react.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.Do("select "+value+" in "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value),
		dispatchChange(sel))
}

// dispatchChange fires input and change on the element, as a choice does.
func dispatchChange(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(el => { for (const ev of ["input", "change"]) el.dispatchEvent(new Event(ev, {bubbles: true})); return true; })(document.querySelector(`+quote(sel)+`))`)(ctx, t)
		return chromedp.Void{}, err
	}
}

// Click clicks the element matching the CSS selector.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.Do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// ClickAndWait clicks a link or submit button and waits for the page it
// leads to to load.
func (b *Browser) ClickAndWait(sel string) {
	b.t.Helper()
	b.Do("find "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	Get(b, "submit with "+sel, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
}

// WaitText waits until the first element matching the CSS selector exists
// and its text contains want, and returns its whole text.
func (b *Browser) WaitText(sel, want string) string {
	b.t.Helper()
	Get(b, "wait for "+sel+" to show "+want, chromedp.PollFunction[chromedp.Void](
		`(sel, want) => { const el = document.querySelector(sel); return !!el && el.textContent.includes(want); }`,
		chromedp.WithPollingArgs(sel, want), chromedp.WithPollingTimeout(StepTimeout)))
	return b.Text(sel)
}

// WaitCount waits until at least n elements match the CSS selector and
// returns how many do.
func (b *Browser) WaitCount(sel string, n int) int {
	b.t.Helper()
	Get(b, "wait for "+sel, chromedp.PollFunction[chromedp.Void](
		`(sel, n) => document.querySelectorAll(sel).length >= n`,
		chromedp.WithPollingArgs(sel, n), chromedp.WithPollingTimeout(StepTimeout)))
	return b.Count(sel)
}

// Wait waits until the JavaScript expression is true on the page.
func (b *Browser) Wait(what, expr string) {
	b.t.Helper()
	Get(b, "wait for "+what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(StepTimeout)))
}

// WaitPath waits until the page shown has the given path and query, as
// after a navigation or an htmx request that pushes its URL.
func (b *Browser) WaitPath(path string) {
	b.t.Helper()
	b.Wait("location "+path, `location.pathname + location.search === `+quote(path))
}

// Text returns the text of the first element matching the CSS selector.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	// One evaluation finds the element and reads it, so an htmx swap between
	// finding and reading cannot leave a stale node behind.
	v := Get(b, "read "+sel, chromedp.Poll[[]string](
		`(() => { const el = document.querySelector(`+quote(sel)+`); return el ? [el.textContent] : null; })()`,
		chromedp.WithPollingTimeout(StepTimeout)))
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Count returns how many elements match the CSS selector now.
func (b *Browser) Count(sel string) int {
	b.t.Helper()
	return Get(b, "count "+sel, chromedp.Evaluate[int](`document.querySelectorAll(`+quote(sel)+`).length`))
}

// Path returns the path and query of the page shown.
func (b *Browser) Path() string {
	b.t.Helper()
	return Get(b, "read location", chromedp.Evaluate[string](`location.pathname + location.search`))
}

func quote(s string) string {
	out := []rune{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(append(out, '"'))
}
