package campaign

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/promotion"
)

// Bounds of a campaign's settings.
const (
	maxName    = 200
	maxSlug    = 64
	maxSubject = 300
	maxBody    = 8000
	maxLink    = 2000
)

var slugPattern = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{Lm}\p{N}][\p{Ll}\p{Lo}\p{Lm}\p{N}_-]*$`)

// normalize checks an Input and fills its defaults; slugGiven reports
// whether the slug was chosen rather than made from the name. Checks that
// need other services (the segment, the channel, the promotion) are made
// by check.
func normalize(in Input) (out Input, slugGiven bool, err error) {
	return normalizeFor(in, false)
}

// normalizeFor is normalize; a preview needs neither a name, nor a
// subject, nor a body yet.
func normalizeFor(in Input, preview bool) (out Input, slugGiven bool, err error) {
	in.Name = strings.TrimSpace(in.Name)
	if preview && in.Name == "" {
		in.Name = "Preview"
	}
	if in.Name == "" || len(in.Name) > maxName {
		return in, false, apperr.InvalidField("name", "give a name of 1 to %d characters", maxName)
	}
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	slugGiven = in.Slug != ""
	if !slugGiven {
		in.Slug = slugOf(in.Name)
	}
	if len(in.Slug) > maxSlug || !slugPattern.MatchString(in.Slug) {
		return in, slugGiven, apperr.InvalidField("slug", "use up to %d bytes of lower-case letters, digits, - and _, starting with a letter or digit", maxSlug)
	}
	in.Channel = strings.ToLower(strings.TrimSpace(in.Channel))
	if !slices.Contains(marketing.Channels, in.Channel) {
		return in, slugGiven, apperr.InvalidField("channel", "unknown channel %q (want %s)", in.Channel, strings.Join(marketing.Channels, ", "))
	}
	in.SegmentID = strings.TrimSpace(in.SegmentID)
	if in.SegmentID == "" {
		return in, slugGiven, apperr.InvalidField("segment_id", "choose the segment to send to")
	}
	if err := checkContent(&in, preview); err != nil {
		return in, slugGiven, err
	}
	in.PromotionCode = promotion.NormalizeCode(in.PromotionCode)
	if in.Link, err = checkLink(in.Link); err != nil {
		return in, slugGiven, err
	}
	if in.Cap, err = in.Cap.Normalize(); err != nil {
		return in, slugGiven, err
	}
	if in.Quiet, err = in.Quiet.Normalize(); err != nil {
		return in, slugGiven, err
	}
	return in, slugGiven, nil
}

// checkContent checks the subject and body: an email needs a subject, other
// channels have none; every tag must be known. A preview may lack both.
func checkContent(in *Input, preview bool) error {
	in.Subject = strings.TrimSpace(in.Subject)
	in.Body = strings.TrimSpace(in.Body)
	switch {
	case in.Body == "" && !preview:
		return apperr.InvalidField("body", "write the message")
	case len(in.Body) > maxBody:
		return apperr.InvalidField("body", "at most %d characters", maxBody)
	case !utf8.ValidString(in.Body) || !utf8.ValidString(in.Subject):
		return apperr.InvalidField("body", "is not valid UTF-8")
	case in.Channel == "email" && in.Subject == "" && !preview:
		return apperr.InvalidField("subject", "an email needs a subject")
	case len(in.Subject) > maxSubject:
		return apperr.InvalidField("subject", "at most %d characters", maxSubject)
	}
	if in.Channel != "email" {
		in.Subject = ""
	}
	if err := checkTags("subject", in.Subject); err != nil {
		return err
	}
	return checkTags("body", in.Body)
}

// checkLink accepts an absolute http or https URL, or nothing.
func checkLink(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > maxLink {
		return "", apperr.InvalidField("link", "give an absolute http or https address of at most %d characters, e.g. https://shop.example/sale", maxLink)
	}
	return raw, nil
}

// check asks the other services about an Input: the segment exists, the
// inbox can send on the channel, the promotion code can be handed out.
func (s *Service) check(ctx context.Context, in Input) error {
	if _, err := s.d.Segments.Get(ctx, in.SegmentID); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.InvalidField("segment_id", "no segment %s", in.SegmentID)
		}
		return err
	}
	if err := s.d.Notifier.CanSend(ctx, in.Channel); err != nil {
		return err
	}
	return s.checkCode(ctx, in.PromotionCode)
}

// checkCode says why a promotion code cannot be handed out now.
func (s *Service) checkCode(ctx context.Context, code string) error {
	if code == "" {
		return nil
	}
	if s.d.Promotions == nil {
		return apperr.InvalidField("promotion_code", "promotions are not available")
	}
	err := s.d.Promotions.CheckCode(ctx, nil, code)
	if e, ok := apperr.As(err); ok {
		return &apperr.Error{Code: e.Code, Field: "promotion_code", Message: e.Message, Err: e.Err}
	}
	return err
}

// slugOf makes a slug from a name: its letters in lower case and digits,
// other runs of characters as one dash.
func slugOf(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case unicode.IsLetter(r) && !unicode.IsUpper(r) || unicode.IsDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= maxSlug-4 { // room for a "-99" suffix
			break
		}
	}
	if b.Len() == 0 {
		return "campaign"
	}
	return b.String()
}
