package customer

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// Profile is a customer's unified profile.
type Profile struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Email       string           `json:"email"`
	Phone       string           `json:"phone"`
	CreatedAt   time.Time        `json:"created_at"`
	FirstSeenAt time.Time        `json:"first_seen_at"`
	LastSeenAt  time.Time        `json:"last_seen_at"`
	Channels    []string         `json:"channels"`
	Traits      map[string]Trait `json:"traits"`
	Consent     []Consent        `json:"consent"`
	MergedInto  string           `json:"merged_into,omitempty"`
}

// Summary is a customer as listed in search results.
type Summary struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Phone      string    `json:"phone"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Channels   []string  `json:"channels"`
}

func splitChannels(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Get returns a profile, merged-away ones included (MergedInto says where they went).
func (s *Service) Get(ctx context.Context, id string) (Profile, error) {
	var p Profile
	var created, first, last int64
	var channels string
	var into *string
	// The stored last_seen_at may lag by up to SeenGrain; the timeline knows.
	var newest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, name, email, phone, created_at, first_seen_at, last_seen_at, channels, merged_into,
		(SELECT MAX(ts) FROM events WHERE customer_id = customers.id)
		FROM customers WHERE id = ?`, id).Scan(&p.ID, &p.Name, &p.Email, &p.Phone, &created, &first, &last, &channels, &into, &newest)
	if store.IsNoRows(err) {
		return Profile{}, apperr.NotFoundf("no customer %s", id)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("load customer %s: %w", id, err)
	}
	last = max(last, newest.Int64)
	p.CreatedAt, p.FirstSeenAt, p.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	p.Channels = splitChannels(channels)
	if into != nil {
		p.MergedInto = *into
	}
	if p.Traits, err = s.traits(ctx, id); err != nil {
		return Profile{}, err
	}
	if p.Consent, err = s.consent(ctx, id); err != nil {
		return Profile{}, err
	}
	return p, nil
}

func (s *Service) traits(ctx context.Context, id string) (map[string]Trait, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT key, value, source, channel, updated_at FROM customer_traits WHERE customer_id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("load traits of %s: %w", id, err)
	}
	defer rows.Close()
	out := map[string]Trait{}
	for rows.Next() {
		var k, v string
		var t Trait
		var at int64
		if err := rows.Scan(&k, &v, &t.Source, &t.Channel, &at); err != nil {
			return nil, err
		}
		t.Value, t.UpdatedAt = json.RawMessage(v), time.UnixMilli(at).UTC()
		out[k] = t
	}
	return out, rows.Err()
}

func (s *Service) consent(ctx context.Context, id string) ([]Consent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT channel, purpose, granted, source, updated_at FROM customer_consent
		WHERE customer_id = ? ORDER BY channel, purpose`, id)
	if err != nil {
		return nil, fmt.Errorf("load consent of %s: %w", id, err)
	}
	defer rows.Close()
	out := []Consent{}
	for rows.Next() {
		var c Consent
		var granted int
		var at int64
		if err := rows.Scan(&c.Channel, &c.Purpose, &granted, &c.Source, &at); err != nil {
			return nil, err
		}
		c.Granted, c.UpdatedAt = granted == 1, time.UnixMilli(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Page is one page of a timeline, newest first; Next is the cursor of the
// following page, empty on the last.
type Page struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// MaxPage bounds page sizes.
const MaxPage = 200

// Timeline returns a customer's events from every channel, newest first,
// starting before the cursor (empty for the newest).
func (s *Service) Timeline(ctx context.Context, id string, limit int, before string) (Page, error) {
	limit = clampLimit(limit)
	ts, evID, err := decodeCursor(before)
	if err != nil {
		return Page{}, err
	}
	q := "SELECT id, customer_id, source_id, channel, type, name, message_id, ts, received_at, payload FROM events WHERE customer_id = ?"
	args := []any{id}
	if before != "" {
		q += " AND (ts < ? OR (ts = ? AND id < ?))"
		args = append(args, ts, ts, evID)
	}
	q += " ORDER BY ts DESC, id DESC LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("load timeline of %s: %w", id, err)
	}
	defer rows.Close()
	p := Page{Events: make([]Event, 0, limit)}
	for rows.Next() {
		var e Event
		var ts, recv int64
		var payload string
		if err := rows.Scan(&e.ID, &e.CustomerID, &e.SourceID, &e.Channel, &e.Type, &e.Name, &e.MessageID, &ts, &recv, &payload); err != nil {
			return Page{}, err
		}
		e.Timestamp, e.ReceivedAt, e.Payload = time.UnixMilli(ts).UTC(), time.UnixMilli(recv).UTC(), json.RawMessage(payload)
		p.Events = append(p.Events, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(p.Events) > limit {
		p.Events = p.Events[:limit]
		last := p.Events[limit-1]
		p.Next = encodeCursor(last.Timestamp.UnixMilli(), last.ID)
	}
	return p, nil
}

func clampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, MaxPage)
}

func encodeCursor(ts int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ts, 10) + ":" + id))
}

func decodeCursor(c string) (int64, string, error) {
	if c == "" {
		return 0, "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if tsStr, id, ok := strings.Cut(string(raw), ":"); ok {
			if ts, err := strconv.ParseInt(tsStr, 10, 64); err == nil {
				return ts, id, nil
			}
		}
	}
	return 0, "", apperr.InvalidField("before", "not a cursor from a previous page")
}

// Search finds live customers whose name, email or phone starts with query
// (case-insensitive), ordered by id; cursor is the last id of the previous page.
func (s *Service) Search(ctx context.Context, query string, limit int, cursor string) ([]Summary, string, error) {
	limit = clampLimit(limit)
	q := strings.ToLower(strings.TrimSpace(query))
	where, args := "merged_into IS NULL", []any{}
	if q != "" {
		hi := q + "\U0010FFFF"
		where += " AND ((name_lc >= ? AND name_lc < ?) OR (email >= ? AND email < ?) OR (phone >= ? AND phone < ?))"
		args = append(args, q, hi, q, hi, q, hi)
	}
	if cursor != "" {
		where += " AND id > ?"
		args = append(args, cursor)
	}
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, email, phone, last_seen_at, channels FROM customers WHERE "+
		where+" ORDER BY id LIMIT ?", args...)
	if err != nil {
		return nil, "", fmt.Errorf("search customers: %w", err)
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var c Summary
		var last int64
		var channels string
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &last, &channels); err != nil {
			return nil, "", err
		}
		c.LastSeenAt, c.Channels = time.UnixMilli(last).UTC(), splitChannels(channels)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}
