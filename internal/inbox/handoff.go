package inbox

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// Errors returned by Handoff.Verify.
var (
	ErrHandoffInvalid = errors.New("hand-off token is malformed or its signature is wrong")
	ErrHandoffExpired = errors.New("hand-off token has expired")
)

// Handoff signs and checks the tokens that carry a web visitor's profile to
// another channel: "Continue on Messenger" puts one in the m.me link's ref
// parameter, and the referral webhook brings it back. A token is
// "<customer id>.<expiry, base 36 Unix seconds>.<HMAC-SHA256, 16 bytes,
// base64url>", at most ~70 characters of the set Messenger allows in a ref.
type Handoff struct {
	key []byte
	now func() time.Time
}

// NewHandoff returns a Handoff signing with key (at least 32 bytes).
func NewHandoff(key []byte) (*Handoff, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("hand-off key: %d bytes, want at least 32", len(key))
	}
	return &Handoff{key: key, now: time.Now}, nil
}

// Issue returns a token naming customerID, valid for ttl.
func (h *Handoff) Issue(customerID string, ttl time.Duration) string {
	payload := customerID + "." + strconv.FormatInt(h.now().Add(ttl).Unix(), 36)
	return payload + "." + h.sign(payload)
}

func (h *Handoff) sign(payload string) string {
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// Verify checks a token's signature (in constant time) and expiry and
// returns the customer id it names.
func (h *Handoff) Verify(token string) (string, error) {
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return "", ErrHandoffInvalid
	}
	payload, sig := token[:dot], token[dot+1:]
	if !hmac.Equal([]byte(sig), []byte(h.sign(payload))) {
		return "", ErrHandoffInvalid
	}
	cid, exp, ok := strings.Cut(payload, ".")
	secs, err := strconv.ParseInt(exp, 36, 64)
	if !ok || err != nil || cid == "" {
		return "", ErrHandoffInvalid
	}
	if h.now().Unix() > secs {
		return "", ErrHandoffExpired
	}
	return cid, nil
}

// LoadHandoffKey returns the hand-off key: configured (hex, 64+ digits) when
// given, else the one stored in the database, generated and stored on first
// use so that every node and every restart shares it.
func LoadHandoffKey(ctx context.Context, db *store.DB, configured string) ([]byte, error) {
	if configured != "" {
		key, err := hex.DecodeString(configured)
		if err != nil || len(key) < 32 {
			return nil, errors.New("hand-off key: want at least 64 hex digits")
		}
		return key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	_, err := db.ExecContext(ctx, "INSERT INTO inbox_keys (name, value, created_at) VALUES ('handoff', ?, ?) ON CONFLICT (name) DO NOTHING",
		hex.EncodeToString(fresh), time.Now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store hand-off key: %w", err)
	}
	var stored string
	if err := db.Writer().QueryRowContext(ctx, db.Rebind("SELECT value FROM inbox_keys WHERE name = 'handoff'")).Scan(&stored); err != nil {
		return nil, fmt.Errorf("load hand-off key: %w", err)
	}
	return hex.DecodeString(stored)
}

// Handoff returns the Service's token signer (nil when none is set).
func (s *Service) Handoff() *Handoff { return s.handoff }

// UseHandoff sets the token signer used by LinkHandoff.
func (s *Service) UseHandoff(h *Handoff) { s.handoff = h }

// LinkHandoff links the identifier a customer shows on another channel (a
// Messenger PSID) to the profile a hand-off token names, through identity
// resolution: the identifier is resolved together with the profile's
// strongest identifier, so the two profiles merge (within the identity
// limits). It returns the customer the identifier now belongs to.
func (s *Service) LinkHandoff(ctx context.Context, token string, who identity.Identifier, channel string) (string, error) {
	if s.handoff == nil {
		return "", errors.New("inbox: no hand-off key configured")
	}
	cid, err := s.handoff.Verify(token)
	if err != nil {
		return "", &apperr.Error{Code: apperr.Invalid, Field: "ref", Message: err.Error(), Err: err}
	}
	live, _, err := s.ids.Survivor(ctx, cid)
	if err != nil {
		return "", err
	}
	held, err := s.ids.Identities(ctx, live)
	if err != nil {
		return "", err
	}
	if len(held) == 0 {
		return "", apperr.NotFoundf("customer %s holds no identifiers", live)
	}
	return s.Identify(ctx, channel, "", []identity.Identifier{who, held[0].Identifier}, nil)
}

// Identify links identifiers seen together on a channel (a visitor typing
// their email address into the chat widget's email field) and records the
// traits given with them. It returns the customer they belong to.
func (s *Service) Identify(ctx context.Context, channel, sourceID string, ids []identity.Identifier, traits map[string]json.RawMessage) (string, error) {
	var cid string
	var merged bool
	err := s.ids.Run(ctx, func(tx *store.Tx, b *identity.Batch) error {
		r, err := b.Resolve(ctx, identity.Request{Identifiers: ids, Channel: channel, At: s.now()})
		if err != nil {
			return err
		}
		cid, merged = r.CustomerID, len(r.Merged) > 0
		if len(traits) == 0 {
			return nil
		}
		return s.customers.SetTraitsTx(ctx, tx, cid, traits, sourceOf(sourceID, channel), channel, s.now())
	})
	if err == nil && merged {
		if c, ok, err := openConversationTx(ctx, s.db, cid); err == nil && ok {
			s.publish(Event{Type: EventConversationUpdated, ConversationID: c.ID, Conversation: &c})
			s.publishMerged(ctx, c)
		}
	}
	return cid, err
}
