package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/store"
)

// ProfileConfig configures the profile scenario: an agent opening a customer
// — the profile, then the first page of the timeline — for random customers
// of an existing database.
type ProfileConfig struct {
	Database string // the database to read (built with `omni bench seed`)
	Load            // Rate counts profile opens
	Sample   int    // customer ids to pick from; default 100,000
}

// Profile measures profile + first timeline page reads through the REST API
// of a node started in this process on cfg.Database.
func Profile(ctx context.Context, cfg ProfileConfig, progress io.Writer) (Result, error) {
	if cfg.Database == "" {
		return Result{}, errors.New("--database is required: build one with `omni bench seed`")
	}
	cfg.Duration = max(cfg.Duration, time.Second)
	cfg.Concurrency = max(cfg.Concurrency, 1)
	if cfg.Sample <= 0 {
		cfg.Sample = 100_000
	}
	ids, err := sampleCustomers(ctx, cfg.Database, cfg.Sample)
	if err != nil {
		return Result{}, err
	}
	srv, err := startServer(ctx, cfg.Database, nil)
	if err != nil {
		return Result{}, err
	}
	defer srv.stop()
	_, token, err := auth.NewService(srv.db).CreateToken(ctx, "bench profile", auth.ScopeRead)
	if err != nil {
		return Result{}, err
	}
	res := Result{Scenario: "profile", Target: "in-process server on " + srv.database, Concurrency: cfg.Concurrency, Rate: cfg.Rate, BatchSize: 1}
	r := newRunner(IngestConfig{Load: cfg.Load, BatchSize: 1})
	r.opsRun(ctx, progress, &res, true, func(ctx context.Context, rng *rand.Rand) (int, error) {
		id := ids[rng.IntN(len(ids))]
		if err := get(ctx, r.client, srv.url+"/api/v1/customers/"+id, token); err != nil {
			return 0, err
		}
		return 1, get(ctx, r.client, srv.url+"/api/v1/customers/"+id+"/timeline?limit=50", token)
	})
	return res, nil
}

func sampleCustomers(ctx context.Context, database string, n int) ([]string, error) {
	db, err := store.Open(ctx, database)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var total int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers WHERE merged_into IS NULL").Scan(&total); err != nil {
		return nil, fmt.Errorf("count customers: %w", err)
	}
	if total == 0 {
		return nil, errors.New("the database has no customers")
	}
	// Every k-th customer by id: a spread sample without ORDER BY RANDOM() over millions of rows.
	step := max(total/n, 1)
	rows, err := db.QueryContext(ctx, "SELECT id FROM customers WHERE merged_into IS NULL ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for i := 0; rows.Next() && len(ids) < n; i++ {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if i%step == 0 {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

func get(ctx context.Context, c *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %.200s", url, resp.Status, body)
	}
	return nil
}

func newJSONRequest(ctx context.Context, url, token, body string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// opsRun runs op in a loop from each worker, each with its own random
// source, and records the result: the profile, cart and dashboard
// scenarios. withRSS adds this process's memory (see fill).
func (r *runner) opsRun(ctx context.Context, progress io.Writer, res *Result, withRSS bool,
	op func(ctx context.Context, rng *rand.Rand) (int, error)) {
	r.run(ctx, progress, func(ctx context.Context, w int, start time.Time) {
		rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
		r.loop(ctx, start, func(ctx context.Context) (int, error) { return op(ctx, rng) })
	})
	r.fill(res, withRSS)
}
