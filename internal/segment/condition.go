package segment

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/money"
)

// Definition is what makes a customer a member: conditions over the unified
// profile and its history on every channel, all of which (Match "all") or
// any of which (Match "any") must hold. No conditions match every customer.
type Definition struct {
	Match      string      `json:"match"` // all (the default) or any
	Conditions []Condition `json:"conditions"`
}

// Condition is one test of a customer. Which of Value, Key, Channel and Days
// it uses depends on its Field; Fields lists them.
type Condition struct {
	Field   string `json:"field"`
	Op      string `json:"op"`
	Value   Value  `json:"value,omitempty"`
	Key     string `json:"key,omitempty"`     // the trait's name
	Channel string `json:"channel,omitempty"` // where an event happened, or the channel of a consent
	Days    int    `json:"days,omitempty"`    // a window ending now: "in the last N days"
}

// Value is a condition's operand. JSON strings, numbers and booleans are all
// read as their text, so {"value": 3} and {"value": "3"} mean the same.
type Value string

// UnmarshalJSON reads a string, a number or a boolean.
func (v *Value) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = Value(s)
		return nil
	}
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	switch raw.(type) {
	case float64, bool:
		*v = Value(strings.TrimSpace(string(b)))
		return nil
	case nil:
		*v = ""
		return nil
	}
	return fmt.Errorf("a condition value must be a string, a number or a boolean")
}

// Need says whether a condition uses one of its parameters.
type Need int

// How a parameter is used.
const (
	Unused Need = iota
	Optional
	Required
)

// Op is an operator of a field, with the words the editor shows.
type Op struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Value Need   `json:"value"` // whether the operator reads Value
}

// Field is a kind of condition: its operators and which parameters it reads.
type Field struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Ops     []Op   `json:"ops"`
	Key     Need   `json:"key"`
	Channel Need   `json:"channel"`
	Days    Need   `json:"days"`
	Hint    string `json:"hint"` // what Value holds
}

// Fields are the conditions a segment can use, in the order the editor
// offers them.
var Fields = []Field{
	{Name: "channel", Label: "Channel", Hint: "web, app, chat, messenger, email, sms, pos, marketplace or ads",
		Ops: []Op{{"is", "used", Required}, {"is_not", "never used", Required}}},
	{Name: "channel_count", Label: "Number of channels", Hint: "a whole number",
		Ops: []Op{{"gte", "at least", Required}, {"lte", "at most", Required}}},
	{Name: "source", Label: "Source", Hint: "a source id, such as the Amazon or TikTok Shop source",
		Ops: []Op{{"is", "sent events", Required}, {"is_not", "never sent events", Required}}},
	{Name: "trait", Label: "Trait", Key: Required, Hint: "the trait's value",
		Ops: []Op{{"eq", "equals", Required}, {"contains", "contains", Required}, {"exists", "is set", Unused}, {"not_exists", "is not set", Unused}}},
	{Name: "event", Label: "Event", Channel: Optional, Days: Optional, Hint: "an event name, such as Product Viewed",
		Ops: []Op{{"done", "done", Required}, {"not_done", "not done", Required}}},
	{Name: "orders_count", Label: "Orders", Hint: "a whole number of paid orders",
		Ops: []Op{{"gte", "at least", Required}, {"lte", "at most", Required}}},
	{Name: "total_spent", Label: "Total spent", Hint: "an amount and currency, such as 500 EUR",
		Ops: []Op{{"gte", "at least", Required}, {"lte", "at most", Required}}},
	{Name: "last_seen", Label: "Last seen", Days: Required,
		Ops: []Op{{"within", "within", Unused}, {"not_within", "not within", Unused}}},
	{Name: "consent", Label: "Consent", Channel: Required, Hint: "the purpose; marketing when empty",
		Ops: []Op{{"granted", "granted", Optional}, {"not_granted", "not granted", Optional}}},
	{Name: "open_cart", Label: "Open cart", Days: Optional,
		Ops: []Op{{"exists", "has one", Unused}, {"not_exists", "has none", Unused}}},
	{Name: "promotion", Label: "Promotion in wallet", Hint: "a promotion id or code; any when empty",
		Ops: []Op{{"holds", "holds", Optional}, {"not_holds", "does not hold", Optional}}},
}

// FieldNamed returns the field called name.
func FieldNamed(name string) (Field, bool) {
	i := slices.IndexFunc(Fields, func(f Field) bool { return f.Name == name })
	if i < 0 {
		return Field{}, false
	}
	return Fields[i], true
}

// OpNamed returns the field's operator called name.
func (f Field) OpNamed(name string) (Op, bool) {
	i := slices.IndexFunc(f.Ops, func(o Op) bool { return o.Name == name })
	if i < 0 {
		return Op{}, false
	}
	return f.Ops[i], true
}

// Limits of a definition.
const (
	MaxConditions = 20
	MaxDays       = 3650
	maxText       = 200
)

// DefaultPurpose is the consent purpose a consent condition checks when it
// names none.
const DefaultPurpose = "marketing"

// Normalize trims and lower-cases what is case-insensitive, fills in the
// defaults, and checks every condition. Errors name the condition and the
// parameter at fault, e.g. "conditions[1].op".
func (d *Definition) Normalize() error {
	d.Match = strings.ToLower(strings.TrimSpace(d.Match))
	if d.Match == "" {
		d.Match = "all"
	}
	if d.Match != "all" && d.Match != "any" {
		return apperr.InvalidField("match", "unknown match %q (want all or any)", d.Match)
	}
	if len(d.Conditions) > MaxConditions {
		return apperr.InvalidField("conditions", "at most %d conditions", MaxConditions)
	}
	if d.Conditions == nil {
		d.Conditions = []Condition{}
	}
	for i := range d.Conditions {
		if err := d.Conditions[i].normalize(fmt.Sprintf("conditions[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Condition) normalize(at string) error {
	c.Field = strings.ToLower(strings.TrimSpace(c.Field))
	c.Op = strings.ToLower(strings.TrimSpace(c.Op))
	c.Value = Value(strings.TrimSpace(string(c.Value)))
	c.Key = strings.TrimSpace(c.Key)
	c.Channel = strings.ToLower(strings.TrimSpace(c.Channel))
	f, ok := FieldNamed(c.Field)
	if !ok {
		return apperr.InvalidField(at+".field", "unknown field %q (want one of %s)", c.Field, fieldNames())
	}
	op, ok := f.OpNamed(c.Op)
	if !ok {
		return apperr.InvalidField(at+".op", "unknown operator %q for field %s (want %s)", c.Op, f.Name, opNames(f))
	}
	checks := []struct {
		name       string
		n          Need
		given, ok  bool
		invalidMsg string
	}{
		{"value", op.Value, c.Value != "", len(c.Value) <= maxText, fmt.Sprintf("is longer than %d characters", maxText)},
		{"key", f.Key, c.Key != "", len(c.Key) <= 128, "is longer than 128 characters"},
		{"channel", f.Channel, c.Channel != "", true, ""},
		{"days", f.Days, c.Days != 0, c.Days >= 1 && c.Days <= MaxDays, fmt.Sprintf("must be a whole number of days from 1 to %d", MaxDays)},
	}
	for _, p := range checks {
		if err := need(at+"."+p.name, p.n, p.given, p.ok, p.name, p.invalidMsg); err != nil {
			return err
		}
	}
	if c.Channel != "" && !slices.Contains(auth.Channels, c.Channel) {
		return apperr.InvalidField(at+".channel", "unknown channel %q (want one of %s)", c.Channel, strings.Join(auth.Channels, ", "))
	}
	return c.checkValue(at + ".value")
}

// need checks one parameter against what the field or operator needs of it.
func need(at string, n Need, given, valid bool, name, invalidMsg string) error {
	switch {
	case n == Unused && given:
		return apperr.InvalidField(at, "this condition takes no %s", name)
	case n == Required && !given:
		return apperr.InvalidField(at, "is required")
	case given && !valid:
		return apperr.InvalidField(at, "%s", invalidMsg)
	}
	return nil
}

// checkValue checks the value's form for the fields that read a number, an
// amount or a channel.
func (c *Condition) checkValue(at string) error {
	v := string(c.Value)
	switch c.Field {
	case "channel":
		v = strings.ToLower(v)
		c.Value = Value(v)
		if !slices.Contains(auth.Channels, v) {
			return apperr.InvalidField(at, "unknown channel %q (want one of %s)", v, strings.Join(auth.Channels, ", "))
		}
	case "channel_count", "orders_count":
		if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 1_000_000 {
			return apperr.InvalidField(at, "must be a whole number from 0, not %q", v)
		}
	case "total_spent":
		a, err := money.Parse(v)
		if err != nil || a.IsNegative() {
			return apperr.InvalidField(at, "must be an amount and a currency such as 500 EUR, not %q", v)
		}
	}
	return nil
}

func fieldNames() string {
	names := make([]string, len(Fields))
	for i, f := range Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func opNames(f Field) string {
	names := make([]string, len(f.Ops))
	for i, o := range f.Ops {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}
