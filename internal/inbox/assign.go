package inbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// Agent is a person answering conversations, as the inbox knows them: the
// API token or login they work with, and whether they are online.
type Agent struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Available bool      `json:"available"`
	Online    bool      `json:"online"`
	SeenAt    time.Time `json:"seen_at"`
}

// Seen records that an agent is online now (their live stream is connected).
// Online agents that are available take turns in round-robin assignment.
func (s *Service) Seen(ctx context.Context, agentID, name string) error {
	if agentID == "" {
		return apperr.InvalidField("agent", "is required")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO inbox_agents (id, name, seen_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at`, agentID, name, s.nowMs())
	if err != nil {
		return fmt.Errorf("record agent %s: %w", agentID, err)
	}
	return nil
}

// Gone records that an agent's last live stream closed: they are offline.
func (s *Service) Gone(ctx context.Context, agentID string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE inbox_agents SET seen_at = 0 WHERE id = ?", agentID); err != nil {
		return fmt.Errorf("record agent %s offline: %w", agentID, err)
	}
	return nil
}

// SetAvailable says whether an online agent takes new conversations.
func (s *Service) SetAvailable(ctx context.Context, agentID, name string, available bool) (Agent, error) {
	v := 0
	if available {
		v = 1
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO inbox_agents (id, name, available, seen_at) VALUES (?, ?, ?, 0)
		ON CONFLICT (id) DO UPDATE SET available = excluded.available`, agentID, name, v)
	if err != nil {
		return Agent{}, fmt.Errorf("set availability of %s: %w", agentID, err)
	}
	agents, err := s.Agents(ctx)
	for _, a := range agents {
		if a.ID == agentID {
			return a, err
		}
	}
	return Agent{}, err
}

// Agents lists the agents the inbox knows, online ones first.
func (s *Service) Agents(ctx context.Context) ([]Agent, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, available, seen_at FROM inbox_agents ORDER BY seen_at DESC, id")
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	since := s.nowMs() - s.opts.OnlineWindow.Milliseconds()
	out := []Agent{}
	for rows.Next() {
		var a Agent
		var avail int
		var seen int64
		if err := rows.Scan(&a.ID, &a.Name, &avail, &seen); err != nil {
			return nil, err
		}
		a.Available, a.Online, a.SeenAt = avail == 1, seen >= since && seen > 0, ms(seen)
		out = append(out, a)
	}
	return out, rows.Err()
}

// autoAssignTx gives a conversation to the next available online agent in
// round-robin order, and returns who ("" when nobody is online). The order
// is a counter in inbox_agents, so it holds across nodes.
func (s *Service) autoAssignTx(ctx context.Context, tx *store.Tx, convID string) (string, error) {
	since := s.nowMs() - s.opts.OnlineWindow.Milliseconds()
	var agent string
	err := tx.QueryRowContext(ctx, `SELECT id FROM inbox_agents WHERE available = 1 AND seen_at >= ? AND seen_at > 0
		ORDER BY last_assigned_at, id LIMIT 1`, since).Scan(&agent)
	if store.IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("pick agent: %w", err)
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{"UPDATE inbox_agents SET last_assigned_at = (SELECT COALESCE(MAX(last_assigned_at), 0) + 1 FROM inbox_agents) WHERE id = ?", []any{agent}},
		{"UPDATE conversations SET assignee = ? WHERE id = ?", []any{agent, convID}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return "", fmt.Errorf("assign %s to %s: %w", convID, agent, err)
		}
	}
	return agent, nil
}

// Assign gives a conversation to an agent; an empty agent unassigns it.
func (s *Service) Assign(ctx context.Context, convID, agent string) (Conversation, error) {
	agent = strings.TrimSpace(agent)
	if len(agent) > 128 {
		return Conversation{}, apperr.InvalidField("assignee", "is longer than 128 characters")
	}
	return s.update(ctx, convID, func(ctx context.Context, tx *store.Tx, c Conversation) error {
		_, err := tx.ExecContext(ctx, "UPDATE conversations SET assignee = ?, updated_at = ? WHERE id = ?", agent, s.nowMs(), c.ID)
		return err
	})
}
