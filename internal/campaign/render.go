package campaign

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/promotion"
)

// Tags are what a campaign's subject and body may name, as {{first_name}}:
// the recipient's first name, full name and email, the campaign's
// promotion code and its tracked link. A fallback after a bar stands in
// for a detail the profile lacks: {{first_name|there}}. A body without
// {{link}} gets the link on a line of its own at the end.
var Tags = []string{"first_name", "name", "email", "code", "link"}

var tagPattern = regexp.MustCompile(`\{\{\s*([A-Za-z_]+)\s*(?:\|([^{}]*))?\}\}`)

// checkTags refuses unknown tags and unclosed braces.
func checkTags(field, text string) error {
	for _, m := range tagPattern.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(Tags, strings.ToLower(m[1])) {
			return apperr.InvalidField(field, "unknown tag {{%s}} (use %s)", m[1], "{{"+strings.Join(Tags, "}}, {{")+"}}")
		}
	}
	if rest := tagPattern.ReplaceAllString(text, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return apperr.InvalidField(field, "a tag is not closed: write {{first_name}}, or {{first_name|fallback}}")
	}
	return nil
}

func hasTag(text, name string) bool {
	for _, m := range tagPattern.FindAllStringSubmatch(text, -1) {
		if strings.EqualFold(m[1], name) {
			return true
		}
	}
	return false
}

// personalize replaces the tags of text with vals, or their fallbacks.
func personalize(text string, vals map[string]string) string {
	return tagPattern.ReplaceAllStringFunc(text, func(tag string) string {
		m := tagPattern.FindStringSubmatch(tag)
		if v := vals[strings.ToLower(m[1])]; v != "" {
			return v
		}
		return strings.TrimSpace(m[2])
	})
}

// message is the subject and body one recipient gets.
func (c Campaign) message(r marketing.Recipient) (subject, body string) {
	link := c.trackedLink()
	vals := map[string]string{"first_name": r.FirstName, "name": r.Name, "email": r.Email, "code": c.PromotionCode, "link": link}
	body = personalize(c.Body, vals)
	if link != "" && !hasTag(c.Body, "link") {
		body += "\n\n" + link
	}
	return strings.TrimSpace(personalize(c.Subject, vals)), strings.TrimSpace(body)
}

// trackedLink is the campaign's link with its UTM parameters (source omni,
// the channel as medium, the slug as campaign), which analytics.js turns
// into context.campaign on the visit, and its promotion code, which the
// storefront attaches to whoever opens it.
func (c Campaign) trackedLink() string {
	if c.Link == "" {
		return ""
	}
	u, err := url.Parse(c.Link)
	if err != nil {
		return c.Link
	}
	q := u.Query()
	q.Set("utm_source", "omni")
	q.Set("utm_medium", c.Channel)
	q.Set("utm_campaign", c.Slug)
	if c.PromotionCode != "" {
		q.Set(promotion.LandingParam, c.PromotionCode)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Preview is what a campaign would do if sent now.
type Preview struct {
	Audience int64  `json:"audience"`  // the segment's members now
	SampleTo string `json:"sample_to"` // whose message this is: the segment's first member, or an example customer
	Subject  string `json:"subject,omitempty"`
	Body     string `json:"body"`
}

// example is who a preview is written to when the segment is empty.
var example = marketing.Recipient{Name: "Ann Archer", FirstName: "Ann", Email: "ann@example.com"}

// Preview shows what an unsaved campaign would send now: the segment's
// member count and the message its first member would get.
func (s *Service) Preview(ctx context.Context, in Input) (Preview, error) {
	in, _, err := normalizeFor(in, true)
	if err != nil {
		return Preview{}, err
	}
	c := Campaign{Slug: in.Slug, Channel: in.Channel, SegmentID: in.SegmentID, Subject: in.Subject, Body: in.Body,
		PromotionCode: in.PromotionCode, Link: in.Link}
	return s.preview(ctx, c)
}

// PreviewOf shows what a stored campaign would send now.
func (s *Service) PreviewOf(ctx context.Context, id string) (Preview, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Preview{}, err
	}
	return s.preview(ctx, c)
}

func (s *Service) preview(ctx context.Context, c Campaign) (Preview, error) {
	seg, err := s.d.Segments.Get(ctx, c.SegmentID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Preview{}, apperr.InvalidField("segment_id", "no segment %s", c.SegmentID)
	}
	if err != nil {
		return Preview{}, err
	}
	var p Preview
	if p.Audience, err = s.d.Segments.Count(ctx, seg.Definition); err != nil {
		return Preview{}, err
	}
	to := example
	if p.Audience > 0 {
		first, _, err := s.d.Segments.Members(ctx, seg.Definition, 1, "")
		if err != nil {
			return Preview{}, err
		}
		if len(first) == 1 {
			if prof, err := s.d.Profiles.Get(ctx, first[0].ID); err == nil {
				to = marketing.RecipientOf(prof)
			}
		}
	}
	p.SampleTo = firstOf(to.Name, to.Email, "a member")
	p.Subject, p.Body = c.message(to)
	return p, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
