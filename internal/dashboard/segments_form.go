package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/segment"
)

// previewSample is how many members the editor's live preview names.
const previewSample = 5

// segmentForm is the segment editor as typed: the conditions are rows named
// c0.field, c0.op, c0.value, c0.key, c0.channel, c0.days, c1.field…
type segmentForm struct {
	ID, Name, Description, Match string
	Rows                         []conditionRow
	Error                        string
	Preview                      previewView
}

// conditionRow is one condition of the editor; the inputs it shows follow
// its field and operator.
type conditionRow struct {
	I                                    int
	Field, Op, Value, Key, Channel, Days string
	spec                                 segment.Field
	op                                   segment.Op
}

// previewView is the editor's live count and first members, or why the
// definition cannot be counted yet.
type previewView struct {
	Count  int64
	Sample []customer.Summary
	Error  string
	OOB    bool // sent beside the condition rows, swapped in by id
}

// Fields are the kinds of condition, for the field menus.
func (segmentForm) Fields() []segment.Field { return segment.Fields }

// Channels are the channels the channel menus offer.
func (segmentForm) Channels() []string { return auth.Channels }

// Ops are the operators of the row's field.
func (c conditionRow) Ops() []segment.Op { return c.spec.Ops }

// Hint says what the value holds.
func (c conditionRow) Hint() string { return c.spec.Hint }

// UsesValue, UsesKey, UsesChannel and UsesDays say which inputs the row shows.
func (c conditionRow) UsesValue() bool { return c.op.Value != segment.Unused }

// UsesKey reports whether the row names a trait.
func (c conditionRow) UsesKey() bool { return c.spec.Key != segment.Unused }

// UsesChannel reports whether the row takes a channel.
func (c conditionRow) UsesChannel() bool { return c.spec.Channel != segment.Unused }

// AnyChannel reports whether the row's channel may be left as "any".
func (c conditionRow) AnyChannel() bool { return c.spec.Channel == segment.Optional }

// UsesDays reports whether the row takes a window of days.
func (c conditionRow) UsesDays() bool { return c.spec.Days != segment.Unused }

// settle makes the row consistent: a known field (the first when unknown)
// and one of its operators (the first when the field changed).
func (c *conditionRow) settle() {
	spec, ok := segment.FieldNamed(c.Field)
	if !ok {
		spec = segment.Fields[0]
		c.Field = spec.Name
	}
	c.spec = spec
	if c.op, ok = spec.OpNamed(c.Op); !ok {
		c.op = spec.Ops[0]
		c.Op = c.op.Name
	}
}

// newRow is the condition a new row starts with.
func newRow() conditionRow {
	r := conditionRow{Field: "channel_count", Op: "gte", Value: "2"}
	r.settle()
	return r
}

// parseSegmentForm reads the editor's fields.
func parseSegmentForm(r *http.Request) segmentForm {
	_ = r.ParseForm()
	p := r.PostForm
	f := segmentForm{ID: r.PathValue("id"), Name: p.Get("name"), Description: p.Get("description"), Match: p.Get("match")}
	for i := range segment.MaxConditions + 1 {
		pre := fmt.Sprintf("c%d.", i)
		if _, ok := p[pre+"field"]; !ok {
			continue
		}
		f.Rows = append(f.Rows, conditionRow{Field: p.Get(pre + "field"), Op: p.Get(pre + "op"), Value: p.Get(pre + "value"),
			Key: p.Get(pre + "key"), Channel: p.Get(pre + "channel"), Days: p.Get(pre + "days")})
	}
	f.settle()
	return f
}

// settle numbers the rows and makes each consistent.
func (f *segmentForm) settle() {
	if f.Match != "any" {
		f.Match = "all"
	}
	for i := range f.Rows {
		f.Rows[i].I = i
		f.Rows[i].settle()
	}
}

// segmentFormOf is the editor filled with a stored segment.
func segmentFormOf(s segment.Segment) segmentForm {
	f := segmentForm{ID: s.ID, Name: s.Name, Description: s.Description, Match: s.Match}
	for _, c := range s.Conditions {
		row := conditionRow{Field: c.Field, Op: c.Op, Value: string(c.Value), Key: c.Key, Channel: c.Channel}
		if c.Days > 0 {
			row.Days = strconv.Itoa(c.Days)
		}
		f.Rows = append(f.Rows, row)
	}
	f.settle()
	return f
}

// input turns the form into a segment; only the inputs each row's field and
// operator use are read.
func (f segmentForm) input() (segment.Input, error) {
	in := segment.Input{Name: f.Name, Description: f.Description, Definition: segment.Definition{Match: f.Match,
		Conditions: []segment.Condition{}}}
	for _, row := range f.Rows {
		c := segment.Condition{Field: row.Field, Op: row.Op}
		if row.UsesValue() {
			c.Value = segment.Value(row.Value)
		}
		if row.UsesKey() {
			c.Key = row.Key
		}
		if row.UsesChannel() {
			c.Channel = row.Channel
		}
		if d := strings.TrimSpace(row.Days); row.UsesDays() && d != "" {
			n, err := strconv.Atoi(d)
			if err != nil {
				return in, apperr.InvalidField(fmt.Sprintf("conditions[%d].days", row.I), "give a whole number of days")
			}
			c.Days = n
		}
		in.Conditions = append(in.Conditions, c)
	}
	return in, nil
}

var conditionPath = regexp.MustCompile(`^conditions\[(\d+)\]\.?`)

// problem words a bad-input error for the editor: "Condition 2, value: is
// required".
func problem(err error) (string, bool) {
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		return "", false
	}
	field := conditionPath.ReplaceAllStringFunc(e.Field, func(m string) string {
		n, _ := strconv.Atoi(conditionPath.FindStringSubmatch(m)[1])
		return fmt.Sprintf("Condition %d, ", n+1)
	})
	field = strings.TrimSuffix(field, ", ")
	if field == "" {
		return e.Message, true
	}
	return field + ": " + e.Message, true
}

// preview counts what the form defines now.
func (h *Handler) preview(r *http.Request, f segmentForm) (previewView, error) {
	in, err := f.input()
	var p segment.Preview
	if err == nil {
		p, err = h.d.Segments.Preview(r.Context(), in.Definition, previewSample)
	}
	if msg, ok := problem(err); ok {
		return previewView{Error: msg}, nil
	}
	return previewView{Count: p.Count, Sample: p.Sample}, err
}

func (h *Handler) renderSegmentForm(w http.ResponseWriter, r *http.Request, req *request, status int, f segmentForm) error {
	var err error
	if f.Preview, err = h.preview(r, f); err != nil {
		return err
	}
	title := "New segment"
	if f.ID != "" {
		title = "Edit " + f.Name
	}
	h.render(w, r, status, "segmentform", h.withSession(view{Title: title, Active: "segments", Data: f}, req))
	return nil
}

func (h *Handler) newSegment(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.renderSegmentForm(w, r, req, http.StatusOK, segmentForm{Match: "all", Rows: []conditionRow{newRow()}})
}

func (h *Handler) editSegment(w http.ResponseWriter, r *http.Request, req *request) error {
	s, err := h.d.Segments.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderSegmentForm(w, r, req, http.StatusOK, segmentFormOf(s))
}

// saveSegment creates a segment (POST /segments) or replaces one (POST
// /segments/{id}); a bad field shows the form again with the problem named.
func (h *Handler) saveSegment(w http.ResponseWriter, r *http.Request, req *request) error {
	f := parseSegmentForm(r)
	in, err := f.input()
	var s segment.Segment
	if err == nil && f.ID == "" {
		s, err = h.d.Segments.Create(r.Context(), in)
	} else if err == nil {
		s, err = h.d.Segments.Update(r.Context(), f.ID, in)
	}
	if msg, ok := problem(err); ok {
		f.Error = msg
		return h.renderSegmentForm(w, r, req, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/segments/"+url.PathEscape(s.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}

// segmentRows renders the condition rows again after a row was added or
// removed or a field or operator changed, with the preview beside them.
func (h *Handler) segmentRows(w http.ResponseWriter, r *http.Request, req *request) error {
	f := parseSegmentForm(r)
	q := r.URL.Query()
	if q.Get("add") != "" && len(f.Rows) < segment.MaxConditions {
		f.Rows = append(f.Rows, newRow())
	}
	if i, err := strconv.Atoi(q.Get("remove")); err == nil && i >= 0 && i < len(f.Rows) {
		f.Rows = slices.Delete(f.Rows, i, i+1)
	}
	f.settle()
	var err error
	if f.Preview, err = h.preview(r, f); err != nil {
		return err
	}
	f.Preview.OOB = true
	h.renderBlock(w, r, http.StatusOK, "segmentform", "rows", f)
	return nil
}

// segmentPreview is the live count of the editor's definition.
func (h *Handler) segmentPreview(w http.ResponseWriter, r *http.Request, req *request) error {
	v, err := h.preview(r, parseSegmentForm(r))
	if err != nil {
		return err
	}
	h.renderBlock(w, r, http.StatusOK, "segmentform", "preview", v)
	return nil
}
