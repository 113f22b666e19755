package catalog

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// cacheTopic is the store version topic of catalog changes.
const cacheTopic = "catalog"

// cacheTTL bounds how long an offer read from the database is served from
// memory, so that catalog changes made by another node or process (an
// import on the command line) are seen. Changes made through any catalog
// Service on the same store.DB are seen at once.
const cacheTTL = 5 * time.Second

// maxCached bounds the offers (and variant references) kept in memory.
const maxCached = 100_000

// offerCache keeps the offers that carts and checkout read on every change,
// and which SKU, barcode or id names which variant. Entries are dropped as a
// whole when the catalog changes or once older than cacheTTL.
type offerCache struct {
	mu      sync.RWMutex
	version uint64
	started time.Time
	refs    map[string]string  // "sku:…", "barcode:…", "id:…" → variant id
	offers  map[offerKey]Offer // with collections and image
}

type offerKey struct{ channel, variantID string }

// refKey names a variant reference in the cache.
func refKey(ref VariantRef) string {
	switch {
	case ref.VariantID != "":
		return "id:" + ref.VariantID
	case ref.SKU != "":
		return "sku:" + strings.TrimSpace(ref.SKU)
	}
	return "barcode:" + strings.TrimSpace(ref.Barcode)
}

// view returns the cache for reading at the store's current catalog
// version, emptied first when that version moved or the entries are old.
// The caller reads the cache under c.mu.RLock and writes through put.
func (s *Service) view() (c *offerCache, version uint64) {
	c, version = &s.cache, s.db.Version(cacheTopic)
	now := s.now()
	c.mu.RLock()
	fresh := c.version == version && now.Sub(c.started) < cacheTTL && c.offers != nil
	c.mu.RUnlock()
	if !fresh {
		c.mu.Lock()
		if c.version != version || now.Sub(c.started) >= cacheTTL || c.offers == nil {
			c.version, c.started = version, now
			c.refs, c.offers = map[string]string{}, map[offerKey]Offer{}
		}
		c.mu.Unlock()
	}
	return c, version
}

// cachedOffers returns the cached offers of variantIDs on channel and the
// ids that were not cached.
func (s *Service) cachedOffers(channel string, variantIDs []string, out map[string]Offer) (missing []string, version uint64) {
	c, version := s.view()
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, vid := range variantIDs {
		if o, ok := c.offers[offerKey{channel, vid}]; ok {
			out[vid] = o
		} else {
			missing = append(missing, vid)
		}
	}
	return missing, version
}

// cachedRef returns the variant a reference names, when cached.
func (s *Service) cachedRef(ref VariantRef) (string, bool, uint64) {
	c, version := s.view()
	c.mu.RLock()
	defer c.mu.RUnlock()
	vid, ok := c.refs[refKey(ref)]
	return vid, ok, version
}

// put stores what was read at version, unless the catalog changed since.
func (s *Service) put(version uint64, fn func(c *offerCache)) {
	c := &s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || s.db.Version(cacheTopic) != version || c.offers == nil {
		return
	}
	if len(c.offers) >= maxCached || len(c.refs) >= maxCached {
		c.refs, c.offers = map[string]string{}, map[offerKey]Offer{}
	}
	fn(c)
}

// changed tells every cache of the catalog on this store that it changed.
// Call it once a change is committed (or failed: a spurious call only costs
// a reload).
func (s *Service) changed() { s.db.Changed(cacheTopic) }

// withChange runs a catalog write and then marks the catalog changed.
func (s *Service) withChange(ctx context.Context, fn func(tx *store.Tx) error) error {
	defer s.changed()
	return s.db.InTx(ctx, fn)
}
