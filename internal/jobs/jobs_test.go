package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestCleanupJobDeletesExpiredSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UnixMilli()
		mustExec(t, db, "INSERT INTO users (id, email, password_hash, role, created_at) VALUES ('u1', 'a@b.c', 'x', 'admin', 1)")
		mustExec(t, db, "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ('old', 'u1', 1, ?)", now-1000)
		mustExec(t, db, "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ('live', 'u1', 1, ?)", now+3600_000)

		workers := river.NewWorkers()
		river.AddWorker(workers, jobs.NewCleanupWorker(db, slog.New(slog.DiscardHandler), jobs.ExpiredSessions))
		q, err := jobs.New(db, jobs.Config{Workers: workers, PollInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		events, stop := q.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer stop()
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		if _, err := q.Insert(ctx, jobs.CleanupArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-events:
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("cleanup job ended %s: %v", ev.Kind, ev.Job.Errors)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("cleanup job did not run within 15s")
		}
		var left []string
		rows, err := db.QueryContext(ctx, "SELECT id_hash FROM sessions ORDER BY id_hash")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			rows.Scan(&s)
			left = append(left, s)
		}
		if len(left) != 1 || left[0] != "live" {
			t.Fatalf("sessions left = %v, want [live]", left)
		}
	})
}

func mustExec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
