package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

const campaignCols = `id, name, slug, channel, segment_id, subject, body, promotion_code, link, cap_messages, cap_days,
	quiet_start, quiet_end, time_zone, status, error, send_at, started_at, snapshot_at, finished_at, created_at, updated_at`

// slugTries bounds the numbered slugs tried when the one made from the
// name is taken ("autumn-sale-2", "autumn-sale-3"…).
const slugTries = 50

// Create stores a new draft campaign. A slug made from the name gets a
// number when another campaign has it; a chosen slug that is taken is
// refused.
func (s *Service) Create(ctx context.Context, in Input) (Campaign, error) {
	in, given, err := normalize(in)
	if err != nil {
		return Campaign{}, err
	}
	if err := s.check(ctx, in); err != nil {
		return Campaign{}, err
	}
	cid, now := id.New("cmp"), s.now().UnixMilli()
	base := in.Slug
	for try := 1; ; try++ {
		if try > 1 {
			in.Slug = fmt.Sprintf("%s-%d", base, try)
		}
		_, err = s.db.ExecContext(ctx, `INSERT INTO campaigns (id, name, slug, channel, segment_id, subject, body, promotion_code,
			link, cap_messages, cap_days, quiet_start, quiet_end, time_zone, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			cid, in.Name, in.Slug, in.Channel, in.SegmentID, in.Subject, in.Body, in.PromotionCode, in.Link,
			in.Cap.Messages, in.Cap.Days, in.Quiet.Start, in.Quiet.End, in.Quiet.TimeZone, string(Draft), now, now)
		if !store.IsUniqueViolation(err) {
			break
		}
		if given || try == slugTries {
			return Campaign{}, &apperr.Error{Code: apperr.Conflict, Field: "slug",
				Message: fmt.Sprintf("another campaign has the slug %q; choose another", in.Slug)}
		}
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("store campaign: %w", err)
	}
	return s.Get(ctx, cid)
}

// Update replaces the content and settings of a campaign that has not
// started sending. A cancelled campaign becomes a draft again; a scheduled
// one keeps its time.
func (s *Service) Update(ctx context.Context, cid string, in Input) (Campaign, error) {
	cur, err := s.Get(ctx, cid)
	if err != nil {
		return Campaign{}, err
	}
	if !cur.Editable() {
		return Campaign{}, notEditable(cur)
	}
	in, _, err = normalize(in)
	if err != nil {
		return Campaign{}, err
	}
	if err := s.check(ctx, in); err != nil {
		return Campaign{}, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaigns SET name = ?, slug = ?, channel = ?, segment_id = ?, subject = ?, body = ?,
		promotion_code = ?, link = ?, cap_messages = ?, cap_days = ?, quiet_start = ?, quiet_end = ?, time_zone = ?,
		status = CASE WHEN status = 'cancelled' THEN 'draft' ELSE status END, updated_at = ?
		WHERE id = ? AND status IN ('draft', 'scheduled', 'cancelled') AND started_at IS NULL`,
		in.Name, in.Slug, in.Channel, in.SegmentID, in.Subject, in.Body, in.PromotionCode, in.Link, in.Cap.Messages, in.Cap.Days,
		in.Quiet.Start, in.Quiet.End, in.Quiet.TimeZone, s.now().UnixMilli(), cid)
	if store.IsUniqueViolation(err) {
		return Campaign{}, &apperr.Error{Code: apperr.Conflict, Field: "slug",
			Message: fmt.Sprintf("another campaign has the slug %q; choose another", in.Slug)}
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("update campaign %s: %w", cid, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Campaign{}, s.stateConflict(ctx, cid, notEditable)
	}
	return s.Get(ctx, cid)
}

func notEditable(c Campaign) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "status",
		Message: fmt.Sprintf("campaign %s is %s and has started sending: its message can no longer change", c.ID, c.Status)}
}

// stateConflict explains why a conditional update changed nothing: the
// campaign is gone, or its status (changed meanwhile) does not allow it.
func (s *Service) stateConflict(ctx context.Context, cid string, why func(Campaign) error) error {
	c, err := s.Get(ctx, cid)
	if err != nil {
		return err
	}
	return why(c)
}

// Get returns a campaign with its results.
func (s *Service) Get(ctx context.Context, cid string) (Campaign, error) {
	list, err := s.load(ctx, cid)
	if err != nil {
		return Campaign{}, err
	}
	if len(list) == 0 {
		return Campaign{}, apperr.NotFoundf("no campaign %s", cid)
	}
	return list[0], nil
}

// List returns every campaign with its results, newest first.
func (s *Service) List(ctx context.Context) ([]Campaign, error) {
	return s.load(ctx, "")
}

// load reads one campaign, or every one when cid is empty, with results.
func (s *Service) load(ctx context.Context, cid string) ([]Campaign, error) {
	q, args := "SELECT "+campaignCols+" FROM campaigns", []any{}
	if cid != "" {
		q, args = q+" WHERE id = ?", append(args, cid)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY created_at DESC, id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("read campaigns: %w", err)
	}
	defer rows.Close()
	out := []Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("read campaigns: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read campaigns: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	stats, err := s.stats(ctx, cid)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if st, ok := stats[out[i].ID]; ok {
			out[i].Stats = st
		}
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanCampaign(row scanner) (Campaign, error) {
	var c Campaign
	var status string
	var sendAt, started, snapshot, finished *int64
	var created, updated int64
	err := row.Scan(&c.ID, &c.Name, &c.Slug, &c.Channel, &c.SegmentID, &c.Subject, &c.Body, &c.PromotionCode, &c.Link,
		&c.Cap.Messages, &c.Cap.Days, &c.Quiet.Start, &c.Quiet.End, &c.Quiet.TimeZone, &status, &c.Error,
		&sendAt, &started, &snapshot, &finished, &created, &updated)
	if err != nil {
		return Campaign{}, err
	}
	c.Status = Status(status)
	c.SendAt, c.StartedAt, c.SnapshotAt, c.FinishedAt = msPtr(sendAt), msPtr(started), msPtr(snapshot), msPtr(finished)
	c.CreatedAt, c.UpdatedAt = ms(created), ms(updated)
	c.Stats = emptyStats()
	return c, nil
}

func emptyStats() Stats {
	return Stats{SkippedBy: map[string]int64{}, Revenue: map[string]int64{}}
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func msPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := ms(*v)
	return &t
}
