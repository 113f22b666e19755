package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	if !auth.CheckPassword(h, "correct horse") {
		t.Fatal("right password rejected")
	}
	for _, wrong := range []string{"", "correct horse ", "Correct horse"} {
		if auth.CheckPassword(h, wrong) {
			t.Fatalf("wrong password %q accepted", wrong)
		}
	}
	if auth.CheckPassword("$2a$10$notargon", "x") {
		t.Fatal("foreign hash accepted")
	}
}

func TestLoginsTokensSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := auth.NewService(db)
		if _, err := s.CreateUser(ctx, " Owner@Example.com ", "long password", auth.ScopeAdmin); err != nil {
			t.Fatal(err)
		}
		if u, err := s.Login(ctx, "owner@example.com", "long password"); err != nil || u.Role != auth.ScopeAdmin {
			t.Fatalf("login: %+v %v", u, err)
		}
		if _, err := s.Login(ctx, "owner@example.com", "wrong password"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := s.Login(ctx, "nobody@example.com", "long password"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("unknown login: %v", err)
		}

		tok, secret, err := s.CreateToken(ctx, "ci", auth.ScopeMarketer)
		if err != nil {
			t.Fatal(err)
		}
		var stored string
		db.QueryRowContext(ctx, "SELECT token_hash FROM api_tokens WHERE id = ?", tok.ID).Scan(&stored)
		if stored == "" || strings.Contains(stored, secret) || stored == secret {
			t.Fatalf("token stored as %q; want only a hash", stored)
		}
		if got, err := s.TokenBySecret(ctx, secret); err != nil || got.ID != tok.ID || got.Scope != auth.ScopeMarketer {
			t.Fatalf("TokenBySecret: %+v %v", got, err)
		}

		src, err := s.CreateSource(ctx, "Shop", "web")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.SourceByWriteKey(ctx, src.WriteKey); err != nil || got.ID != src.ID || got.Channel != "web" {
			t.Fatalf("SourceByWriteKey: %+v %v", got, err)
		}
		if _, err := s.SourceByWriteKey(ctx, "wk_unknown"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("unknown write key: %v", err)
		}
	})
}

func TestScopeAllows(t *testing.T) {
	tests := []struct {
		s       auth.Scope
		allowed []auth.Scope
		want    bool
	}{
		{auth.ScopeAdmin, nil, true},
		{auth.ScopeRead, nil, false},
		{auth.ScopeRead, []auth.Scope{auth.ScopeRead}, true},
		{auth.ScopeAgent, []auth.Scope{auth.ScopeMarketer}, false},
	}
	for _, tc := range tests {
		if got := tc.s.Allows(tc.allowed...); got != tc.want {
			t.Errorf("%s.Allows(%v) = %v, want %v", tc.s, tc.allowed, got, tc.want)
		}
	}
}
