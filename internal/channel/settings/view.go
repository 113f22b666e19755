package settings

import (
	"context"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// The states of a channel, as the dashboard shows them.
const (
	StateOn            = "on"             // switched on, every required field set
	StateIncomplete    = "incomplete"     // some required fields set, not all
	StateNotConfigured = "not configured" // no required field set
	StateOff           = "off"            // switched off by an admin
)

// hintMin is the shortest secret whose last four characters may be shown.
const hintMin = 12

// FieldView is one field as the dashboard shows it: never a secret's value.
type FieldView struct {
	Field
	Value      string // the value of a field that is not secret
	Set        bool   // a value is in effect
	Hint       string // a secret's last four characters, for secrets of 12 or more
	FromEnv    bool   // set by Field.Env or Field.Flag; not editable here
	Unreadable bool   // stored sealed with a key Omni does not have now
	Unsealed   bool   // a secret stored without encryption
}

// ChannelView is a channel's settings as the dashboard shows them.
type ChannelView struct {
	Spec
	Enabled   bool
	Fields    []FieldView
	Fixed     []Fixed  // settings read at start only
	Missing   []string // labels of required fields without a value
	UpdatedAt time.Time
	UpdatedBy string
}

// State is on, incomplete, not configured or off.
func (v ChannelView) State() string {
	required := 0
	for _, f := range v.Fields {
		if f.Required {
			required++
		}
	}
	switch {
	case !v.Enabled:
		return StateOff
	case len(v.Missing) == 0:
		return StateOn
	case len(v.Missing) == required:
		return StateNotConfigured
	}
	return StateIncomplete
}

// Value returns the value in effect of a field that is not secret.
func (v ChannelView) Value(name string) string {
	for _, f := range v.Fields {
		if f.Name == name && !f.Secret {
			return f.Value
		}
	}
	return ""
}

// View describes a channel's settings for the dashboard.
func (s *Store) View(ctx context.Context, channel string) (ChannelView, error) {
	spec, ok := s.Spec(channel)
	if !ok {
		return ChannelView{}, apperr.NotFoundf("no channel %q to configure", channel)
	}
	rows, err := s.load(ctx, channel)
	if err != nil {
		return ChannelView{}, err
	}
	v := ChannelView{Spec: spec, Enabled: true, Fixed: s.o.Fixed[channel]}
	stored := map[string]row{}
	for _, r := range rows {
		stored[r.name] = r
		if r.at > v.UpdatedAt.UnixMilli() {
			v.UpdatedAt, v.UpdatedBy = time.UnixMilli(r.at).UTC(), r.by
		}
		if r.name == fieldEnabled {
			v.Enabled = r.value != "false"
		}
	}
	for _, f := range spec.Fields {
		fv := FieldView{Field: f}
		value := ""
		if env := s.o.Overrides[channel][f.Name]; env != "" {
			fv.FromEnv, value = true, env
		} else if r, ok := stored[f.Name]; ok {
			value, err = s.value(channel, r)
			fv.Unreadable, fv.Unsealed = err != nil, f.Secret && !r.sealed
		}
		fv.Set = value != ""
		switch {
		case !f.Secret:
			fv.Value = value
		case len([]rune(value)) >= hintMin:
			r := []rune(value)
			fv.Hint = string(r[len(r)-4:])
		}
		if f.Required && !fv.Set {
			v.Missing = append(v.Missing, f.Label)
		}
		v.Fields = append(v.Fields, fv)
	}
	return v, nil
}

// Views describes every channel, in the order of Specs.
func (s *Store) Views(ctx context.Context) ([]ChannelView, error) {
	out := make([]ChannelView, 0, len(s.specs))
	for _, spec := range s.specs {
		v, err := s.View(ctx, spec.Channel)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
