package journey

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

const journeyCols = `id, name, kind, wait_ms, subject, template, enabled, channels, cap_messages, cap_days,
	quiet_start, quiet_end, time_zone, created_at, updated_at`

// Create stores a new journey.
func (s *Service) Create(ctx context.Context, in Input) (Journey, error) {
	in, err := normalize(in)
	if err != nil {
		return Journey{}, err
	}
	jid, now := id.New("jny"), s.now().UnixMilli()
	_, err = s.db.ExecContext(ctx, `INSERT INTO journeys (`+journeyCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		jid, in.Name, string(in.Kind), in.WaitSeconds*1000, in.Subject, in.Template, boolInt(in.Enabled),
		strings.Join(in.Channels, ","), in.Cap.Messages, in.Cap.Days, in.Quiet.Start, in.Quiet.End, in.Quiet.TimeZone, now, now)
	if err != nil {
		return Journey{}, fmt.Errorf("store journey: %w", err)
	}
	s.forget()
	return s.Get(ctx, jid)
}

// Update replaces a journey's settings. Turning a journey off ends the
// waits of its enrolments (skipped, "journey disabled"); a new wait applies
// from the next change.
func (s *Service) Update(ctx context.Context, jid string, in Input) (Journey, error) {
	in, err := normalize(in)
	if err != nil {
		return Journey{}, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE journeys SET name = ?, kind = ?, wait_ms = ?, subject = ?, template = ?,
			enabled = ?, channels = ?, cap_messages = ?, cap_days = ?, quiet_start = ?, quiet_end = ?, time_zone = ?, updated_at = ?
			WHERE id = ? AND deleted_at IS NULL`, in.Name, string(in.Kind), in.WaitSeconds*1000, in.Subject, in.Template,
			boolInt(in.Enabled), strings.Join(in.Channels, ","), in.Cap.Messages, in.Cap.Days, in.Quiet.Start, in.Quiet.End,
			in.Quiet.TimeZone, now, jid)
		if err != nil {
			return fmt.Errorf("update journey %s: %w", jid, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("no journey %s", jid)
		}
		if !in.Enabled {
			return s.endWaitsTx(ctx, tx, jid, ReasonDisabled)
		}
		return nil
	})
	if err != nil {
		return Journey{}, err
	}
	s.forget()
	return s.Get(ctx, jid)
}

// Delete removes a journey from lists and ends its waits; its messages keep
// counting towards frequency caps.
func (s *Service) Delete(ctx context.Context, jid string) error {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE journeys SET deleted_at = ?, enabled = 0 WHERE id = ? AND deleted_at IS NULL",
			s.now().UnixMilli(), jid)
		if err != nil {
			return fmt.Errorf("delete journey %s: %w", jid, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("no journey %s", jid)
		}
		return s.endWaitsTx(ctx, tx, jid, ReasonDisabled)
	})
	s.forget()
	return err
}

func (s *Service) endWaitsTx(ctx context.Context, tx *store.Tx, jid, reason string) error {
	_, err := tx.ExecContext(ctx, "UPDATE journey_enrolments SET state = ?, reason = ?, updated_at = ? WHERE journey_id = ? AND state = ?",
		Skipped, reason, s.now().UnixMilli(), jid, Waiting)
	if err != nil {
		return fmt.Errorf("end waits of %s: %w", jid, err)
	}
	return nil
}

// Get returns a journey with its results.
func (s *Service) Get(ctx context.Context, jid string) (Journey, error) {
	j, err := scanJourney(s.db.QueryRowContext(ctx, "SELECT "+journeyCols+" FROM journeys WHERE id = ? AND deleted_at IS NULL", jid))
	if store.IsNoRows(err) {
		return Journey{}, apperr.NotFoundf("no journey %s", jid)
	}
	if err != nil {
		return Journey{}, fmt.Errorf("load journey %s: %w", jid, err)
	}
	stats, err := s.stats(ctx, jid)
	if err != nil {
		return Journey{}, err
	}
	if st, ok := stats[jid]; ok {
		j.Stats = st
	}
	return j, nil
}

// List returns every journey with its results, newest first.
func (s *Service) List(ctx context.Context) ([]Journey, error) {
	out, err := s.load(ctx, "deleted_at IS NULL")
	if err != nil {
		return nil, err
	}
	stats, err := s.stats(ctx, "")
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

func (s *Service) load(ctx context.Context, where string, args ...any) ([]Journey, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+journeyCols+" FROM journeys WHERE "+where+" ORDER BY created_at DESC, id DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("list journeys: %w", err)
	}
	defer rows.Close()
	out := []Journey{}
	for rows.Next() {
		j, err := scanJourney(rows)
		if err != nil {
			return nil, fmt.Errorf("list journeys: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// cacheTTL bounds how long another node's change to a journey takes to
// reach this node's timeline hook.
const cacheTTL = 10 * time.Second

// enabled returns the enabled journeys of a kind, from a cache refreshed
// every cacheTTL and whenever this node changes a journey.
func (s *Service) enabled(ctx context.Context, kind Kind) ([]Journey, error) {
	s.mu.Lock()
	list, fresh := s.cached, time.Now().Before(s.expiry)
	s.mu.Unlock()
	if !fresh {
		var err error
		if list, err = s.load(ctx, "deleted_at IS NULL AND enabled = 1"); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.cached, s.expiry = list, time.Now().Add(cacheTTL)
		s.mu.Unlock()
	}
	var out []Journey
	for _, j := range list {
		if j.Kind == kind {
			out = append(out, j)
		}
	}
	return out, nil
}

func (s *Service) forget() {
	s.mu.Lock()
	s.expiry = time.Time{}
	s.mu.Unlock()
}

type scanner interface{ Scan(dest ...any) error }

func scanJourney(row scanner) (Journey, error) {
	var j Journey
	var kind, channels string
	var waitMs, created, updated int64
	var enabled int
	err := row.Scan(&j.ID, &j.Name, &kind, &waitMs, &j.Subject, &j.Template, &enabled, &channels, &j.Cap.Messages, &j.Cap.Days,
		&j.Quiet.Start, &j.Quiet.End, &j.Quiet.TimeZone, &created, &updated)
	if err != nil {
		return Journey{}, err
	}
	j.Kind, j.WaitSeconds, j.Enabled = Kind(kind), waitMs/1000, enabled == 1
	j.Channels = []string{}
	if channels != "" {
		j.Channels = strings.Split(channels, ",")
	}
	j.CreatedAt, j.UpdatedAt = ms(created), ms(updated)
	j.Stats.Revenue = map[string]int64{}
	return j, nil
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
