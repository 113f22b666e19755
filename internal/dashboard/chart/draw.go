package chart

import (
	"fmt"
	"html/template"
	"strings"
)

// Line is a line chart: one polyline per series over shared x labels
// (dates, usually).
type Line struct {
	Title  string // read by screen readers and shown as a tooltip
	Labels []string
	Series []Series
	Width  int // view box size; defaults DefaultWidth × DefaultHeight
	Height int
	Whole  bool // values are counts: gridlines only at whole numbers
}

// SVG renders the chart.
func (c Line) SVG() template.HTML {
	f := newFrame(c.Width, c.Height, c.Series, c.Whole)
	var b strings.Builder
	f.open(&b, "line-chart", c.Title)
	n := len(c.Labels)
	xs := make([]float64, n)
	for i := range xs {
		if n == 1 {
			xs[i] = f.left + f.width/2
		} else {
			xs[i] = f.left + float64(i)*f.width/float64(n-1)
		}
	}
	f.xLabels(&b, c.Labels, xs)
	for si, s := range c.Series {
		fmt.Fprintf(&b, `<g class="series" data-series="%s">`, esc(s.Name))
		var pts []string
		for i, v := range s.Values {
			if i >= n {
				break
			}
			pts = append(pts, num(xs[i])+","+num(f.y(v)))
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round" points="%s"/>`,
				esc(color(c.Series, si)), strings.Join(pts, " "))
		}
		for i, v := range s.Values {
			if i >= n {
				break
			}
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"><title>%s %s: %s</title></circle>`,
				num(xs[i]), num(f.y(v)), esc(color(c.Series, si)), esc(s.Name), esc(c.Labels[i]), esc(Compact(v)))
		}
		b.WriteString(`</g>`)
	}
	f.legend(&b, c.Series)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Bar is a grouped bar chart: for each category, one bar per series side by
// side (this period and the previous one, say).
type Bar struct {
	Title      string
	Categories []string
	Series     []Series
	Width      int
	Height     int
	Whole      bool // values are counts: gridlines only at whole numbers
}

// SVG renders the chart.
func (c Bar) SVG() template.HTML {
	f := newFrame(c.Width, c.Height, c.Series, c.Whole)
	var b strings.Builder
	f.open(&b, "bar-chart", c.Title)
	n := len(c.Categories)
	xs := make([]float64, n)
	if n > 0 {
		slot := f.width / float64(n)
		groupW := slot * 0.7
		barW := groupW / float64(max(1, len(c.Series)))
		for i := range c.Categories {
			xs[i] = f.left + slot*float64(i) + slot/2
			for si, s := range c.Series {
				if i >= len(s.Values) {
					continue
				}
				v := s.Values[i]
				x := xs[i] - groupW/2 + barW*float64(si)
				y := f.y(v)
				fmt.Fprintf(&b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %s</title></rect>`,
					num(x+1), num(y), num(max(barW-2, 1)), num(f.bottom()-y), esc(color(c.Series, si)),
					esc(s.Name), esc(c.Categories[i]), esc(Compact(v)))
			}
		}
	}
	f.xLabels(&b, c.Categories, xs)
	f.legend(&b, c.Series)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
