package journey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// Enrolment is one customer's passage through a journey and its outcome.
type Enrolment struct {
	ID           string          `json:"id"`
	JourneyID    string          `json:"journey_id"`
	CustomerID   string          `json:"customer_id"`
	State        string          `json:"state"`            // waiting, sent, skipped, failed
	Reason       string          `json:"reason,omitempty"` // why skipped or failed
	SubjectID    string          `json:"subject_id,omitempty"`
	Detail       json.RawMessage `json:"detail"`
	LastChangeAt time.Time       `json:"last_change_at"`
	DueAt        time.Time       `json:"due_at"`
	EnrolledAt   time.Time       `json:"enrolled_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	MessageID    string          `json:"message_id,omitempty"`
	Channel      string          `json:"channel,omitempty"`
	SentAt       *time.Time      `json:"sent_at,omitempty"`
	OrderID      string          `json:"order_id,omitempty"`
	ConvertedAt  *time.Time      `json:"converted_at,omitempty"`
	Revenue      int64           `json:"revenue"`
	Currency     string          `json:"currency,omitempty"`
}

// EnrolmentPage is a page of enrolments, newest first; Next is the cursor of
// the following page, empty on the last.
type EnrolmentPage struct {
	Enrolments []Enrolment `json:"enrolments"`
	Next       string      `json:"next,omitempty"`
}

// MaxPage bounds a page of enrolments.
const MaxPage = 200

var states = []string{Waiting, Sent, Skipped, Failed}

const enrolmentCols = `id, journey_id, customer_id, state, reason, subject_id, detail, last_change_at, due_at, enrolled_at,
	updated_at, message_id, channel, sent_at, order_id, converted_at, revenue, currency`

// Enrolments lists a journey's enrolments, newest first, optionally in one
// state; cursor is the previous page's Next.
func (s *Service) Enrolments(ctx context.Context, jid, state string, limit int, cursor string) (EnrolmentPage, error) {
	if _, err := s.Get(ctx, jid); err != nil {
		return EnrolmentPage{}, err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxPage)
	q := "SELECT " + enrolmentCols + " FROM journey_enrolments WHERE journey_id = ?"
	args := []any{jid}
	if state != "" {
		if !slices.Contains(states, state) {
			return EnrolmentPage{}, apperr.InvalidField("state", "unknown state %q (want %s)", state, strings.Join(states, ", "))
		}
		q += " AND state = ?"
		args = append(args, state)
	}
	if cursor != "" {
		at, eid, err := decodeCursor(cursor)
		if err != nil {
			return EnrolmentPage{}, err
		}
		q += " AND (enrolled_at < ? OR (enrolled_at = ? AND id < ?))"
		args = append(args, at, at, eid)
	}
	q += " ORDER BY enrolled_at DESC, id DESC LIMIT ?"
	rows, err := s.db.QueryContext(ctx, q, append(args, limit+1)...)
	if err != nil {
		return EnrolmentPage{}, fmt.Errorf("list enrolments of %s: %w", jid, err)
	}
	defer rows.Close()
	page := EnrolmentPage{Enrolments: []Enrolment{}}
	for rows.Next() {
		e, err := scanEnrolment(rows)
		if err != nil {
			return EnrolmentPage{}, fmt.Errorf("list enrolments of %s: %w", jid, err)
		}
		page.Enrolments = append(page.Enrolments, e)
	}
	if err := rows.Err(); err != nil {
		return EnrolmentPage{}, err
	}
	if len(page.Enrolments) > limit {
		page.Enrolments = page.Enrolments[:limit]
		last := page.Enrolments[limit-1]
		page.Next = encodeCursor(last.EnrolledAt.UnixMilli(), last.ID)
	}
	return page, nil
}

// stats counts the outcomes of one journey, or of every journey when jid is
// empty.
func (s *Service) stats(ctx context.Context, jid string) (map[string]Stats, error) {
	q := `SELECT journey_id, state, COUNT(*), COUNT(converted_at), currency, COALESCE(SUM(revenue), 0)
		FROM journey_enrolments`
	var args []any
	if jid != "" {
		q += " WHERE journey_id = ?"
		args = append(args, jid)
	}
	rows, err := s.db.QueryContext(ctx, q+" GROUP BY journey_id, state, currency", args...)
	if err != nil {
		return nil, fmt.Errorf("journey results: %w", err)
	}
	defer rows.Close()
	out := map[string]Stats{}
	for rows.Next() {
		var j, state, cur string
		var n, converted, revenue int64
		if err := rows.Scan(&j, &state, &n, &converted, &cur, &revenue); err != nil {
			return nil, fmt.Errorf("journey results: %w", err)
		}
		st, ok := out[j]
		if !ok {
			st.Revenue = map[string]int64{}
		}
		st.Enrolled += n
		st.Converted += converted
		switch state {
		case Waiting:
			st.Waiting += n
		case Sent:
			st.Sent += n
		case Skipped:
			st.Skipped += n
		case Failed:
			st.Failed += n
		}
		if revenue != 0 && cur != "" {
			st.Revenue[cur] += revenue
		}
		out[j] = st
	}
	return out, rows.Err()
}

func scanEnrolment(row scanner) (Enrolment, error) {
	var e Enrolment
	var detail string
	var change, due, enrolled, updated int64
	var sent, converted *int64
	err := row.Scan(&e.ID, &e.JourneyID, &e.CustomerID, &e.State, &e.Reason, &e.SubjectID, &detail, &change, &due, &enrolled,
		&updated, &e.MessageID, &e.Channel, &sent, &e.OrderID, &converted, &e.Revenue, &e.Currency)
	if err != nil {
		return Enrolment{}, err
	}
	e.Detail = json.RawMessage(detail)
	e.LastChangeAt, e.DueAt, e.EnrolledAt, e.UpdatedAt = ms(change), ms(due), ms(enrolled), ms(updated)
	e.SentAt, e.ConvertedAt = msPtr(sent), msPtr(converted)
	return e, nil
}

func msPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := ms(*v)
	return &t
}

func encodeCursor(at int64, eid string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + ":" + eid))
}

func decodeCursor(c string) (int64, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if at, eid, ok := strings.Cut(string(raw), ":"); ok {
			if n, err := strconv.ParseInt(at, 10, 64); err == nil {
				return n, eid, nil
			}
		}
	}
	return 0, "", apperr.InvalidField("cursor", "not a cursor from a previous page")
}
