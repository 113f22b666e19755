package store

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statement reuse on SQLite. modernc's SQLite parses a statement
// each time database/sql is handed a query string, and parsing costs more
// than running the short indexed statements that most requests are made of.
// So each SQLite pool keeps the statements it has seen more than once
// prepared, as database/sql statements on the pool: database/sql prepares
// them on each connection on first use there and reuses them after.
//
// On the single writer connection a statement cannot be prepared on the pool
// while a transaction holds the connection (the preparation would wait for
// the connection forever). Inside a transaction, a statement the pool does
// not know yet is prepared on the transaction only and remembered; the pool
// prepares it once the transaction has ended. PostgreSQL's driver keeps its
// own cache of prepared statements per connection.
type stmtCache struct {
	pool *sql.DB

	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	order   []string        // the queries of stmts, oldest first
	seen    map[string]bool // run once; prepared when run again
	pending map[string]bool // seen in a transaction: prepare after it ends
	closed  bool
}

// Bounds on the statements a pool keeps and the queries it remembers: a
// query text built with a varying number of placeholders is one entry per
// shape, so the caches must not grow with the data. When the pool keeps
// maxPoolStmts statements, the oldest makes room for the next.
const (
	maxPoolStmts = 512
	maxSeen      = 4096
)

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, seen: map[string]bool{}, pending: map[string]bool{}}
}

// get returns the pool's statement for query, preparing it when the query
// runs for the second time. It returns nil when query runs unprepared.
// It must not be called inside a transaction on the writer.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	if st, ok := c.stmts[query]; ok || c.closed {
		c.mu.Unlock()
		return st
	}
	again := c.seen[query]
	if !again {
		c.remember(c.seen, query)
	}
	c.mu.Unlock()
	if !again {
		return nil
	}
	return c.prepare(ctx, query)
}

// lookup returns the pool's statement for query without preparing it; a
// query it does not know is noted, to be prepared by flush.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.stmts[query]
	if !ok && !c.closed {
		if c.seen[query] {
			c.pending[query] = true
		} else {
			c.remember(c.seen, query)
		}
	}
	return st
}

// flush prepares on the pool the statements noted by lookup. Call it
// outside any transaction.
func (c *stmtCache) flush(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		c.prepare(ctx, q)
	}
}

func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared path reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have, ok := c.stmts[query]; ok || c.closed {
		st.Close()
		return have
	}
	if len(c.order) >= maxPoolStmts {
		oldest := c.order[0]
		c.order = c.order[1:]
		// database/sql closes it once the transactions using it are done
		c.stmts[oldest].Close()
		delete(c.stmts, oldest)
	}
	c.stmts[query] = st
	c.order = append(c.order, query)
	delete(c.seen, query)
	return st
}

// remember adds query to set, starting the set afresh when it is full.
func (c *stmtCache) remember(set map[string]bool, query string) {
	if len(set) >= maxSeen {
		clear(set)
	}
	set[query] = true
}

// close closes the statements; later calls prepare nothing.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, st := range c.stmts {
		st.Close()
	}
	clear(c.stmts)
	c.order = nil
}
