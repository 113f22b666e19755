// Package promotion stores the merchant's promotions (the rules the promo
// engine evaluates), their codes and usage counts, and each customer's
// promotion wallet: the promotions a customer met on some channel — an ad
// click, an email link, a code typed at the counter, a code an agent gave —
// which then apply to their cart on every channel until used or expired.
// It evaluates carts with a cached promo.Index.
package promotion

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/store"
)

// Stored is a promotion with what the store keeps about it.
type Stored struct {
	promo.Promotion
	Active     bool      `json:"active"`
	UsageCount int64     `json:"usage_count"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Options configures a Service.
type Options struct {
	// IndexTTL is how long a node keeps its promotion index before
	// reloading it, so that changes made on another node are seen. A cart
	// change priced just after that may still use the old index, up to
	// twice IndexTTL, so that the reload is not made on the single writer.
	// Changes made through this Service are seen at once. Default 5s.
	IndexTTL time.Duration
	// WalletTTL is how long a wallet promotion stays when the promotion
	// itself has no end. Default 30 days.
	WalletTTL time.Duration
}

// Service stores promotions and wallets and evaluates carts.
type Service struct {
	db   *store.DB
	opts Options
	now  func() time.Time

	mu       sync.Mutex // guards snap and gen
	snap     *snapshot
	gen      uint64
	building sync.Mutex // one index build at a time
}

// NewService returns a Service on db.
func NewService(db *store.DB, opts Options) *Service {
	if opts.IndexTTL == 0 {
		opts.IndexTTL = 5 * time.Second
	}
	if opts.WalletTTL == 0 {
		opts.WalletTTL = 30 * 24 * time.Hour
	}
	return &Service{db: db, opts: opts, now: time.Now}
}

// NormalizeCode is how codes are stored and compared: trimmed, upper case.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

func (s *Service) prepare(p *promo.Promotion) error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return apperr.InvalidField("name", "is required")
	}
	p.Code = NormalizeCode(p.Code)
	if len(p.Code) > 64 {
		return apperr.InvalidField("code", "is longer than 64 characters")
	}
	if p.Target.Type == "" {
		p.Target.Type = promo.TargetOrder
	}
	if err := p.Validate(); err != nil {
		msg := strings.TrimSuffix(err.Error(), ": "+promo.ErrInvalidPromotion.Error())
		return apperr.InvalidField("promotion", "%s", msg)
	}
	return nil
}

// Create stores a new promotion. An empty ID gets a generated one; a code
// already used by another promotion is a Conflict.
func (s *Service) Create(ctx context.Context, p promo.Promotion) (Stored, error) {
	if p.ID == "" {
		p.ID = id.New("promo")
	}
	if err := s.prepare(&p); err != nil {
		return Stored{}, err
	}
	def, _ := json.Marshal(p)
	now := s.now().UnixMilli()
	_, err := s.db.ExecContext(ctx, `INSERT INTO promotions (id, name, code, definition, active, usage_limit, ends_at,
		created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
		p.ID, p.Name, nullable(p.Code), string(def), p.Conditions.UsageLimit, endsAt(p), now, now)
	if store.IsUniqueViolation(err) {
		return Stored{}, apperr.Conflictf("promotion id %q or code %q is taken", p.ID, p.Code)
	}
	if err != nil {
		return Stored{}, fmt.Errorf("insert promotion: %w", err)
	}
	s.invalidate()
	return s.Get(ctx, p.ID)
}

// Update replaces a promotion's definition, keeping its usage count.
func (s *Service) Update(ctx context.Context, promotionID string, p promo.Promotion) (Stored, error) {
	p.ID = promotionID
	if err := s.prepare(&p); err != nil {
		return Stored{}, err
	}
	def, _ := json.Marshal(p)
	res, err := s.db.ExecContext(ctx, `UPDATE promotions SET name = ?, code = ?, definition = ?, usage_limit = ?, ends_at = ?,
		updated_at = ? WHERE id = ? AND (usage_limit = 0 OR ? = 0 OR usage_count <= ?)`,
		p.Name, nullable(p.Code), string(def), p.Conditions.UsageLimit, endsAt(p), s.now().UnixMilli(), promotionID,
		p.Conditions.UsageLimit, p.Conditions.UsageLimit)
	if store.IsUniqueViolation(err) {
		return Stored{}, apperr.Conflictf("code %q is used by another promotion", p.Code)
	}
	if err != nil {
		return Stored{}, fmt.Errorf("update promotion: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		cur, err := s.Get(ctx, promotionID)
		if err != nil {
			return Stored{}, err
		}
		return Stored{}, apperr.InvalidField("conditions.usage_limit", "%d is below the %d uses already made",
			p.Conditions.UsageLimit, cur.UsageCount)
	}
	s.invalidate()
	return s.Get(ctx, promotionID)
}

// SetActive turns a promotion on or off.
func (s *Service) SetActive(ctx context.Context, promotionID string, active bool) (Stored, error) {
	v := 0
	if active {
		v = 1
	}
	res, err := s.db.ExecContext(ctx, "UPDATE promotions SET active = ?, updated_at = ? WHERE id = ?", v, s.now().UnixMilli(), promotionID)
	if err != nil {
		return Stored{}, fmt.Errorf("update promotion: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Stored{}, apperr.NotFoundf("no promotion %q", promotionID)
	}
	s.invalidate()
	return s.Get(ctx, promotionID)
}

const storedColumns = "definition, active, usage_count, created_at, updated_at"

// Get returns a promotion by id.
func (s *Service) Get(ctx context.Context, promotionID string) (Stored, error) {
	return s.getWhere(ctx, s.db, "id = ?", promotionID)
}

// ByCode returns the promotion with a code (any letter case).
func (s *Service) ByCode(ctx context.Context, q store.Querier, code string) (Stored, error) {
	return s.getWhere(ctx, q, "code = ?", NormalizeCode(code))
}

func (s *Service) getWhere(ctx context.Context, q store.Querier, cond, arg string) (Stored, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+storedColumns+" FROM promotions WHERE "+cond, arg)
	if err != nil {
		return Stored{}, fmt.Errorf("read promotion: %w", err)
	}
	list, err := scanStored(rows)
	if err != nil {
		return Stored{}, err
	}
	if len(list) == 0 {
		return Stored{}, apperr.NotFoundf("no promotion %q", arg)
	}
	return list[0], nil
}

// List returns every promotion, active first, then by id.
func (s *Service) List(ctx context.Context) ([]Stored, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+storedColumns+" FROM promotions ORDER BY active DESC, id LIMIT 10000")
	if err != nil {
		return nil, fmt.Errorf("list promotions: %w", err)
	}
	return scanStored(rows)
}

type rowScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanStored(rows rowScanner) ([]Stored, error) {
	defer rows.Close()
	out := []Stored{}
	for rows.Next() {
		var st Stored
		var def string
		var active int
		var created, updated int64
		if err := rows.Scan(&def, &active, &st.UsageCount, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan promotion: %w", err)
		}
		if err := json.Unmarshal([]byte(def), &st.Promotion); err != nil {
			return nil, fmt.Errorf("decode promotion: %w", err)
		}
		st.Active = active == 1
		st.CreatedAt, st.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		out = append(out, st)
	}
	return out, rows.Err()
}

func endsAt(p promo.Promotion) any {
	if p.Conditions.EndsAt.IsZero() {
		return nil
	}
	return p.Conditions.EndsAt.UnixMilli()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
