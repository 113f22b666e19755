package analytics

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// RefreshInfo describes the snapshot in use.
type RefreshInfo struct {
	ID         string    `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Events     int64     `json:"events"`
	Customers  int64     `json:"customers"`
}

// replayer builds each customer's journey and feeds the aggregates.
type replayer struct {
	gap   int64
	snap  *snapshotAgg
	strat *strategyAgg
}

func (r *replayer) customer(id string, recs []record) {
	j := buildJourney(id, recs, r.gap)
	if r.snap != nil {
		r.snap.add(&j)
	}
	if r.strat != nil {
		r.strat.add(&j)
	}
}

// allTime is a period covering every event.
var allTime = Period{From: Day(math.MinInt32), To: Day(math.MaxInt32)}

// Refresh replays the whole event log, replaces the snapshot (attribution,
// cohorts, segments, service figures and the all-time strategy report) in
// one transaction and returns what it recorded. progress, when set, is
// called from the reading goroutines with the running count of events.
func (s *Service) Refresh(ctx context.Context, progress func(events int64)) (RefreshInfo, error) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	started := s.opts.Now()
	cs, err := s.replay(ctx, replayOptions{campaigns: true, workers: s.opts.Workers, progress: progress}, func() consumer {
		return &replayer{gap: s.opts.SessionGap.Milliseconds(), snap: newSnapshotAgg(s.opts), strat: newStrategyAgg(s.opts, allTime)}
	})
	if err != nil {
		return RefreshInfo{}, err
	}
	all := cs[0].(*replayer)
	for _, c := range cs[1:] {
		all.snap.merge(c.(*replayer).snap)
		all.strat.merge(c.(*replayer).strat)
	}
	finished := s.opts.Now()
	report := all.strat.report(finished)
	report.Period = s.eventSpan(ctx)
	info := RefreshInfo{ID: id.New("arf"), StartedAt: started.UTC(), FinishedAt: finished.UTC(),
		Events: all.snap.events, Customers: all.snap.customers}
	err = s.db.InTx(ctx, func(tx *store.Tx) error { return writeSnapshot(ctx, tx, all.snap, report, info, s.opts) })
	return info, err
}

// eventSpan is the range of days with events.
func (s *Service) eventSpan(ctx context.Context) Range {
	var lo, hi *int64
	if err := s.db.QueryRowContext(ctx, "SELECT MIN(day), MAX(day) FROM analytics_daily").Scan(&lo, &hi); err != nil || lo == nil || hi == nil {
		return Range{}
	}
	return Period{From: Day(*lo), To: Day(*hi) + 1}.Range()
}

func writeSnapshot(ctx context.Context, tx *store.Tx, a *snapshotAgg, report StrategyReport, info RefreshInfo, o Options) error {
	for _, t := range []string{"analytics_attribution", "analytics_cohorts", "analytics_cohort_value",
		"analytics_cohort_revenue", "analytics_segments", "analytics_service", "analytics_refreshes"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return wrap("clear "+t, err)
		}
	}
	var rows [][]any
	for k, v := range a.attrib {
		rows = append(rows, []any{int64(k.day), string(k.model), k.channel, k.campaign, k.currency, v.minor, v.milli})
	}
	if err := insertRows(ctx, tx, "analytics_attribution", "day, model, channel, campaign, currency, credit_minor, conversions_milli", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range a.cohorts {
		rows = append(rows, []any{monthName(k.cohort), k.channel, k.segment, k.offset, v})
	}
	if err := insertRows(ctx, tx, "analytics_cohorts", "cohort, channel, segment, month_offset, customers", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range a.cohortVals {
		rows = append(rows, []any{monthName(k.cohort), k.channel, k.segment, v.customers, v.repeat, v.orders})
	}
	if err := insertRows(ctx, tx, "analytics_cohort_value", "cohort, channel, segment, customers, repeat_customers, orders", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range a.cohortRev {
		rows = append(rows, []any{monthName(k.cohort), k.channel, k.segment, k.currency, v})
	}
	if err := insertRows(ctx, tx, "analytics_cohort_revenue", "cohort, channel, segment, currency, revenue_minor", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range a.segs {
		rows = append(rows, []any{monthName(k.month), k.channel, k.segment, v.customers, v.purchasers})
	}
	if err := insertRows(ctx, tx, "analytics_segments", "month, channel, segment, customers, purchasers", rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range a.service {
		rows = append(rows, []any{int64(k.day), k.channel, v.conversations, v.inbound, v.outbound, v.responded,
			v.firstResponseMs, v.resolutionMs, v.contacts, v.crossChannel})
	}
	if err := insertRows(ctx, tx, "analytics_service", "day, channel, conversations, inbound, outbound, responded, first_response_ms, resolution_ms, contacts, cross_channel", rows); err != nil {
		return err
	}
	rep, err := json.Marshal(report)
	if err != nil {
		return wrap("encode strategy report", err)
	}
	opts, _ := json.Marshal(map[string]any{"lookback_ms": o.Lookback.Milliseconds(), "half_life_ms": o.HalfLife.Milliseconds(),
		"session_gap_ms": o.SessionGap.Milliseconds(), "context_window_ms": o.ContextWindow.Milliseconds(),
		"cart_window_ms": o.CartWindow.Milliseconds(), "default_currency": o.DefaultCurrency})
	_, err = tx.ExecContext(ctx, `INSERT INTO analytics_refreshes (id, started_at, finished_at, events, customers, options, report)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, info.ID, info.StartedAt.UnixMilli(), info.FinishedAt.UnixMilli(), info.Events,
		info.Customers, string(opts), string(rep))
	return wrap("record refresh", err)
}

// insertRows inserts rows into table in multi-row statements.
func insertRows(ctx context.Context, tx *store.Tx, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, 30000/width/10)
	tuple := "(" + store.Placeholders(width) + ")"
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, len(chunk)*width)
		for i, r := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(tuple)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return wrap("write "+table, err)
		}
	}
	return nil
}

// snapshot returns the latest refresh, running a first one when there is
// none yet.
func (s *Service) snapshot(ctx context.Context) (RefreshInfo, error) {
	info, ok, err := s.LatestRefresh(ctx)
	if err != nil || ok {
		return info, err
	}
	return s.Refresh(ctx, nil)
}

// LatestRefresh returns the snapshot in use; ok is false before the first.
func (s *Service) LatestRefresh(ctx context.Context) (RefreshInfo, bool, error) {
	var info RefreshInfo
	var started, finished int64
	err := s.db.QueryRowContext(ctx, `SELECT id, started_at, finished_at, events, customers FROM analytics_refreshes
		ORDER BY finished_at DESC LIMIT 1`).Scan(&info.ID, &started, &finished, &info.Events, &info.Customers)
	if store.IsNoRows(err) {
		return info, false, nil
	}
	if err != nil {
		return info, false, wrap("load latest refresh", err)
	}
	info.StartedAt, info.FinishedAt = time.UnixMilli(started).UTC(), time.UnixMilli(finished).UTC()
	return info, true, nil
}

// StoredStrategy returns the all-time strategy report of the latest refresh.
func (s *Service) StoredStrategy(ctx context.Context) (StrategyReport, error) {
	if _, err := s.snapshot(ctx); err != nil {
		return StrategyReport{}, err
	}
	var raw string
	if err := s.db.QueryRowContext(ctx, "SELECT report FROM analytics_refreshes ORDER BY finished_at DESC LIMIT 1").Scan(&raw); err != nil {
		return StrategyReport{}, wrap("load strategy report", err)
	}
	var r StrategyReport
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return r, wrap("decode strategy report", err)
	}
	return r, nil
}

// Strategy replays the event log up to the end of p and reports, for the
// events in p, what running the channels as silos would lose. It reads the
// whole log (history before p gives context), so it takes time on large
// logs: the CLI shows progress; the dashboard reads StoredStrategy.
func (s *Service) Strategy(ctx context.Context, p Period, progress func(events int64)) (StrategyReport, error) {
	cs, err := s.replay(ctx, replayOptions{until: p.EndMs(), workers: s.opts.Workers, progress: progress}, func() consumer {
		return &replayer{gap: s.opts.SessionGap.Milliseconds(), strat: newStrategyAgg(s.opts, p)}
	})
	if err != nil {
		return StrategyReport{}, err
	}
	all := cs[0].(*replayer).strat
	for _, c := range cs[1:] {
		all.merge(c.(*replayer).strat)
	}
	return all.report(s.opts.Now()), nil
}
