// Package auth keeps Omni's credentials: owner and staff logins (argon2id
// password hashes), scoped API tokens (stored as SHA-256 hashes) and tracking
// sources with their write keys.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// Scope is what an API token or login may do.
type Scope string

// The scopes, from most to least powerful. Agents work the inbox, marketers
// work promotions and campaigns, read may only read.
const (
	ScopeAdmin    Scope = "admin"
	ScopeAgent    Scope = "agent"
	ScopeMarketer Scope = "marketer"
	ScopeRead     Scope = "read"
)

// Scopes lists every valid scope.
var Scopes = []Scope{ScopeAdmin, ScopeAgent, ScopeMarketer, ScopeRead}

// ParseScope validates a scope name.
func ParseScope(s string) (Scope, error) {
	if slices.Contains(Scopes, Scope(s)) {
		return Scope(s), nil
	}
	return "", apperr.InvalidField("scope", "unknown scope %q (want admin, agent, marketer or read)", s)
}

// Allows reports whether a holder of s may use something open to any of
// allowed. Admin may use everything.
func (s Scope) Allows(allowed ...Scope) bool {
	return s == ScopeAdmin || slices.Contains(allowed, s)
}

// Channels lists the channels a tracking source can belong to.
var Channels = []string{"web", "app", "chat", "messenger", "email", "sms", "pos", "marketplace", "ads"}

// Service manages logins, tokens and sources.
type Service struct {
	db  *store.DB
	now func() time.Time

	mu      sync.Mutex
	sources map[string]cachedSource // write key → source, for the ingest hot path
}

type cachedSource struct {
	src     Source
	expires time.Time
}

// sourceCacheTTL bounds how long a disabled source's key keeps working.
const sourceCacheTTL = 15 * time.Second

// NewService returns a Service on db.
func NewService(db *store.DB) *Service {
	return &Service{db: db, now: time.Now, sources: map[string]cachedSource{}}
}

// User is a login to the dashboard.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      Scope     `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateUser adds a login with an argon2id password hash.
func (s *Service) CreateUser(ctx context.Context, email, password string, role Scope) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if _, err := mail.ParseAddress(email); err != nil || !strings.Contains(email, "@") {
		return User{}, apperr.InvalidField("email", "not an email address")
	}
	if len(password) < 8 {
		return User{}, apperr.InvalidField("password", "must be at least 8 characters")
	}
	if _, err := ParseScope(string(role)); err != nil {
		return User{}, apperr.InvalidField("role", "unknown role %q", role)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	u := User{ID: id.New("usr"), Email: email, Role: role, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	_, err = s.db.ExecContext(ctx,
		"INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
		u.ID, u.Email, hash, string(u.Role), u.CreatedAt.UnixMilli())
	if store.IsUniqueViolation(err) {
		return User{}, apperr.Conflictf("a login for %s already exists", email)
	}
	if err != nil {
		return User{}, fmt.Errorf("insert user: %w", err)
	}
	return u, nil
}

// Login checks an email and password and returns the user.
func (s *Service) Login(ctx context.Context, email, password string) (User, error) {
	var u User
	var hash, role string
	var created int64
	err := s.db.QueryRowContext(ctx,
		"SELECT id, email, password_hash, role, created_at FROM users WHERE email = ?",
		strings.ToLower(strings.TrimSpace(email))).Scan(&u.ID, &u.Email, &hash, &role, &created)
	if store.IsNoRows(err) {
		// Spend the same time as a real check so timing does not reveal logins.
		CheckPassword(dummyHash, password)
		return User{}, apperr.New(apperr.Unauthorized, "wrong email or password")
	}
	if err != nil {
		return User{}, fmt.Errorf("load user: %w", err)
	}
	if !CheckPassword(hash, password) {
		return User{}, apperr.New(apperr.Unauthorized, "wrong email or password")
	}
	u.Role, u.CreatedAt = Scope(role), time.UnixMilli(created).UTC()
	return u, nil
}

var dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000"

// hashSecret is the stored form of a high-entropy secret (token, cookie).
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
