// Package storefront lets web shops and apps act for their visitors without
// an API token: a publishable key names the storefront (and its channel),
// the visitor's anonymous id names the visitor, and a customer token signed
// by the merchant's server after its own login ties the visitor to an email,
// phone or user id. Visitors resolve to customer profiles through the
// identity graph, so a visitor who logs in on a second device finds the same
// cart and promotions.
package storefront

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// Key is a storefront's publishable key.
type Key struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Channel       string    `json:"channel"` // web or app
	Publishable   string    `json:"publishable_key"`
	SigningSecret string    `json:"signing_secret,omitempty"` // shown once, at creation
	CreatedAt     time.Time `json:"created_at"`
	Disabled      bool      `json:"disabled"`
}

// Identities resolves identifiers to customer profiles.
type Identities interface {
	Lookup(ctx context.Context, ident identity.Identifier) (string, error)
	Resolve(ctx context.Context, req identity.Request) (identity.Result, error)
}

// Visitor is who a storefront request acts for.
type Visitor struct {
	CustomerID string
	Channel    string
	KeyID      string
}

// Service keeps publishable keys and resolves visitors.
type Service struct {
	db  *store.DB
	ids Identities
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cachedKey
}

type cachedKey struct {
	key     Key
	expires time.Time
}

// keyCacheTTL bounds how long a disabled key keeps working.
const keyCacheTTL = 15 * time.Second

// NewService returns a storefront Service.
func NewService(db *store.DB, ids Identities) *Service {
	return &Service{db: db, ids: ids, now: time.Now, cache: map[string]cachedKey{}}
}

// CreateKey makes a publishable key for a storefront on channel web or app.
// The returned Key holds the signing secret; it is not shown again.
func (s *Service) CreateKey(ctx context.Context, name, channel string) (Key, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Key{}, apperr.InvalidField("name", "is required")
	}
	if channel != "web" && channel != "app" {
		return Key{}, apperr.InvalidField("channel", "unknown storefront channel %q (want web or app)", channel)
	}
	k := Key{ID: id.New("sfk"), Name: name, Channel: channel, Publishable: id.Secret("pk", 20),
		SigningSecret: id.Secret("sks", 32), CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	_, err := s.db.ExecContext(ctx, `INSERT INTO storefront_keys (id, name, channel, publishable, signing_secret, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, k.ID, k.Name, k.Channel, k.Publishable, k.SigningSecret, k.CreatedAt.UnixMilli())
	if err != nil {
		return Key{}, fmt.Errorf("insert storefront key: %w", err)
	}
	return k, nil
}

// ListKeys lists the keys without their signing secrets.
func (s *Service) ListKeys(ctx context.Context) ([]Key, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, channel, publishable, created_at, disabled_at FROM storefront_keys ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list storefront keys: %w", err)
	}
	defer rows.Close()
	out := []Key{}
	for rows.Next() {
		var k Key
		var at int64
		var disabled *int64
		if err := rows.Scan(&k.ID, &k.Name, &k.Channel, &k.Publishable, &at, &disabled); err != nil {
			return nil, err
		}
		k.CreatedAt, k.Disabled = time.UnixMilli(at).UTC(), disabled != nil
		out = append(out, k)
	}
	return out, rows.Err()
}

// key returns the enabled key with publishable value pk, with its secret.
func (s *Service) key(ctx context.Context, pk string) (Key, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[pk]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.key, nil
	}
	var k Key
	var at int64
	var disabled *int64
	err := s.db.QueryRowContext(ctx, `SELECT id, name, channel, publishable, signing_secret, created_at, disabled_at
		FROM storefront_keys WHERE publishable = ?`, pk).Scan(&k.ID, &k.Name, &k.Channel, &k.Publishable, &k.SigningSecret, &at, &disabled)
	if store.IsNoRows(err) || (err == nil && disabled != nil) {
		return Key{}, apperr.New(apperr.Unauthorized, "unknown or disabled publishable key")
	}
	if err != nil {
		return Key{}, fmt.Errorf("read storefront key: %w", err)
	}
	k.CreatedAt = time.UnixMilli(at).UTC()
	s.mu.Lock()
	if len(s.cache) > 10_000 {
		s.cache = map[string]cachedKey{}
	}
	s.cache[pk] = cachedKey{key: k, expires: now.Add(keyCacheTTL)}
	s.mu.Unlock()
	return k, nil
}

// Channel checks a publishable key and returns its storefront's channel,
// for requests that need no visitor (product listings).
func (s *Service) Channel(ctx context.Context, publishable string) (string, error) {
	if strings.TrimSpace(publishable) == "" {
		return "", apperr.New(apperr.Unauthorized, "missing publishable key: send X-Omni-Publishable-Key")
	}
	k, err := s.key(ctx, publishable)
	return k.Channel, err
}

// Visitor resolves a storefront request: the publishable key, the
// visitor's anonymous id and, after the merchant's login, a signed customer
// token. A token joins the anonymous id to the identifiers it carries, which
// may merge this device's profile with the customer's (carts and wallets
// merge with it).
func (s *Service) Visitor(ctx context.Context, publishable, anonymousID, customerToken string) (Visitor, error) {
	if strings.TrimSpace(publishable) == "" {
		return Visitor{}, apperr.New(apperr.Unauthorized, "missing publishable key: send X-Omni-Publishable-Key")
	}
	k, err := s.key(ctx, publishable)
	if err != nil {
		return Visitor{}, err
	}
	anon, err := identity.New(identity.AnonymousID, anonymousID)
	if err != nil {
		return Visitor{}, apperr.InvalidField("X-Omni-Anonymous-Id", "the visitor's anonymous id is required")
	}
	ids := []identity.Identifier{anon}
	if customerToken != "" {
		claims, err := VerifyToken(k.SigningSecret, customerToken, s.now())
		if err != nil {
			return Visitor{}, err
		}
		more, err := claims.identifiers()
		if err != nil {
			return Visitor{}, err
		}
		ids = append(ids, more...)
	}
	v := Visitor{Channel: k.Channel, KeyID: k.ID}
	if v.CustomerID, err = s.known(ctx, ids); err != nil || v.CustomerID != "" {
		return v, err
	}
	res, err := s.ids.Resolve(ctx, identity.Request{Identifiers: ids, Channel: k.Channel})
	if err != nil {
		return Visitor{}, err
	}
	v.CustomerID = res.CustomerID
	return v, nil
}

// known returns the customer holding every identifier, or "" when they are
// not (yet) all on one profile and a resolution is needed.
func (s *Service) known(ctx context.Context, ids []identity.Identifier) (string, error) {
	var cid string
	for _, i := range ids {
		got, err := s.ids.Lookup(ctx, i)
		if apperr.CodeOf(err) == apperr.NotFound {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if cid != "" && got != cid {
			return "", nil
		}
		cid = got
	}
	return cid, nil
}
