package dashboard

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// funcs are the helpers templates may call.
func funcs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset":      a.url,
		"time":       formatTime,
		"date":       func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"count":      formatCount,
		"delta":      formatDelta,
		"trend":      trend,
		"jsonval":    jsonValue,
		"chclass":    channelClass,
		"since":      since,
		"cmp":        func(cur, prev int64) comparison { return comparison{cur, prev} },
		"money":      formatMoney,
		"list":       func(s ...string) []string { return s },
		"fieldInput": newFieldInput,
		// analytics
		"share":      formatShare,
		"decimal":    formatDecimal,
		"moneys":     moneyList,
		"seconds":    formatSeconds,
		"cohort":     cohortAt,
		"months":     months,
		"steptitle":  stepTitle,
		"modeltitle": modelTitle,
		"modelabout": modelAbout,
		"words":      func(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "_", " ") },
		"wait":       waitText,
	}
}

// comparison is a figure and its value in the previous period.
type comparison struct{ Cur, Prev int64 }

// formatTime shows a time in UTC to the minute; the zero time is "never".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// since says how long ago t was, roughly: "just now", "5 min ago", "3 h ago", "4 days ago".
func since(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// formatCount writes a whole number with thin thousands separators: 1 234 567.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatDelta is the change from prev to cur in percent: "+12.5%", "−3%",
// "new" when there was nothing before, "" when both are zero.
func formatDelta(cur, prev int64) string {
	switch {
	case prev == 0 && cur == 0:
		return "±0%"
	case prev == 0:
		return "new"
	}
	p := float64(cur-prev) / float64(prev) * 100
	r := math.Round(p*10) / 10
	switch {
	case r > 0:
		return "+" + strconv.FormatFloat(r, 'f', -1, 64) + "%"
	case r < 0:
		return "−" + strconv.FormatFloat(-r, 'f', -1, 64) + "%"
	}
	return "±0%"
}

// trend names the direction of a change, for styling: up, down or flat.
func trend(cur, prev int64) string {
	switch {
	case cur > prev:
		return "up"
	case cur < prev:
		return "down"
	}
	return "flat"
}

// jsonValue shows a JSON trait value: strings bare, the rest as JSON,
// shortened past 120 characters.
func jsonValue(raw json.RawMessage) string {
	var s string
	out := string(raw)
	if json.Unmarshal(raw, &s) == nil {
		out = s
	}
	if r := []rune(out); len(r) > 120 {
		out = string(r[:119]) + "…"
	}
	return out
}

// channelColors match the channel marks of omni.css, so that charts and
// marks agree.
var channelColors = map[string]string{"web": "#2563eb", "app": "#7c3aed", "chat": "#0891b2", "messenger": "#db2777",
	"email": "#b45309", "sms": "#059669", "pos": "#be123c", "marketplace": "#ea580c", "ads": "#a21caf"}

// channelClass is the CSS class of a channel's mark; unknown channels share one.
func channelClass(ch string) string {
	switch ch {
	case "web", "app", "chat", "messenger", "email", "sms", "pos", "marketplace", "ads":
		return "ch ch-" + ch
	}
	return "ch ch-other"
}
