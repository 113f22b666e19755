package ingest

import (
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// timeLayouts are the ISO-8601 forms accepted for timestamp and sentAt, most
// common first. A time without an offset is read as UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"}

// Times outside these years are rejected: they are bugs, not events.
var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// parseTime reads an ISO-8601 timestamp; field names it in the error.
func parseTime(field, s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Before(minTime) || t.After(maxTime) {
			return time.Time{}, apperr.InvalidField(field, "%q is out of range (years 1970 to 9999)", s)
		}
		return t, nil
	}
	return time.Time{}, apperr.InvalidField(field, "%q is not an ISO-8601 timestamp (e.g. 2024-05-01T12:30:00.000Z)", s)
}

// correctSkew returns when the event happened by the server's clock. A client
// that sends sentAt lets the server cancel its clock's error:
// timestamp = receivedAt − (sentAt − originalTimestamp). Without sentAt the
// client's timestamp is taken as is; without a timestamp, receivedAt.
// Arithmetic is in milliseconds so that far-apart years cannot overflow.
func correctSkew(field string, received, original, sent time.Time) (time.Time, error) {
	switch {
	case original.IsZero():
		return received, nil
	case sent.IsZero():
		return original, nil
	}
	ms := received.UnixMilli() - (sent.UnixMilli() - original.UnixMilli())
	t := time.UnixMilli(ms).UTC()
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, apperr.InvalidField(field, "is out of range once corrected for the client's clock (sentAt)")
	}
	return t, nil
}

// appendTime writes t as a JSON string in UTC with milliseconds, the form
// Segment uses for receivedAt and timestamp.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	return append(b, '"')
}
