package marketing

import (
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// QuietHours are the hours of the day, in TimeZone, when no marketing
// message goes out; one due then waits for End. Empty Start and End: none.
type QuietHours struct {
	Start    string `json:"start"` // HH:MM
	End      string `json:"end"`   // HH:MM
	TimeZone string `json:"time_zone"`
}

// Normalize validates quiet hours: none, or a start and an end in a time
// zone the system knows.
func (q QuietHours) Normalize() (QuietHours, error) {
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
