package chart_test

import (
	"encoding/xml"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/dashboard/chart"
)

func TestTicks(t *testing.T) {
	tests := []struct {
		max  float64
		n    int
		want []float64
	}{
		{0, 5, []float64{0, 1}},
		{math.NaN(), 5, []float64{0, 1}},
		{-3, 5, []float64{0, 1}},
		{1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{7, 5, []float64{0, 2, 4, 6, 8}},
		{10, 5, []float64{0, 2, 4, 6, 8, 10}},
		{93, 5, []float64{0, 20, 40, 60, 80, 100}},
		{1234, 5, []float64{0, 250, 500, 750, 1000, 1250}},
		{48_000, 4, []float64{0, 20_000, 40_000, 60_000}},
	}
	for _, tc := range tests {
		if got := chart.Ticks(tc.max, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("Ticks(%v, %d) = %v, want %v", tc.max, tc.n, got, tc.want)
		}
	}
}

func TestCompact(t *testing.T) {
	tests := map[float64]string{0: "0", 0.5: "0.5", 950: "950", 1200: "1.2k", 12_345: "12.3k",
		3_400_000: "3.4M", 2e9: "2G", -1500: "-1.5k"}
	for v, want := range tests {
		if got := chart.Compact(v); got != want {
			t.Errorf("Compact(%v) = %q, want %q", v, got, want)
		}
	}
}

// svgDoc is the part of a chart's markup the tests read back.
type svgDoc struct {
	Title   string `xml:"title"`
	Circles []struct {
		CX    string `xml:"cx,attr"`
		CY    string `xml:"cy,attr"`
		Title string `xml:"title"`
	} `xml:"g>circle"`
	Rects []struct {
		Class  string `xml:"class,attr"`
		Y      string `xml:"y,attr"`
		Height string `xml:"height,attr"`
		Title  string `xml:"title"`
	} `xml:"rect"`
	Polylines []struct {
		Points string `xml:"points,attr"`
	} `xml:"g>polyline"`
	Texts []string `xml:"g>text"`
}

func parse(t *testing.T, svg string) svgDoc {
	t.Helper()
	var doc svgDoc
	dec := xml.NewDecoder(strings.NewReader(svg))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("chart is not well-formed XML: %v\n%s", err, svg)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing content after </svg>: %v", err)
	}
	return doc
}

func f(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLinePlotsValuesOnTheScale(t *testing.T) {
	c := chart.Line{Title: "Events <per day>", Labels: []string{"Mar 1", "Mar 2", "Mar 3"},
		Series: []chart.Series{{Name: "web", Values: []float64{0, 5, 10}}, {Name: "chat & co", Values: []float64{10, 0, 5}}}}
	doc := parse(t, string(c.SVG()))
	if doc.Title != "Events <per day>" {
		t.Errorf("title %q", doc.Title)
	}
	if len(doc.Polylines) != 2 || len(doc.Circles) != 6 {
		t.Fatalf("%d polylines, %d points; want 2 and 6", len(doc.Polylines), len(doc.Circles))
	}
	// Zero sits on the x axis, the maximum (10, also the top tick) at the top,
	// and 5 exactly half way; points spread evenly from left to right.
	y0, y5, y10 := f(t, doc.Circles[0].CY), f(t, doc.Circles[1].CY), f(t, doc.Circles[2].CY)
	if !(y0 > y5 && y5 > y10) || math.Abs((y0+y10)/2-y5) > 0.1 {
		t.Errorf("y positions %v %v %v: want 0 lowest, 10 highest, 5 midway", y0, y5, y10)
	}
	x0, x1, x2 := f(t, doc.Circles[0].CX), f(t, doc.Circles[1].CX), f(t, doc.Circles[2].CX)
	if math.Abs((x1-x0)-(x2-x1)) > 0.1 || x0 >= x2 {
		t.Errorf("x positions %v %v %v: want evenly spaced", x0, x1, x2)
	}
	if doc.Circles[1].Title != "web Mar 2: 5" {
		t.Errorf("point tooltip %q", doc.Circles[1].Title)
	}
	for _, want := range []string{"Mar 1", "Mar 3", "0", "10", "web", "chat & co"} {
		if !slices.Contains(doc.Texts, want) {
			t.Errorf("no label %q among %q", want, doc.Texts)
		}
	}
}

func TestBarHeightsAreProportional(t *testing.T) {
	c := chart.Bar{Title: "By channel", Categories: []string{"web", "chat", "email"},
		Series: []chart.Series{{Name: "this period", Values: []float64{40, 20, 0}}, {Name: "previous", Values: []float64{10, 30, 5}}}}
	doc := parse(t, string(c.SVG()))
	var bars []float64
	for _, r := range doc.Rects {
		if r.Class == "bar" {
			bars = append(bars, f(t, r.Height))
		}
	}
	if len(bars) != 6 {
		t.Fatalf("%d bars, want 6", len(bars))
	}
	// Bars go category by category: web now, web before, chat now, …
	if math.Abs(bars[0]-2*bars[2]) > 0.2 || math.Abs(bars[0]-4*bars[1]) > 0.2 || bars[4] != 0 {
		t.Errorf("bar heights %v not proportional to 40,10,20,30,0,5", bars)
	}
}

func TestEmptyAndLongCharts(t *testing.T) {
	parse(t, string(chart.Line{Title: "nothing"}.SVG()))
	parse(t, string(chart.Bar{Title: "nothing"}.SVG()))
	labels := make([]string, 90)
	vals := make([]float64, 90)
	for i := range labels {
		labels[i] = "2026-03-" + strconv.Itoa(i)
		vals[i] = float64(i)
	}
	doc := parse(t, string(chart.Line{Title: "90 days", Width: 640, Labels: labels, Series: []chart.Series{{Name: "all", Values: vals}}}.SVG()))
	dates := 0
	for _, s := range doc.Texts {
		if strings.HasPrefix(s, "2026-") {
			dates++
		}
	}
	if dates == 0 || dates > 12 {
		t.Errorf("%d date labels on a 640-wide axis of 90 days; want a readable few", dates)
	}
}

func TestWholeNumberGridlines(t *testing.T) {
	svg := string(chart.Bar{Title: "few", Categories: []string{"a", "b"}, Whole: true,
		Series: []chart.Series{{Name: "n", Values: []float64{1, 3}, Color: "#123456"}}}.SVG())
	doc := parse(t, svg)
	var ticks []string
	for _, s := range doc.Texts {
		if s != "a" && s != "b" {
			ticks = append(ticks, s)
		}
	}
	if !slices.Equal(ticks, []string{"0", "1", "2", "3"}) {
		t.Errorf("gridline labels %q, want 0 1 2 3", ticks)
	}
	if !strings.Contains(svg, `fill="#123456"`) {
		t.Error("the series colour is not used")
	}
}
