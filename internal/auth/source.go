package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// Source is a tracking source: a storefront, app, chat widget or other channel
// that sends events with its write key.
type Source struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Channel   string    `json:"channel"`
	WriteKey  string    `json:"write_key"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// CreateSource adds a source on a channel and returns it with its write key.
func (s *Service) CreateSource(ctx context.Context, name, channel string) (Source, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Source{}, apperr.InvalidField("name", "is required")
	}
	if !slices.Contains(Channels, channel) {
		return Source{}, apperr.InvalidField("channel", "unknown channel %q (want one of %s)", channel, strings.Join(Channels, ", "))
	}
	src := Source{ID: id.New("src"), Name: name, Channel: channel, WriteKey: id.Secret("wk", 20),
		CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO sources (id, name, channel, write_key, created_at) VALUES (?, ?, ?, ?, ?)",
		src.ID, src.Name, src.Channel, src.WriteKey, src.CreatedAt.UnixMilli())
	if err != nil {
		return Source{}, fmt.Errorf("insert source: %w", err)
	}
	return src, nil
}

// SourceByWriteKey returns the enabled source with the given write key. It is
// on the ingest hot path, so answers are cached briefly; a new key works at
// once, a disabled one stops within sourceCacheTTL.
func (s *Service) SourceByWriteKey(ctx context.Context, key string) (Source, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.sources[key]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.src, nil
	}
	src, err := s.scanSource(s.db.QueryRowContext(ctx,
		"SELECT id, name, channel, write_key, created_at, disabled_at FROM sources WHERE write_key = ?", key))
	if store.IsNoRows(err) || (err == nil && src.Disabled) {
		return Source{}, apperr.New(apperr.Unauthorized, "unknown or disabled write key")
	}
	if err != nil {
		return Source{}, fmt.Errorf("load source: %w", err)
	}
	s.mu.Lock()
	if len(s.sources) > 10_000 {
		clear(s.sources)
	}
	s.sources[key] = cachedSource{src: src, expires: now.Add(sourceCacheTTL)}
	s.mu.Unlock()
	return src, nil
}

// ListSources returns every source, oldest first.
func (s *Service) ListSources(ctx context.Context) ([]Source, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT id, name, channel, write_key, created_at, disabled_at FROM sources ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		src, err := s.scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func (s *Service) scanSource(row scanner) (Source, error) {
	var src Source
	var created int64
	var disabled *int64
	if err := row.Scan(&src.ID, &src.Name, &src.Channel, &src.WriteKey, &created, &disabled); err != nil {
		return Source{}, err
	}
	src.CreatedAt, src.Disabled = time.UnixMilli(created).UTC(), disabled != nil
	return src, nil
}
