package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// sessionPrefix marks session cookies so that secret scanners can find them.
const sessionPrefix = "omnis"

// Session is a dashboard login session. Its secret is handed to the browser
// once, at creation; the database keeps only a SHA-256 of it.
type Session struct {
	User      User
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession starts a session for the user with the given id that lasts
// ttl, and returns its secret (the cookie value) and the session.
func (s *Service) CreateSession(ctx context.Context, userID string, ttl time.Duration) (string, Session, error) {
	if ttl <= 0 {
		return "", Session{}, apperr.InvalidField("ttl", "must be positive")
	}
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return "", Session{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	sess := Session{User: u, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	secret := id.Secret(sessionPrefix, 32)
	_, err = s.db.ExecContext(ctx,
		"INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		hashSecret(secret), u.ID, sess.CreatedAt.UnixMilli(), sess.ExpiresAt.UnixMilli())
	if err != nil {
		return "", Session{}, fmt.Errorf("insert session: %w", err)
	}
	return secret, sess, nil
}

// SessionUser returns the live session with the given secret and its user as
// the user is now (a changed role applies at once). An unknown or expired
// secret gives an Unauthorized error.
func (s *Service) SessionUser(ctx context.Context, secret string) (Session, error) {
	var sess Session
	var role string
	var userCreated, created, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.email, u.role, u.created_at, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, hashSecret(secret)).
		Scan(&sess.User.ID, &sess.User.Email, &role, &userCreated, &created, &expires)
	if store.IsNoRows(err) {
		return Session{}, apperr.New(apperr.Unauthorized, "no such session; sign in again")
	}
	if err != nil {
		return Session{}, fmt.Errorf("load session: %w", err)
	}
	sess.User.Role, sess.User.CreatedAt = Scope(role), time.UnixMilli(userCreated).UTC()
	sess.CreatedAt, sess.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	if !s.now().Before(sess.ExpiresAt) {
		return Session{}, apperr.New(apperr.Unauthorized, "session expired; sign in again")
	}
	return sess, nil
}

// DeleteSession ends the session with the given secret. Ending a session that
// does not exist is not an error: signing out twice is harmless.
func (s *Service) DeleteSession(ctx context.Context, secret string) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = ?", hashSecret(secret)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (s *Service) userByID(ctx context.Context, userID string) (User, error) {
	var u User
	var role string
	var created int64
	err := s.db.QueryRowContext(ctx, "SELECT id, email, role, created_at FROM users WHERE id = ?", userID).
		Scan(&u.ID, &u.Email, &role, &created)
	if store.IsNoRows(err) {
		return User{}, apperr.NotFoundf("no user %s", userID)
	}
	if err != nil {
		return User{}, fmt.Errorf("load user %s: %w", userID, err)
	}
	u.Role, u.CreatedAt = Scope(role), time.UnixMilli(created).UTC()
	return u, nil
}
