package journey

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// Defaults and bounds of a journey's settings.
const (
	DefaultWait        = time.Hour
	DefaultCapMessages = 2
	DefaultCapDays     = 7
	minWait            = time.Minute
	maxWait            = 30 * 24 * time.Hour
	maxName            = 200
	maxTemplate        = 8000
	maxSubject         = 300
)

// normalize checks an Input and fills its defaults.
func normalize(in Input) (Input, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > maxName {
		return in, apperr.InvalidField("name", "give a name of 1 to %d characters", maxName)
	}
	if in.Kind != AbandonedCart && in.Kind != BrowseAbandonment {
		return in, apperr.InvalidField("kind", "unknown kind %q (want %s or %s)", in.Kind, AbandonedCart, BrowseAbandonment)
	}
	if in.WaitSeconds == 0 {
		in.WaitSeconds = int64(DefaultWait / time.Second)
	}
	if w := time.Duration(in.WaitSeconds) * time.Second; w < minWait || w > maxWait {
		return in, apperr.InvalidField("wait_seconds", "wait between %d and %d seconds", int64(minWait/time.Second), int64(maxWait/time.Second))
	}
	var err error
	if in.Channels, err = checkChannels(in.Channels); err != nil {
		return in, err
	}
	if in.Cap == (FrequencyCap{}) {
		in.Cap = FrequencyCap{Messages: DefaultCapMessages, Days: DefaultCapDays}
	}
	if in.Cap.Messages < 1 || in.Cap.Messages > 1000 || in.Cap.Days < 1 || in.Cap.Days > 365 {
		return in, apperr.InvalidField("frequency_cap", "allow 1 to 1000 messages in 1 to 365 days")
	}
	if in.Quiet, err = checkQuiet(in.Quiet); err != nil {
		return in, err
	}
	return checkTemplates(in)
}

func checkChannels(chs []string) ([]string, error) {
	out := []string{}
	for _, ch := range chs {
		ch = strings.ToLower(strings.TrimSpace(ch))
		if !slices.Contains(Channels, ch) {
			return nil, apperr.InvalidField("channels", "unknown channel %q (want %s)", ch, strings.Join(Channels, ", "))
		}
		if !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	return out, nil
}

// checkQuiet validates quiet hours: none, or a start and an end in a time
// zone the system knows.
func checkQuiet(q QuietHours) (QuietHours, error) {
	q.Start, q.End, q.TimeZone = strings.TrimSpace(q.Start), strings.TrimSpace(q.End), strings.TrimSpace(q.TimeZone)
	if q.TimeZone == "" {
		q.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(q.TimeZone); err != nil {
		return q, apperr.InvalidField("quiet_hours.time_zone", "unknown time zone %q (want a name such as Europe/Paris)", q.TimeZone)
	}
	if q.Start == "" && q.End == "" {
		return q, nil
	}
	s, err1 := clockMinutes(q.Start)
	e, err2 := clockMinutes(q.End)
	if err1 != nil || err2 != nil || s == e {
		return q, apperr.InvalidField("quiet_hours", "give a start and a different end as HH:MM, e.g. 21:00 and 08:00")
	}
	return q, nil
}

// clockMinutes reads "HH:MM" as minutes after midnight.
func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("not a time of day: %q", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// After returns t when it falls outside the quiet hours, else the end of
// the quiet hours t falls in.
func (q QuietHours) After(t time.Time) time.Time {
	if q.Start == "" || q.End == "" {
		return t
	}
	loc, err := time.LoadLocation(q.TimeZone)
	if err != nil {
		return t
	}
	start, err1 := clockMinutes(q.Start)
	end, err2 := clockMinutes(q.End)
	if err1 != nil || err2 != nil {
		return t
	}
	local := t.In(loc)
	now := local.Hour()*60 + local.Minute()
	quiet := (start < end && now >= start && now < end) || (start > end && (now >= start || now < end))
	if !quiet {
		return t
	}
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	if start > end && now >= start {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(time.Duration(end) * time.Minute)
}
