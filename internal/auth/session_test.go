package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := auth.NewService(db)
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		auth.SetClock(s, func() time.Time { return now })
		u, err := s.CreateUser(ctx, "agent@example.com", "long password", auth.ScopeAgent)
		if err != nil {
			t.Fatal(err)
		}

		secret, sess, err := s.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "omnis_") || len(secret) < 40 {
			t.Fatalf("secret %q: want a prefixed random secret", secret)
		}
		if !sess.ExpiresAt.Equal(now.Add(time.Hour)) || sess.User.ID != u.ID {
			t.Fatalf("session %+v", sess)
		}
		var stored string
		if err := db.QueryRowContext(ctx, "SELECT id_hash FROM sessions WHERE user_id = ?", u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == secret || strings.Contains(stored, secret) || len(stored) != 64 {
			t.Fatalf("session stored as %q; want only a SHA-256 hex", stored)
		}

		got, err := s.SessionUser(ctx, secret)
		if err != nil || got.User.ID != u.ID || got.User.Role != auth.ScopeAgent || got.User.Email != "agent@example.com" {
			t.Fatalf("SessionUser: %+v %v", got, err)
		}
		// A role change applies to live sessions at once.
		if _, err := db.ExecContext(ctx, "UPDATE users SET role = ? WHERE id = ?", "marketer", u.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SessionUser(ctx, secret); got.User.Role != auth.ScopeMarketer {
			t.Fatalf("role after change = %q, want marketer", got.User.Role)
		}

		tests := []struct {
			name   string
			secret string
			at     time.Time
		}{
			{"unknown secret", "omnis_unknown", now},
			{"empty secret", "", now},
			{"at expiry", secret, now.Add(time.Hour)},
			{"after expiry", secret, now.Add(2 * time.Hour)},
		}
		for _, tc := range tests {
			auth.SetClock(s, func() time.Time { return tc.at })
			if _, err := s.SessionUser(ctx, tc.secret); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Errorf("%s: err %v, want unauthorized", tc.name, err)
			}
		}
		auth.SetClock(s, func() time.Time { return now })

		if err := s.DeleteSession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionUser(ctx, secret); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("after delete: %v, want unauthorized", err)
		}
		if err := s.DeleteSession(ctx, secret); err != nil {
			t.Fatalf("second delete: %v", err)
		}

		if _, _, err := s.CreateSession(ctx, "usr_missing", time.Hour); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("session for unknown user: %v", err)
		}
		if _, _, err := s.CreateSession(ctx, u.ID, 0); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("zero ttl: %v", err)
		}
	})
}
