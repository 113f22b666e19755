package settings

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the key that seals secrets: AES-256.
const KeySize = 32

// ParseKey reads a key given as 64 hex digits (`openssl rand -hex 32`).
func ParseKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("secret key: want %d hex digits (e.g. from `openssl rand -hex 32`)", 2*KeySize)
	}
	return key, nil
}

// errUnreadable is the reason a sealed value cannot be used: it was sealed
// with another key, or Omni has no key now.
var errUnreadable = errors.New("sealed with a key Omni does not have")

// sealer seals and opens secrets with AES-256-GCM. The channel and field
// name are authenticated with each value, so a sealed value copied to
// another row does not open there.
type sealer struct {
	aead cipher.AEAD // nil: no key, secrets are stored as given
}

func newSealer(key []byte) (sealer, error) {
	if key == nil {
		return sealer{}, nil
	}
	if len(key) != KeySize {
		return sealer{}, fmt.Errorf("secret key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("secret key: %w", err)
	}
	return sealer{aead: aead}, nil
}

func (s sealer) enabled() bool { return s.aead != nil }

func additional(channel, name string) []byte {
	return []byte("omni channel setting\x00" + channel + "\x00" + name)
}

// seal returns base64(nonce || ciphertext).
func (s sealer) seal(channel, name, value string) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(value)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("settings: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	out := s.aead.Seal(nonce, nonce, []byte(value), additional(channel, name))
	return base64.StdEncoding.EncodeToString(out)
}

func (s sealer) open(channel, name, sealed string) (string, error) {
	if s.aead == nil {
		return "", errUnreadable
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errUnreadable
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], additional(channel, name))
	if err != nil {
		return "", errUnreadable
	}
	return string(plain), nil
}
