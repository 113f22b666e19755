package activity

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

type dayKey struct {
	day             int64
	channel, source string
}

type dayVal struct{ events, last int64 }

// RecordTx adds new events to the daily activity counts inside the
// transaction that stores them; it is a customer.AppendHook. Bulk loaders
// that bypass the hooks call it themselves.
func RecordTx(ctx context.Context, tx *store.Tx, events []customer.Event) error {
	if len(events) == 0 {
		return nil
	}
	by := map[dayKey]*dayVal{}
	for _, e := range events {
		ms := e.ReceivedAt.UnixMilli()
		k := dayKey{ms - ms%Day.Milliseconds(), e.Channel, e.SourceID}
		v := by[k]
		if v == nil {
			v = &dayVal{}
			by[k] = v
		}
		v.events, v.last = v.events+1, max(v.last, ms)
	}
	keys := slices.SortedFunc(maps.Keys(by), func(a, b dayKey) int {
		return cmp.Or(cmp.Compare(a.day, b.day), strings.Compare(a.channel, b.channel), strings.Compare(a.source, b.source))
	})
	for chunk := range slices.Chunk(keys, 200) {
		var q strings.Builder
		q.WriteString("INSERT INTO activity_daily (day, channel, source_id, events, last_received_at) VALUES ")
		args := make([]any, 0, 5*len(chunk))
		for i, k := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?)")
			args = append(args, k.day, k.channel, k.source, by[k].events, by[k].last)
		}
		q.WriteString(` ON CONFLICT (day, channel, source_id) DO UPDATE SET
			events = activity_daily.events + excluded.events,
			last_received_at = CASE WHEN excluded.last_received_at > activity_daily.last_received_at
				THEN excluded.last_received_at ELSE activity_daily.last_received_at END`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("count daily activity: %w", err)
		}
	}
	return nil
}
