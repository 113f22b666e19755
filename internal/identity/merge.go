package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// Merge records two profiles becoming one.
type Merge struct {
	ID          string       `json:"id"`
	SurvivorID  string       `json:"survivor_id"`
	MergedID    string       `json:"merged_id"`
	Reason      string       `json:"reason"`
	Identifiers []Identifier `json:"identifiers"`
	Channel     string       `json:"channel"`
	At          time.Time    `json:"at"`
}

// profileShape is what a merge decision needs to know of a profile.
type profileShape struct {
	counts    map[Type]int
	strongest int // priority of its strongest identifier
	created   int64
	keys      []string
}

func (b *Batch) shape(ctx context.Context, cid string) (profileShape, error) {
	p := profileShape{counts: map[Type]int{}, strongest: len(Types)}
	rows, err := b.tx.QueryContext(ctx, "SELECT type, value FROM identities WHERE customer_id = ?", cid)
	if err != nil {
		return p, fmt.Errorf("load identities of %s: %w", cid, err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, v string
		if err := rows.Scan(&t, &v); err != nil {
			return p, err
		}
		p.counts[Type(t)]++
		p.strongest = min(p.strongest, Type(t).Priority())
		p.keys = append(p.keys, Identifier{Type(t), v}.String())
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	err = b.tx.QueryRowContext(ctx, "SELECT created_at FROM customers WHERE id = ?", cid).Scan(&p.created)
	if err != nil {
		return p, fmt.Errorf("load customer %s: %w", cid, err)
	}
	return p, nil
}

// mergeIfFits merges profiles a and b when their union stays within the
// limits. The survivor is the one holding the stronger identifier, or the
// older one. It returns nil when the profiles must stay apart.
func (b *Batch) mergeIfFits(ctx context.Context, a, c string, seen []Identifier, channel string, at time.Time) (*Merge, error) {
	// A merge reads both profiles back and moves their rows.
	if err := b.Flush(ctx); err != nil {
		return nil, err
	}
	pa, err := b.shape(ctx, a)
	if err != nil {
		return nil, err
	}
	pc, err := b.shape(ctx, c)
	if err != nil {
		return nil, err
	}
	for t, n := range pa.counts {
		if n+pc.counts[t] > b.s.limits[t] {
			return nil, nil
		}
	}
	into, from, moved := c, a, pa.keys
	if pa.strongest < pc.strongest || (pa.strongest == pc.strongest && pa.created < pc.created) {
		into, from, moved = a, c, pc.keys
	}
	m := &Merge{ID: id.New("mrg"), SurvivorID: into, MergedID: from, Identifiers: seen, Channel: channel,
		At: at.UTC().Truncate(time.Millisecond), Reason: reason(seen, channel)}
	if err := b.merge(ctx, m); err != nil {
		return nil, err
	}
	for _, k := range moved {
		b.overlay[k] = into
	}
	delete(b.fresh, into) // its counts changed; count from the table from now on
	delete(b.fresh, from)
	return m, nil
}

func reason(seen []Identifier, channel string) string {
	parts := make([]string, len(seen))
	for i, s := range seen {
		parts[i] = s.String()
	}
	return fmt.Sprintf("%s seen together on channel %s", strings.Join(parts, ", "), channel)
}

func (b *Batch) merge(ctx context.Context, m *Merge) error {
	idsJSON, err := json.Marshal(m.Identifiers)
	if err != nil {
		return err
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{"UPDATE identities SET customer_id = ? WHERE customer_id = ?", []any{m.SurvivorID, m.MergedID}},
		{"UPDATE customers SET merged_into = ? WHERE id = ? OR merged_into = ?", []any{m.SurvivorID, m.MergedID, m.MergedID}},
		{"INSERT INTO customer_merges (id, survivor_id, merged_id, reason, identifiers, channel, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			[]any{m.ID, m.SurvivorID, m.MergedID, m.Reason, string(idsJSON), m.Channel, m.At.UnixMilli()}},
	}
	for _, st := range stmts {
		if _, err := b.tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("merge %s into %s: %w", m.MergedID, m.SurvivorID, err)
		}
	}
	for _, h := range b.s.hooks {
		if err := h(ctx, b.tx, m.MergedID, m.SurvivorID); err != nil {
			return fmt.Errorf("merge %s into %s: %w", m.MergedID, m.SurvivorID, err)
		}
	}
	return nil
}

// Merges returns the merge log of a customer: merges it survived and the one
// that merged it away, oldest first.
func (s *Service) Merges(ctx context.Context, customerID string) ([]Merge, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, survivor_id, merged_id, reason, identifiers, channel, at
		FROM customer_merges WHERE survivor_id = ? OR merged_id = ? ORDER BY at, id`, customerID, customerID)
	if err != nil {
		return nil, fmt.Errorf("load merges of %s: %w", customerID, err)
	}
	defer rows.Close()
	out := []Merge{}
	for rows.Next() {
		var m Merge
		var idsJSON string
		var at int64
		if err := rows.Scan(&m.ID, &m.SurvivorID, &m.MergedID, &m.Reason, &idsJSON, &m.Channel, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(idsJSON), &m.Identifiers); err != nil {
			return nil, fmt.Errorf("decode merge %s: %w", m.ID, err)
		}
		m.At = time.UnixMilli(at).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// Survivor follows a merged-away customer id to the live profile. It returns
// the id itself for a live profile, and whether it was redirected.
func (s *Service) Survivor(ctx context.Context, customerID string) (string, bool, error) {
	return s.SurvivorTx(ctx, nil, customerID)
}

// SurvivorTx is Survivor read through q (a transaction, or nil for the
// database).
func (s *Service) SurvivorTx(ctx context.Context, q store.Querier, customerID string) (string, bool, error) {
	if q == nil {
		q = s.db
	}
	var into *string
	err := q.QueryRowContext(ctx, "SELECT merged_into FROM customers WHERE id = ?", customerID).Scan(&into)
	if store.IsNoRows(err) {
		return "", false, notFound(customerID)
	}
	if err != nil {
		return "", false, fmt.Errorf("load customer %s: %w", customerID, err)
	}
	if into == nil {
		return customerID, false, nil
	}
	return *into, true, nil
}

// Identity is an identifier held by a profile, with where it was first seen.
type Identity struct {
	Identifier
	Channel     string    `json:"channel"`
	FirstSeenAt time.Time `json:"first_seen_at"`
}

// Identities lists the identifiers a profile holds, strongest type first.
func (s *Service) Identities(ctx context.Context, customerID string) ([]Identity, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT type, value, channel, first_seen_at FROM identities WHERE customer_id = ? ORDER BY first_seen_at, type, value", customerID)
	if err != nil {
		return nil, fmt.Errorf("load identities of %s: %w", customerID, err)
	}
	defer rows.Close()
	out := []Identity{}
	for rows.Next() {
		var i Identity
		var t string
		var at int64
		if err := rows.Scan(&t, &i.Value, &i.Channel, &at); err != nil {
			return nil, err
		}
		i.Type, i.FirstSeenAt = Type(t), time.UnixMilli(at).UTC()
		out = append(out, i)
	}
	slices.SortStableFunc(out, func(a, b Identity) int { return a.Type.Priority() - b.Type.Priority() })
	return out, rows.Err()
}
