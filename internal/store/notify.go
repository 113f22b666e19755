package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// ErrNoNotify is returned by Notify and Listen on SQLite, which has one node.
var ErrNoNotify = errors.New("notifications need PostgreSQL")

var channelName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Notify sends payload (at most 8,000 bytes) to every node listening on
// channel, with PostgreSQL's NOTIFY.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.dialect != Postgres {
		return ErrNoNotify
	}
	if _, err := db.write.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// Listen calls fn with each payload notified on channel until ctx ends. It
// keeps one connection of the pool for itself, and reconnects (after a
// second) when the connection is lost; notifications sent meanwhile are
// missed, and lost reports each such gap.
func (db *DB) Listen(ctx context.Context, channel string, fn func(payload string), lost func(error)) error {
	if db.dialect != Postgres {
		return ErrNoNotify
	}
	if !channelName.MatchString(channel) {
		return fmt.Errorf("listen: invalid channel name %q", channel)
	}
	for {
		err := db.listenOnce(ctx, channel, fn)
		if ctx.Err() != nil {
			return nil
		}
		lost(err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, channel string, fn func(string)) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("listen %s: %w", channel, err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+channel); err != nil {
			return fmt.Errorf("listen %s: %w", channel, err)
		}
		// The connection goes back to the pool afterwards: stop listening.
		defer pc.Exec(context.Background(), "UNLISTEN "+channel)
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				return fmt.Errorf("listen %s: %w", channel, err)
			}
			fn(n.Payload)
		}
	})
}
