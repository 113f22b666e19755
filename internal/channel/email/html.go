package email

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxHTMLDepth bounds how deep htmlToText descends into nested elements.
const maxHTMLDepth = 256

// htmlToText converts an HTML body to readable plain text: blocks and <br>
// become line breaks, list items get a "- " or "1. " marker, links keep their
// target, <blockquote> content is quoted with "> " (so quoted replies can be
// trimmed like plain-text ones), and scripts, styles and head are dropped.
func htmlToText(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		// The parser refuses documents nested deeper than 512 elements.
		return flatHTMLToText(src)
	}
	var t textBuilder
	t.node(doc, 0)
	return strings.TrimSpace(t.out.String())
}

// flatHTMLToText is the fallback for HTML the parser refuses: it keeps the
// text of every element except scripts and styles, breaking lines at blocks.
func flatHTMLToText(src string) string {
	var t textBuilder
	z := html.NewTokenizer(strings.NewReader(src))
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(t.out.String())
		case html.TextToken:
			if skip == 0 {
				t.text(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Script || a == atom.Style:
				if tt == html.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			case a == atom.Br:
				t.pending++
			default:
				t.breakLines(blockBreaks(a))
			}
		}
	}
}

// textBuilder writes text while keeping track of pending line breaks,
// collapsed white space and the current blockquote depth.
type textBuilder struct {
	out       strings.Builder
	pending   int  // line breaks to write before the next text
	space     bool // a space is due before the next word
	lineStart bool
	wrote     bool
	quote     int
	pre       int
	lists     []int // item counters of enclosing lists; -1 for <ul>
}

func (t *textBuilder) node(n *html.Node, depth int) {
	if depth > maxHTMLDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		t.text(n.Data)
		return
	case html.ElementNode:
		t.element(n, depth)
		return
	}
	t.children(n, depth)
}

func (t *textBuilder) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t.node(c, depth+1)
	}
}

func (t *textBuilder) element(n *html.Node, depth int) {
	switch n.DataAtom {
	case atom.Head, atom.Script, atom.Style, atom.Title, atom.Template, atom.Noscript, atom.Img:
		return
	case atom.Br:
		t.pending++
		t.space = false
		return
	case atom.Blockquote:
		t.breakLines(1)
		t.quote++
		t.children(n, depth)
		t.breakLines(1)
		t.quote--
		return
	case atom.Pre:
		t.breakLines(1)
		t.pre++
		t.children(n, depth)
		t.pre--
		t.breakLines(1)
		return
	case atom.Ul, atom.Ol:
		start := -1
		if n.DataAtom == atom.Ol {
			start = 0
		}
		t.breakLines(1)
		t.lists = append(t.lists, start)
		t.children(n, depth)
		t.lists = t.lists[:len(t.lists)-1]
		t.breakLines(1)
		return
	case atom.Li:
		t.breakLines(1)
		t.word(t.listMarker())
		t.space = true
		t.children(n, depth)
		t.breakLines(1)
		return
	case atom.Td, atom.Th:
		t.space = true
		t.children(n, depth)
		t.space = true
		return
	case atom.A:
		t.children(n, depth)
		t.link(n)
		return
	}
	lines := blockBreaks(n.DataAtom)
	t.breakLines(lines)
	t.children(n, depth)
	t.breakLines(lines)
}

// blockBreaks says how many line breaks surround an element: 2 for
// paragraphs and headings, 1 for other blocks, 0 for inline elements.
func blockBreaks(a atom.Atom) int {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table:
		return 2
	case atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main,
		atom.Nav, atom.Aside, atom.Address, atom.Tr, atom.Dl, atom.Dt, atom.Dd,
		atom.Figure, atom.Figcaption, atom.Form, atom.Fieldset, atom.Hr, atom.Center,
		atom.Caption, atom.Tbody, atom.Thead, atom.Tfoot, atom.Body:
		return 1
	}
	return 0
}

func (t *textBuilder) listMarker() string {
	if len(t.lists) == 0 {
		return "-"
	}
	i := len(t.lists) - 1
	if t.lists[i] < 0 {
		return "-"
	}
	t.lists[i]++
	return strconv.Itoa(t.lists[i]) + "."
}

// link appends the target of an http(s) link whose text does not show it.
func (t *textBuilder) link(n *html.Node) {
	var href string
	for _, a := range n.Attr {
		if a.Key == "href" {
			href = strings.TrimSpace(a.Val)
		}
	}
	lower := strings.ToLower(href)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return
	}
	label := strings.TrimSpace(textContent(n))
	if label == href || strings.TrimSuffix(label, "/") == strings.TrimSuffix(href, "/") {
		return
	}
	t.space = true
	t.word("(" + href + ")")
}

func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > maxHTMLDepth {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// breakLines asks for at least n line breaks before the next text.
func (t *textBuilder) breakLines(n int) {
	if t.wrote && t.pending < n {
		t.pending = n
	}
	if n > 0 {
		t.space = false
	}
}

func (t *textBuilder) text(s string) {
	if t.pre > 0 {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				t.pending++
			}
			if line != "" {
				t.emit(line)
			}
		}
		return
	}
	if s == "" {
		return
	}
	lead := isSpace(s[0])
	trail := isSpace(s[len(s)-1])
	words := strings.Fields(s)
	if lead {
		t.space = true
	}
	for i, w := range words {
		if i > 0 {
			t.space = true
		}
		t.word(w)
	}
	if trail && len(words) > 0 {
		t.space = true
	}
}

// word writes one word, preceded by a space when one is due.
func (t *textBuilder) word(w string) {
	if t.space && !t.lineStart && t.wrote && t.pending == 0 {
		t.out.WriteByte(' ')
	}
	t.emit(w)
}

// emit writes s after any pending line breaks and the quote prefix.
func (t *textBuilder) emit(s string) {
	if t.wrote {
		t.pending = min(t.pending, 2)
		for ; t.pending > 0; t.pending-- {
			t.out.WriteByte('\n')
			t.lineStart = true
		}
	}
	t.pending = 0
	if t.lineStart || !t.wrote {
		t.out.WriteString(strings.Repeat("> ", t.quote))
	}
	t.out.WriteString(s)
	t.lineStart = false
	t.wrote = true
	t.space = false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
