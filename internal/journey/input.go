package journey

import (
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/marketing"
)

// Defaults and bounds of a journey's settings.
const (
	DefaultWait = time.Hour
	minWait     = time.Minute
	maxWait     = 30 * 24 * time.Hour
	maxName     = 200
	maxTemplate = 8000
	maxSubject  = 300
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
	if in.Cap, err = in.Cap.Normalize(); err != nil {
		return in, err
	}
	if in.Quiet, err = in.Quiet.Normalize(); err != nil {
		return in, err
	}
	return checkTemplates(in)
}

func checkChannels(chs []string) ([]string, error) {
	out := []string{}
	for _, ch := range chs {
		ch = strings.ToLower(strings.TrimSpace(ch))
		if !slices.Contains(marketing.Channels, ch) {
			return nil, apperr.InvalidField("channels", "unknown channel %q (want %s)", ch, strings.Join(marketing.Channels, ", "))
		}
		if !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	return out, nil
}
