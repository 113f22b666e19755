package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// Token is an API token; its secret value is shown once, at creation.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scope     Scope      `json:"scope"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// tokenPrefix marks Omni API tokens so that secret scanners can find them.
const tokenPrefix = "omni"

// CreateToken makes a new API token and returns it with its secret value.
func (s *Service) CreateToken(ctx context.Context, name string, scope Scope) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Token{}, "", apperr.InvalidField("name", "is required")
	}
	if _, err := ParseScope(string(scope)); err != nil {
		return Token{}, "", err
	}
	secret := id.Secret(tokenPrefix, 32)
	t := Token{ID: id.New("tok"), Name: name, Scope: scope, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO api_tokens (id, name, scope, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
		t.ID, t.Name, string(t.Scope), hashSecret(secret), t.CreatedAt.UnixMilli())
	if err != nil {
		return Token{}, "", fmt.Errorf("insert token: %w", err)
	}
	return t, secret, nil
}

// TokenBySecret returns the live token with the given secret value.
func (s *Service) TokenBySecret(ctx context.Context, secret string) (Token, error) {
	var t Token
	var scope string
	var created int64
	err := s.db.QueryRowContext(ctx,
		"SELECT id, name, scope, created_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
		hashSecret(secret)).Scan(&t.ID, &t.Name, &scope, &created)
	if err != nil {
		if store.IsNoRows(err) {
			return Token{}, apperr.New(apperr.Unauthorized, "invalid or revoked API token")
		}
		return Token{}, fmt.Errorf("load token: %w", err)
	}
	t.Scope, t.CreatedAt = Scope(scope), time.UnixMilli(created).UTC()
	return t, nil
}

// ListTokens returns every token, newest first, without secrets.
func (s *Service) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT id, name, scope, created_at, revoked_at FROM api_tokens ORDER BY created_at DESC, id DESC")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var scope string
		var created int64
		var revoked *int64
		if err := rows.Scan(&t.ID, &t.Name, &scope, &created, &revoked); err != nil {
			return nil, fmt.Errorf("scan token: %w", err)
		}
		t.Scope, t.CreatedAt = Scope(scope), time.UnixMilli(created).UTC()
		if revoked != nil {
			r := time.UnixMilli(*revoked).UTC()
			t.RevokedAt = &r
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken stops a token from working.
func (s *Service) RevokeToken(ctx context.Context, tokenID string) error {
	res, err := s.db.ExecContext(ctx,
		"UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.now().UnixMilli(), tokenID)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", tokenID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("no live token %s", tokenID)
	}
	return nil
}
