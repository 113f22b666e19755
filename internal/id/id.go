// Package id makes Omni's identifiers: a short type prefix and a time-ordered,
// random, URL-safe suffix, e.g. "cus_06bs4g0x7wq8y1f5n2z3kd9tmr".
package id

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"time"
)

var encoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// New returns a new identifier with the given prefix. Identifiers made later
// sort after earlier ones (millisecond resolution).
func New(prefix string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("id: crypto/rand failed: " + err.Error())
	}
	return prefix + "_" + encoding.EncodeToString(b[:])
}

// Secret returns a random secret of n bytes, URL-safe encoded, with a prefix,
// for API tokens, write keys and session cookies.
func Secret(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("id: crypto/rand failed: " + err.Error())
	}
	return prefix + "_" + encoding.EncodeToString(b)
}
