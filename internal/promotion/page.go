package promotion

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
)

// PageOptions filter and page a promotion listing.
type PageOptions struct {
	Query  string // a part of the name or code, any letter case
	Active *bool  // only active (true) or switched-off (false) promotions; nil: both
	After  string // Page.Next of the previous page
	Limit  int    // default 50, at most 200
}

// Page is one page of promotions, newest first.
type Page struct {
	Promotions []Stored `json:"promotions"`
	Next       string   `json:"next,omitempty"` // pass as After for the next page; empty on the last
}

// likeEscaper makes % and _ match themselves in a LIKE … ESCAPE '\' pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// ListPage lists promotions newest first (by creation), a page at a time.
func (s *Service) ListPage(ctx context.Context, o PageOptions) (Page, error) {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	o.Limit = min(o.Limit, 200)
	var where []string
	var args []any
	if q := strings.TrimSpace(o.Query); q != "" {
		like := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
		where = append(where, `(LOWER(name) LIKE ? ESCAPE '\' OR LOWER(code) LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	if o.Active != nil {
		where, args = append(where, "active = ?"), append(args, boolInt(*o.Active))
	}
	if o.After != "" {
		at, id, err := parseCursor(o.After)
		if err != nil {
			return Page{}, err
		}
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, at, at, id)
	}
	q := "SELECT " + storedColumns + " FROM promotions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT %d", o.Limit+1), args...)
	if err != nil {
		return Page{}, fmt.Errorf("list promotions: %w", err)
	}
	list, err := scanStored(rows)
	if err != nil {
		return Page{}, err
	}
	p := Page{Promotions: list}
	if len(list) > o.Limit {
		p.Promotions = list[:o.Limit]
		last := p.Promotions[o.Limit-1]
		p.Next = strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "." + last.ID
	}
	return p, nil
}

// parseCursor reads a Page.Next: creation time in Unix milliseconds, a dot,
// the promotion id.
func parseCursor(s string) (int64, string, error) {
	ms, id, ok := strings.Cut(s, ".")
	at, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", apperr.InvalidField("after", "%q is not a page cursor", s)
	}
	return at, id, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
