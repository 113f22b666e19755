package cart

import (
	"slices"
	"sync"
)

// maxCachedCarts bounds the carts whose contents are remembered.
const maxCachedCarts = 50_000

// contents remembers the lines and codes of carts this node changed, by
// cart id and version, so that the next change of a cart reads only the
// cart's row: every change of a cart's lines or codes bumps its version in
// the same transaction, so contents remembered at the version the row shows
// are the stored contents. A cart changed elsewhere (another node, a merge)
// shows another version and is read from the store.
type contents struct {
	mu    sync.Mutex
	carts map[string]record // Lines, Codes and codesAt of the cart at Version
}

// get fills rec's lines and codes when they are remembered at rec's version.
func (c *contents) get(rec *record) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	have, ok := c.carts[rec.ID]
	if !ok || have.Version != rec.Version {
		return false
	}
	rec.Lines, rec.Codes, rec.codesAt = slices.Clone(have.Lines), slices.Clone(have.Codes), slices.Clone(have.codesAt)
	return true
}

// put remembers rec's contents, once rec is committed, unless a later
// version is remembered already.
func (c *contents) put(rec *record) {
	if rec.ID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have, ok := c.carts[rec.ID]; ok && have.Version >= rec.Version {
		return
	}
	if c.carts == nil || len(c.carts) >= maxCachedCarts {
		c.carts = make(map[string]record)
	}
	c.carts[rec.ID] = record{Version: rec.Version, Lines: slices.Clone(rec.Lines), Codes: slices.Clone(rec.Codes),
		codesAt: slices.Clone(rec.codesAt)}
}
