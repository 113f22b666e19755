package marketing

import (
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/inbox"
)

// Default frequency cap: at most 2 marketing messages per customer in 7 days.
const (
	DefaultCapMessages = 2
	DefaultCapDays     = 7
)

// FrequencyCap bounds the marketing messages one customer receives, across
// every journey and campaign and every channel: at most Messages in Days
// days. Messages that failed to go out do not count.
type FrequencyCap struct {
	Messages int `json:"messages"`
	Days     int `json:"days"`
}

// Normalize fills the default for a zero cap and checks the bounds.
func (c FrequencyCap) Normalize() (FrequencyCap, error) {
	if c == (FrequencyCap{}) {
		return FrequencyCap{Messages: DefaultCapMessages, Days: DefaultCapDays}, nil
	}
	if c.Messages < 1 || c.Messages > 1000 || c.Days < 1 || c.Days > 365 {
		return c, apperr.InvalidField("frequency_cap", "allow 1 to 1000 messages in 1 to 365 days")
	}
	return c, nil
}

// Limit is the cap as the inbox applies it to a marketing message sent at
// now.
func (c FrequencyCap) Limit(now time.Time) inbox.Limit {
	return inbox.Limit{Messages: c.Messages, Since: now.Add(-time.Duration(c.Days) * 24 * time.Hour)}
}
