package analytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/omni-hq/omni/internal/store"
)

// setKey names one stored chunk of a day's customer set.
type setKey struct {
	day   Day
	name  string
	chunk int64
}

func compareSetKeys(x, y setKey) int {
	return cmp.Or(cmp.Compare(x.day, y.day), strings.Compare(x.name, y.name), cmp.Compare(x.chunk, y.chunk))
}

// setDelta is what a batch adds to and removes from one chunk.
type setDelta struct{ add, del []uint16 }

type setDeltas map[setKey]*setDelta

// add records that ordinal n joins (in) or leaves (!in) the set named by k's
// day and name; k's chunk is taken from n.
func (d setDeltas) add(k setKey, n int64, in bool) {
	var i uint16
	k.chunk, i = chunkOf(n)
	v := d[k]
	if v == nil {
		v = &setDelta{}
		d[k] = v
	}
	if in {
		v.add = append(v.add, i)
	} else {
		v.del = append(v.del, i)
	}
}

// applySets merges the deltas into the stored chunks, a day at a time and in
// key order. On PostgreSQL the chunks are created when missing and locked
// before they are read, so concurrent writers never lose each other's bits.
func applySets(ctx context.Context, tx *store.Tx, deltas setDeltas) error {
	keys := make([]setKey, 0, len(deltas))
	for k := range deltas {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareSetKeys)
	if err := bumpDays(ctx, tx, keys); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := 1
		for n < len(keys) && keys[n].day == keys[0].day && n < 500 {
			n++
		}
		if err := applyDaySets(ctx, tx, keys[:n], deltas); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// bumpDays moves the version of every day the keys touch.
func bumpDays(ctx context.Context, tx *store.Tx, keys []setKey) error {
	var days []any
	for i, k := range keys {
		if i == 0 || k.day != keys[i-1].day {
			days = append(days, int64(k.day), 1)
		}
	}
	if len(days) == 0 {
		return nil
	}
	q := "INSERT INTO analytics_set_days (day, version) VALUES " +
		store.Rows(len(days)/2, "(?,?)") +
		" ON CONFLICT (day) DO UPDATE SET version = analytics_set_days.version + 1"
	_, err := tx.ExecContext(ctx, q, days...)
	return wrap("bump set versions", err)
}

func applyDaySets(ctx context.Context, tx *store.Tx, keys []setKey, deltas setDeltas) error {
	day := keys[0].day
	if tx.Dialect() == store.Postgres {
		if err := insertEmptyChunks(ctx, tx, keys); err != nil {
			return err
		}
	}
	stored, err := loadChunks(ctx, tx, day, keys)
	if err != nil {
		return err
	}
	var changed []setKey
	enc := map[setKey][]byte{}
	var bm bitmap
	for _, k := range keys {
		clear(bm[:])
		if err := decodeChunk(&bm, stored[k]); err != nil {
			return fmt.Errorf("customer set %s %s: %w", k.day, k.name, err)
		}
		before := bm
		d := deltas[k]
		for _, i := range d.del {
			bm.clear(i)
		}
		for _, i := range d.add {
			bm.set(i)
		}
		if _, ok := stored[k]; ok && bm == before {
			continue
		}
		changed = append(changed, k)
		enc[k] = encodeChunk(&bm)
	}
	return upsertChunks(ctx, tx, changed, enc)
}

func insertEmptyChunks(ctx context.Context, tx *store.Tx, keys []setKey) error {
	var q strings.Builder
	q.WriteString("INSERT INTO analytics_sets (day, name, chunk, bits) VALUES ")
	args := make([]any, 0, len(keys)*4)
	for i, k := range keys {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?,?,?,?)")
		args = append(args, int64(k.day), k.name, k.chunk, []byte{kindArray})
	}
	q.WriteString(" ON CONFLICT (day, name, chunk) DO NOTHING")
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return wrap("create customer set chunks", err)
	}
	return nil
}

func loadChunks(ctx context.Context, tx *store.Tx, day Day, keys []setKey) (map[setKey][]byte, error) {
	var names []any
	var chunks []any
	seenN, seenC := map[string]bool{}, map[int64]bool{}
	for _, k := range keys {
		if !seenN[k.name] {
			seenN[k.name] = true
			names = append(names, k.name)
		}
		if !seenC[k.chunk] {
			seenC[k.chunk] = true
			chunks = append(chunks, k.chunk)
		}
	}
	q := "SELECT name, chunk, bits FROM analytics_sets WHERE day = ? AND name IN (" + store.Placeholders(len(names)) +
		") AND chunk IN (" + store.Placeholders(len(chunks)) + ") ORDER BY name, chunk" + forUpdate(tx)
	args := append(append([]any{int64(day)}, names...), chunks...)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap("load customer sets", err)
	}
	defer rows.Close()
	out := map[setKey][]byte{}
	for rows.Next() {
		k := setKey{day: day}
		var bits []byte
		if err := rows.Scan(&k.name, &k.chunk, &bits); err != nil {
			return nil, wrap("load customer sets", err)
		}
		out[k] = bits
	}
	return out, wrap("load customer sets", rows.Err())
}

func upsertChunks(ctx context.Context, tx *store.Tx, keys []setKey, enc map[setKey][]byte) error {
	for chunk := range slices.Chunk(keys, 200) {
		var q strings.Builder
		q.WriteString("INSERT INTO analytics_sets (day, name, chunk, bits) VALUES ")
		args := make([]any, 0, len(chunk)*4)
		for i, k := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?)")
			args = append(args, int64(k.day), k.name, k.chunk, enc[k])
		}
		q.WriteString(" ON CONFLICT (day, name, chunk) DO UPDATE SET bits = excluded.bits")
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return wrap("write customer sets", err)
		}
	}
	return nil
}

// wrap adds context to a non-nil error.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("analytics: %s: %w", what, err)
}
