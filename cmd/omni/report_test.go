package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/analytics/analyticstest"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// bulkLoad writes the scenario's events straight into a new SQLite file, as
// a bulk import would (no ingest hooks), with A's phone profile merged.
func bulkLoad(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "omni.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	events := analyticstest.Events()
	for i := range events {
		if events[i].CustomerID == analyticstest.APhone {
			events[i].CustomerID = analyticstest.A
		}
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, c := range analyticstest.Customers() {
			if _, err := tx.ExecContext(ctx, "INSERT INTO customers (id, created_at, first_seen_at, last_seen_at) VALUES (?, 0, 0, 0)", c); err != nil {
				return err
			}
		}
		_, err := customer.InsertTx(ctx, tx, events)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportStrategy(t *testing.T) {
	db := bulkLoad(t)
	var out, errOut bytes.Buffer
	args := []string{"report", "strategy", "--database", db, "--from", "2026-10-01", "--to", "2026-10-31"}
	if code := run(context.Background(), append(args, "--json"), &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "replaying the event log") || !strings.Contains(errOut.String(), "replayed 17 events") {
		t.Errorf("no progress on stderr: %q", errOut.String())
	}
	var r analytics.StrategyReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("decode %s: %v", out.String(), err)
	}
	for i, w := range analyticstest.October {
		l := r.Lines[i]
		if l.Key != w.Key || l.Lost != w.Lost || l.Base != w.Base || l.Example != w.Example {
			t.Errorf("line %s: %+v, want %+v", w.Key, l, w)
		}
	}
	out.Reset()
	if code := run(context.Background(), append(args, "--quiet"), &out, &errOut); code != exitOK {
		t.Fatalf("text report exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"2026-10-01 to 2026-10-31: 4 customers", "3. Carts abandoned on one channel",
		"lost 1 of 2 (50.0%): connected 2, siloed 1", "revenue concerned 100.00 EUR of 150.00 EUR", "example customer: cus_test_a", "how: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestReportRefreshRebuildsRollups(t *testing.T) {
	db := bulkLoad(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"report", "refresh", "--rebuild", "--database", db}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "rebuilding rollups: done") || !strings.Contains(out.String(), "19 events of 4 customers") {
		t.Errorf("stdout %q", out.String())
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o, err := analytics.NewService(st, analytics.Options{}).Overview(ctx, analytics.Period{
		From: analytics.DayOf(analyticstest.At(10, 1, 0, 0).UnixMilli()), To: analytics.DayOf(analyticstest.At(11, 1, 0, 0).UnixMilli())})
	if err != nil || o.Current.Visitors != 3 || o.Current.Orders != 2 {
		t.Fatalf("overview after rebuild: %+v, %v", o.Current, err)
	}
}

func TestReportUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "omni.db")
	for _, args := range [][]string{
		{"report"},
		{"report", "forecast"},
		{"report", "strategy", "--database", db, "--from", "October"},
		{"report", "strategy", "--database", db, "--lookback-days", "0"},
		{"report", "refresh", "--database", db, "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errOut.String())
		}
	}
}
