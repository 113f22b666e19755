// Package chart draws line and bar charts as self-contained SVG, on the
// server, with axes, gridlines, tick labels and a legend. Nothing runs in the
// browser: a chart is markup that html/template can embed.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one named row of values, one per label or category.
type Series struct {
	Name   string
	Values []float64
	Color  string // a CSS colour; empty takes the next one of Palette
}

// Palette colours series in order; it is chosen to stay distinct for
// common colour-vision deficiencies.
var Palette = []string{"#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9", "#ec4899", "#84cc16", "#64748b"}

// Default size of a chart's view box; the SVG scales to its container.
const (
	DefaultWidth  = 960
	DefaultHeight = 260
)

// margins leave room for the axes' labels and the legend.
const (
	marginLeft   = 48
	marginRight  = 12
	marginTop    = 12
	marginBottom = 44
)

// frame is the plotting area of a chart and its value scale.
type frame struct {
	w, h          int
	left, top     float64
	width, height float64
	ticks         []float64
	maxTick       float64 // the value at the top of the plot
}

func newFrame(w, h int, series []Series, whole bool) frame {
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	maxV := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				maxV = math.Max(maxV, v)
			}
		}
	}
	ticks := Ticks(maxV, 5)
	if whole && ticks[1] < 1 {
		ticks = wholeTicks(maxV)
	}
	return frame{w: w, h: h, left: marginLeft, top: marginTop,
		width: float64(w - marginLeft - marginRight), height: float64(h - marginTop - marginBottom),
		ticks: ticks, maxTick: ticks[len(ticks)-1]}
}

// y maps a value to its vertical position.
func (f frame) y(v float64) float64 {
	if f.maxTick == 0 || math.IsNaN(v) || v < 0 {
		return f.top + f.height
	}
	return f.top + f.height - v/f.maxTick*f.height
}

func (f frame) bottom() float64 { return f.top + f.height }

// open writes the SVG element, its accessible title and the value axis.
func (f frame) open(b *strings.Builder, class, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		class, f.w, f.h, esc(title))
	fmt.Fprintf(b, `<title>%s</title>`, esc(title))
	b.WriteString(`<g class="axis y-axis">`)
	for _, t := range f.ticks {
		y := f.y(t)
		fmt.Fprintf(b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e5e7eb"/>`,
			num(f.left), num(y), num(f.left+f.width), num(y))
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#6b7280">%s</text>`,
			num(f.left-6), num(y), esc(Compact(t)))
	}
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#9ca3af"/>`,
		num(f.left), num(f.bottom()), num(f.left+f.width), num(f.bottom()))
	b.WriteString(`</g>`)
}

// xLabels writes category labels centred at xs, thinned so they do not overlap.
func (f frame) xLabels(b *strings.Builder, labels []string, xs []float64) {
	if len(labels) == 0 {
		return
	}
	longest := 1
	for _, l := range labels {
		longest = max(longest, len([]rune(l)))
	}
	room := f.width / float64(len(labels))
	step := max(1, int(math.Ceil(float64(longest)*6.5/room)))
	b.WriteString(`<g class="axis x-axis">`)
	for i, l := range labels {
		if i%step != 0 {
			continue
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="11" fill="#6b7280">%s</text>`,
			num(xs[i]), num(f.bottom()+15), esc(l))
	}
	b.WriteString(`</g>`)
}

// legend writes one swatch and name per series under the x axis.
func (f frame) legend(b *strings.Builder, series []Series) {
	if len(series) < 2 {
		return
	}
	b.WriteString(`<g class="legend">`)
	x := f.left
	y := float64(f.h) - 8
	for i, s := range series {
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="10" height="10" rx="2" fill="%s"/>`, num(x), num(y-9), esc(color(series, i)))
		fmt.Fprintf(b, `<text x="%s" y="%s" font-size="11" fill="#374151">%s</text>`, num(x+14), num(y), esc(s.Name))
		x += 14 + float64(len([]rune(s.Name)))*6.5 + 14
	}
	b.WriteString(`</g>`)
}

// wholeTicks counts 0, 1, 2… up to maxV, for counts too small for Ticks to
// step by a whole number.
func wholeTicks(maxV float64) []float64 {
	n := max(1, int(math.Ceil(maxV)))
	out := make([]float64, n+1)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// Color returns the palette colour of the i-th series.
func Color(i int) string { return Palette[i%len(Palette)] }

// color is the colour of the i-th of series.
func color(series []Series, i int) string {
	if series[i].Color != "" {
		return series[i].Color
	}
	return Color(i)
}

// Ticks returns round gridline values from 0 to at least maxV: about n steps
// of 1, 2 or 5 times a power of ten. A chart of nothing gets 0 and 1.
func Ticks(maxV float64, n int) []float64 {
	if n < 1 {
		n = 1
	}
	if !(maxV > 0) || math.IsInf(maxV, 0) {
		return []float64{0, 1}
	}
	raw := maxV / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for i := 0; ; i++ {
		// Round away float drift (3×0.2 = 0.6000000000000001) so labels stay clean.
		v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(i)*step, 'g', 12, 64), 64)
		out = append(out, v)
		if v >= maxV {
			return out
		}
	}
}

// Compact formats a value for an axis: 950, 1.2k, 3.4M, 0.5.
func Compact(v float64) string {
	abs := math.Abs(v)
	switch {
	case abs >= 1e9:
		return trim(v/1e9) + "G"
	case abs >= 1e6:
		return trim(v/1e6) + "M"
	case abs >= 1e3:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func trim(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func esc(s string) string { return template.HTMLEscapeString(s) }
