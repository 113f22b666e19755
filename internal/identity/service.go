package identity

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// MergeHook moves a domain's state from a merged-away customer to the
// survivor, inside the merge's transaction. Carts, conversations, traits and
// events each register one.
type MergeHook func(ctx context.Context, tx *store.Tx, fromID, intoID string) error

// Options configures a Service.
type Options struct {
	Limits    Limits        // per-type limits; DefaultLimits when nil
	CacheSize int           // identifiers cached in memory; default 2,000,000
	CacheTTL  time.Duration // age after which cache generations rotate; 0 = never (one node)
}

// Service resolves identifiers to customers.
type Service struct {
	db     *store.DB
	limits Limits
	cache  *cache
	hooks  []MergeHook
	now    func() time.Time
}

// NewService returns a Service on db. On PostgreSQL with several nodes, set
// CacheTTL so that a merge made by another node is seen within that time.
func NewService(db *store.DB, opts Options) *Service {
	if opts.Limits == nil {
		opts.Limits = DefaultLimits()
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = 2_000_000
	}
	return &Service{db: db, limits: opts.Limits, cache: newCache(opts.CacheSize, opts.CacheTTL), now: time.Now}
}

// OnMerge registers a hook run inside every merge. Register hooks before the
// Service is used.
func (s *Service) OnMerge(h MergeHook) { s.hooks = append(s.hooks, h) }

// Request asks which customer a set of identifiers, seen together on a
// channel, belongs to.
type Request struct {
	Identifiers []Identifier
	Channel     string
	At          time.Time
}

// Result says which customer the identifiers resolved to.
type Result struct {
	CustomerID string
	Created    bool    // a new profile was made
	Merged     []Merge // profiles merged by this call
}

// Batch resolves identifiers inside one write transaction.
type Batch struct {
	s       *Service
	tx      *store.Tx
	overlay map[string]string       // identifier key → customer, written or read in this transaction
	absent  map[string]bool         // identifier keys Prefetch found unowned
	fresh   map[string]map[Type]int // identifier counts of customers created in this transaction
	deferred
}

// Run opens one write transaction, runs fn with a Batch on it and commits.
// The in-memory cache learns the transaction's assignments only after the
// commit, so a rollback leaves it true to the table.
func (s *Service) Run(ctx context.Context, fn func(tx *store.Tx, b *Batch) error) error {
	b := &Batch{s: s, overlay: map[string]string{}, absent: map[string]bool{}, fresh: map[string]map[Type]int{}}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		b.tx = tx
		if err := fn(tx, b); err != nil {
			return err
		}
		return b.Flush(ctx)
	})
	if err != nil {
		return err
	}
	s.cache.put(b.overlay)
	return nil
}

// Resolve runs one resolution in its own transaction.
func (s *Service) Resolve(ctx context.Context, req Request) (Result, error) {
	var res Result
	err := s.Run(ctx, func(_ *store.Tx, b *Batch) error {
		var err error
		res, err = b.Resolve(ctx, req)
		return err
	})
	return res, err
}

// Lookup returns the customer owning an identifier.
func (s *Service) Lookup(ctx context.Context, ident Identifier) (string, error) {
	if cid, ok := s.cache.get(ident.String()); ok {
		return cid, nil
	}
	var cid string
	err := s.db.QueryRowContext(ctx, "SELECT customer_id FROM identities WHERE type = ? AND value = ?",
		string(ident.Type), ident.Value).Scan(&cid)
	if store.IsNoRows(err) {
		return "", apperr.NotFoundf("no customer with %s %q", ident.Type, ident.Value)
	}
	if err != nil {
		return "", fmt.Errorf("look up %s: %w", ident, err)
	}
	s.cache.put(map[string]string{ident.String(): cid})
	return cid, nil
}

// Resolve finds or creates the customer the request's identifiers belong to,
// attaching new identifiers and merging profiles the request joins, within
// the per-type limits.
//
// The rules: identifiers are taken strongest first (Types order). The result
// is the profile that ends up holding the strongest identifier. An unknown
// identifier joins that profile unless the profile already holds its type's
// limit (a second user_id); then, if it is the strongest identifier, it starts
// a new profile. A known identifier of another profile merges that profile in
// unless the union would exceed a limit; then the two stay apart.
func (b *Batch) Resolve(ctx context.Context, req Request) (Result, error) {
	ids, err := clean(req.Identifiers)
	if err != nil {
		return Result{}, err
	}
	at := req.At
	if at.IsZero() {
		at = b.s.now()
	}
	owners := make([]string, len(ids))
	for i, ident := range ids {
		if owners[i], err = b.owner(ctx, ident); err != nil {
			return Result{}, err
		}
	}
	var res Result
	target := owners[0]
	if target == "" {
		target = firstNonEmpty(owners)
		if target != "" {
			ok, err := b.fits(ctx, target, ids[0].Type, 1)
			if err != nil {
				return Result{}, err
			}
			if !ok {
				target = ""
			}
		}
		if target == "" {
			if target, err = b.create(ctx, at); err != nil {
				return Result{}, err
			}
			res.Created = true
		}
	}
	join := func(owner string) error {
		m, err := b.mergeIfFits(ctx, owner, target, ids, req.Channel, at)
		if err != nil || m == nil {
			return err
		}
		res.Merged = append(res.Merged, *m)
		target = m.SurvivorID
		for j := range owners {
			if owners[j] == m.MergedID {
				owners[j] = m.SurvivorID
			}
		}
		return nil
	}
	for i, ident := range ids {
		switch owner := owners[i]; {
		case owner == target:
		case owner == "":
			winner, err := b.attachIfFits(ctx, target, ident, req.Channel, at)
			if err != nil {
				return Result{}, err
			}
			if winner == "" || winner == target {
				continue
			}
			// Another transaction attached it first. A profile made by this
			// call and still empty gives way to that one; otherwise the two
			// join as any two profiles would.
			if b.emptyFresh(target) {
				if err := b.discard(ctx, target); err != nil {
					return Result{}, err
				}
				target, res.Created = winner, false
				continue
			}
			if err := join(winner); err != nil {
				return Result{}, err
			}
		default:
			if err := join(owner); err != nil {
				return Result{}, err
			}
		}
	}
	res.CustomerID = target
	return res, nil
}

// clean drops duplicates and sorts identifiers strongest first.
func clean(in []Identifier) ([]Identifier, error) {
	out := make([]Identifier, 0, len(in))
	for _, ident := range in {
		if ident.Value == "" || ident.Type.Priority() == len(Types) {
			return nil, apperr.InvalidField("identifiers", "invalid identifier %q", ident.String())
		}
		if !slices.Contains(out, ident) {
			out = append(out, ident)
		}
	}
	if len(out) == 0 {
		return nil, apperr.InvalidField("identifiers", "at least one identifier is required")
	}
	slices.SortStableFunc(out, func(a, b Identifier) int { return a.Type.Priority() - b.Type.Priority() })
	return out, nil
}

func firstNonEmpty(ss []string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (b *Batch) owner(ctx context.Context, ident Identifier) (string, error) {
	key := ident.String()
	if cid, ok := b.overlay[key]; ok {
		return cid, nil
	}
	if cid, ok := b.s.cache.get(key); ok {
		return cid, nil
	}
	if b.absent[key] {
		return "", nil
	}
	var cid string
	err := b.tx.QueryRowContext(ctx, "SELECT customer_id FROM identities WHERE type = ? AND value = ?",
		string(ident.Type), ident.Value).Scan(&cid)
	if store.IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up %s: %w", key, err)
	}
	b.overlay[key] = cid
	return cid, nil
}

func (b *Batch) create(ctx context.Context, at time.Time) (string, error) {
	cid := id.New("cus")
	ms := at.UnixMilli()
	b.fresh[cid] = map[Type]int{}
	if b.deferred.on {
		b.deferred.customers = append(b.deferred.customers, pendingCustomer{id: cid, created: b.s.now().UnixMilli(), first: ms, last: ms})
		b.deferred.pending[cid] = true
		return cid, nil
	}
	_, err := b.tx.ExecContext(ctx,
		"INSERT INTO customers (id, created_at, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)",
		cid, b.s.now().UnixMilli(), ms, ms)
	if err != nil {
		return "", fmt.Errorf("create customer: %w", err)
	}
	return cid, nil
}

// fits reports whether customer cid may hold n more identifiers of type t.
func (b *Batch) fits(ctx context.Context, cid string, t Type, n int) (bool, error) {
	if counts, ok := b.fresh[cid]; ok {
		return counts[t]+n <= b.s.limits[t], nil
	}
	var have int
	err := b.tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM identities WHERE customer_id = ? AND type = ?",
		cid, string(t)).Scan(&have)
	if err != nil {
		return false, fmt.Errorf("count %s of %s: %w", t, cid, err)
	}
	return have+n <= b.s.limits[t], nil
}

// attachIfFits attaches ident to customer cid when the type's limit allows.
// When another transaction attached it first, it returns that owner.
func (b *Batch) attachIfFits(ctx context.Context, cid string, ident Identifier, channel string, at time.Time) (string, error) {
	ok, err := b.fits(ctx, cid, ident.Type, 1)
	if err != nil || !ok {
		return "", err
	}
	if b.isPending(cid) {
		b.deferred.identities = append(b.deferred.identities,
			pendingIdentity{ident: ident, cid: cid, channel: channel, at: at.UnixMilli()})
		b.overlay[ident.String()] = cid
		b.fresh[cid][ident.Type]++
		return "", nil
	}
	res, err := b.tx.ExecContext(ctx,
		"INSERT INTO identities (type, value, customer_id, channel, first_seen_at) VALUES (?, ?, ?, ?, ?)"+
			" ON CONFLICT (type, value) DO NOTHING",
		string(ident.Type), ident.Value, cid, channel, at.UnixMilli())
	if err != nil {
		return "", fmt.Errorf("attach %s to %s: %w", ident, cid, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// On PostgreSQL the insert waited for the other transaction, and a
		// new statement sees what it committed.
		var winner string
		err := b.tx.QueryRowContext(ctx, "SELECT customer_id FROM identities WHERE type = ? AND value = ?",
			string(ident.Type), ident.Value).Scan(&winner)
		if err != nil {
			return "", fmt.Errorf("look up %s: %w", ident, err)
		}
		b.overlay[ident.String()] = winner
		return winner, nil
	}
	b.overlay[ident.String()] = cid
	if counts, ok := b.fresh[cid]; ok {
		counts[ident.Type]++
	}
	return "", nil
}

// emptyFresh reports whether cid was created in this transaction and holds
// no identifier yet.
func (b *Batch) emptyFresh(cid string) bool {
	counts, ok := b.fresh[cid]
	if !ok {
		return false
	}
	for _, n := range counts {
		if n > 0 {
			return false
		}
	}
	return true
}

// discard deletes a profile this transaction created and left empty.
func (b *Batch) discard(ctx context.Context, cid string) error {
	if b.isPending(cid) {
		b.dropPending(cid)
		delete(b.fresh, cid)
		return nil
	}
	if _, err := b.tx.ExecContext(ctx, "DELETE FROM customers WHERE id = ?", cid); err != nil {
		return fmt.Errorf("discard empty customer %s: %w", cid, err)
	}
	delete(b.fresh, cid)
	return nil
}

// prefetchChunk bounds the identifiers of one prefetch query (2 parameters
// each).
const prefetchChunk = 400

// Prefetch reads the owners of many identifiers in a few statements before a
// group of resolutions, instead of one statement per identifier the cache
// does not know. Identifiers it finds unowned are remembered as such for the
// rest of the transaction (an attach by another transaction in between is
// caught when this one attaches).
func (b *Batch) Prefetch(ctx context.Context, idents []Identifier) error {
	var want []Identifier
	seen := map[string]bool{}
	for _, ident := range idents {
		key := ident.String()
		if seen[key] || ident.Value == "" {
			continue
		}
		seen[key] = true
		if _, ok := b.overlay[key]; ok {
			continue
		}
		if _, ok := b.s.cache.get(key); ok {
			continue
		}
		want = append(want, ident)
	}
	for chunk := range slices.Chunk(want, prefetchChunk) {
		args := make([]any, 0, 2*len(chunk))
		for _, ident := range chunk {
			args = append(args, string(ident.Type), ident.Value)
			b.absent[ident.String()] = true
		}
		q := "SELECT type, value, customer_id FROM identities WHERE (type, value) IN (VALUES " +
			store.Rows(len(chunk), "(?, ?)") + ")"
		rows, err := b.tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("look up %d identifiers: %w", len(chunk), err)
		}
		for rows.Next() {
			var typ, value, cid string
			if err := rows.Scan(&typ, &value, &cid); err != nil {
				rows.Close()
				return fmt.Errorf("look up identifiers: %w", err)
			}
			key := Identifier{Type: Type(typ), Value: value}.String()
			b.overlay[key] = cid
			delete(b.absent, key)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("look up identifiers: %w", err)
		}
	}
	return nil
}
