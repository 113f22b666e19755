package analytics

import (
	"context"
	"database/sql"
	"sync"

	"github.com/omni-hq/omni/internal/store"
)

// setCache keeps the encoded chunks of recently read day sets in memory,
// each with the day's version: a query reads from the database only the
// days whose version moved, which on a live system is today's. Entries are
// dropped oldest day first beyond the byte budget.
type setCache struct {
	mu      sync.Mutex
	budget  int
	size    int
	entries map[daySet]*cachedSet
}

type daySet struct {
	day  Day
	name string
}

type cachedSet struct {
	version int64
	chunks  map[int64][]byte
	size    int
}

func newSetCache(budget int) *setCache {
	return &setCache{budget: budget, entries: map[daySet]*cachedSet{}}
}

func (c *setCache) get(k daySet, version int64) *cachedSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[k]
	if e == nil || e.version != version {
		return nil
	}
	return e
}

func (c *setCache) put(k daySet, e *cachedSet) {
	if e.size > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[k]; old != nil {
		c.size -= old.size
	}
	c.entries[k] = e
	c.size += e.size
	for c.size > c.budget {
		oldest := k
		for ek := range c.entries {
			if ek.day < oldest.day {
				oldest = ek
			}
		}
		c.size -= c.entries[oldest].size
		delete(c.entries, oldest)
	}
}

// dayVersions returns the version of each day of p that has sets.
func (s *Service) dayVersions(ctx context.Context, p Period) (map[Day]int64, error) {
	out := map[Day]int64{}
	err := s.scanRows(ctx, "SELECT day, version FROM analytics_set_days WHERE day >= ? AND day < ?",
		[]any{int64(p.From), int64(p.To)}, func(scan func(...any) error) error {
			var d Day
			var v int64
			if err := scan(&d, &v); err != nil {
				return err
			}
			out[d] = v
			return nil
		})
	return out, err
}

// readDaySets reads the named sets of the given days from the database and
// caches them under the versions read before.
func (s *Service) readDaySets(ctx context.Context, days []Day, names []string, versions map[Day]int64) (map[daySet]*cachedSet, error) {
	out := map[daySet]*cachedSet{}
	for _, d := range days {
		for _, n := range names {
			out[daySet{d, n}] = &cachedSet{version: versions[d], chunks: map[int64][]byte{}}
		}
	}
	args := []any{}
	for _, d := range days {
		args = append(args, int64(d))
	}
	for _, n := range names {
		args = append(args, n)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT day, name, chunk, bits FROM analytics_sets WHERE day IN ("+store.Placeholders(len(days))+
		") AND name IN ("+store.Placeholders(len(names))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var day Day
	var name sql.RawBytes
	var chunk int64
	var enc []byte
	for rows.Next() {
		if err := rows.Scan(&day, &name, &chunk, &enc); err != nil {
			return nil, err
		}
		e := out[daySet{day, string(name)}]
		e.chunks[chunk] = enc
		e.size += len(enc) + 48
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, e := range out {
		s.sets.put(k, e)
	}
	return out, nil
}
