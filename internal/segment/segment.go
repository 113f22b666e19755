// Package segment keeps customer segments: named, stored definitions over the
// unified profile and its history on every channel — channels used, traits,
// events done or not done lately, orders and money spent, last seen,
// consent, an open cart, promotions held — combined with all or any.
//
// A definition compiles to one SQL expression that SQLite and PostgreSQL
// both run; membership is computed when asked (a count, a page of members,
// the segments of one customer), so it is always current. For the
// dashboard, RecentCount answers a recent count and recounts behind an
// older one, so that a list of segments over a million customers shows at
// once.
package segment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/swr"
)

// Segment is a stored, named definition.
type Segment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Definition
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Input is what a segment is created or replaced from.
type Input struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Definition
}

// Service stores segments and computes their members.
type Service struct {
	db     *store.DB
	now    func() time.Time
	counts *swr.Cache[string, int64] // by definition, as encoded
}

// NewService returns a Service on db.
func NewService(db *store.DB) *Service {
	s := &Service{db: db, now: time.Now}
	s.counts = swr.New[string, int64](swr.Options{Fresh: CountFresh, MaxAge: countMaxAge, MaxEntries: 1000,
		CostFactor: countCostFactor, Now: func() time.Time { return s.now() }})
	return s
}

func (in *Input) normalize() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	switch {
	case in.Name == "":
		return apperr.InvalidField("name", "is required")
	case len(in.Name) > maxText:
		return apperr.InvalidField("name", "is longer than %d characters", maxText)
	case len(in.Description) > 2000:
		return apperr.InvalidField("description", "is longer than 2000 characters")
	}
	return in.Definition.Normalize()
}

// Create stores a new segment. Names are unique.
func (s *Service) Create(ctx context.Context, in Input) (Segment, error) {
	if err := in.normalize(); err != nil {
		return Segment{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	seg := Segment{ID: id.New("seg"), Name: in.Name, Description: in.Description, Definition: in.Definition,
		CreatedAt: now, UpdatedAt: now}
	def, err := encodeDefinition(in.Definition)
	if err != nil {
		return Segment{}, err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO segments (id, name, description, definition, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, seg.ID, seg.Name, seg.Description, def, now.UnixMilli(), now.UnixMilli())
	if store.IsUniqueViolation(err) {
		return Segment{}, apperr.Conflictf("a segment named %q exists already", in.Name)
	}
	if err != nil {
		return Segment{}, fmt.Errorf("insert segment: %w", err)
	}
	return seg, nil
}

// Update replaces a segment's name, description and definition.
func (s *Service) Update(ctx context.Context, segmentID string, in Input) (Segment, error) {
	if err := in.normalize(); err != nil {
		return Segment{}, err
	}
	def, err := encodeDefinition(in.Definition)
	if err != nil {
		return Segment{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	res, err := s.db.ExecContext(ctx, "UPDATE segments SET name = ?, description = ?, definition = ?, updated_at = ? WHERE id = ?",
		in.Name, in.Description, def, now.UnixMilli(), segmentID)
	if store.IsUniqueViolation(err) {
		return Segment{}, apperr.Conflictf("a segment named %q exists already", in.Name)
	}
	if err != nil {
		return Segment{}, fmt.Errorf("update segment %s: %w", segmentID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Segment{}, apperr.NotFoundf("no segment %s", segmentID)
	}
	return s.Get(ctx, segmentID)
}

// Delete removes a segment.
func (s *Service) Delete(ctx context.Context, segmentID string) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM segments WHERE id = ?", segmentID)
	if err != nil {
		return fmt.Errorf("delete segment %s: %w", segmentID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("no segment %s", segmentID)
	}
	return nil
}

// Get returns one segment.
func (s *Service) Get(ctx context.Context, segmentID string) (Segment, error) {
	list, err := s.list(ctx, "WHERE id = ?", segmentID)
	if err != nil {
		return Segment{}, err
	}
	if len(list) == 0 {
		return Segment{}, apperr.NotFoundf("no segment %s", segmentID)
	}
	return list[0], nil
}

// List returns every segment by name.
func (s *Service) List(ctx context.Context) ([]Segment, error) {
	return s.list(ctx, "")
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Segment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, description, definition, created_at, updated_at FROM segments "+
		where+" ORDER BY name, id", args...)
	if err != nil {
		return nil, fmt.Errorf("read segments: %w", err)
	}
	defer rows.Close()
	out := []Segment{}
	for rows.Next() {
		var seg Segment
		var def string
		var created, updated int64
		if err := rows.Scan(&seg.ID, &seg.Name, &seg.Description, &def, &created, &updated); err != nil {
			return nil, fmt.Errorf("read segments: %w", err)
		}
		if err := json.Unmarshal([]byte(def), &seg.Definition); err != nil {
			return nil, fmt.Errorf("read segment %s: %w", seg.ID, err)
		}
		// Stored definitions were normalized when written; normalizing again
		// keeps them valid for the compiler if a rule tightened since.
		if err := seg.Definition.Normalize(); err != nil {
			return nil, fmt.Errorf("segment %s no longer valid: %w", seg.ID, err)
		}
		seg.CreatedAt, seg.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		out = append(out, seg)
	}
	return out, rows.Err()
}

func encodeDefinition(d Definition) (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("encode segment definition: %w", err)
	}
	return string(b), nil
}

// jsonString is s as a JSON string, without HTML escaping.
func jsonString(s string) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
