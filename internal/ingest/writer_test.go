package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// recorder is a commit function that records the groups it is given.
type recorder struct {
	mu      sync.Mutex
	groups  [][]string // source ids of each committed group
	gate    chan struct{}
	entered chan struct{} // signalled as each commit starts
	fail    func(group []*job) error
}

func newRecorder() *recorder {
	return &recorder{gate: make(chan struct{}), entered: make(chan struct{}, 100)}
}

func (r *recorder) commit(_ context.Context, group []*job) error {
	if r.entered != nil {
		r.entered <- struct{}{}
	}
	if r.gate != nil {
		<-r.gate
	}
	if r.fail != nil {
		if err := r.fail(group); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, len(group))
	for i, j := range group {
		names[i] = j.sourceID
	}
	r.groups = append(r.groups, names)
	return nil
}

func newJob(name string, events int) *job {
	return &job{sourceID: name, events: make([]Event, events)}
}

// submitAll submits jobs concurrently and returns their outcomes by name.
func submitAll(w *writer, jobs []*job) map[string]error {
	var mu sync.Mutex
	out := map[string]error{}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			err := w.submit(context.Background(), j)
			mu.Lock()
			out[j.sourceID] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func TestWriterGroupsWaitingRequests(t *testing.T) {
	rec := newRecorder()
	w := newWriter(rec.commit, 1000, 64, -1, time.Second)
	defer w.close(context.Background())
	first := make(chan error)
	go func() { first <- w.submit(context.Background(), newJob("first", 1)) }()
	// While the first commit is held, ten requests queue up behind it.
	<-rec.entered
	var jobs []*job
	for i := range 10 {
		jobs = append(jobs, newJob(fmt.Sprint("j", i), 10))
	}
	done := make(chan map[string]error)
	go func() { done <- submitAll(w, jobs) }()
	waitFor(t, func() bool { return len(w.jobs) == 10 })
	close(rec.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for name, err := range <-done {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(rec.groups) != 2 || len(rec.groups[1]) != 10 {
		t.Fatalf("groups %v, want the first alone and then all ten together", rec.groups)
	}
}

func TestWriterCapsGroupSize(t *testing.T) {
	rec := newRecorder()
	w := newWriter(rec.commit, 25, 64, -1, time.Second)
	defer w.close(context.Background())
	go w.submit(context.Background(), newJob("first", 1))
	<-rec.entered
	var jobs []*job
	for i := range 6 {
		jobs = append(jobs, newJob(fmt.Sprint("j", i), 10))
	}
	done := make(chan map[string]error)
	go func() { done <- submitAll(w, jobs) }()
	waitFor(t, func() bool { return len(w.jobs) == 6 })
	close(rec.gate)
	<-done
	for _, g := range rec.groups[1:] {
		if len(g) > 3 { // 3 jobs of 10 events reach the cap of 25
			t.Fatalf("group %v exceeds the event cap", g)
		}
	}
}

func TestWriterIsolatesAFailingRequest(t *testing.T) {
	poison := apperr.New(apperr.Internal, "poison")
	rec := newRecorder()
	rec.fail = func(group []*job) error {
		for _, j := range group {
			if j.sourceID == "bad" {
				return poison
			}
		}
		return nil
	}
	w := newWriter(rec.commit, 1000, 64, -1, time.Second)
	defer w.close(context.Background())
	go w.submit(context.Background(), newJob("first", 1))
	<-rec.entered
	jobs := []*job{newJob("a", 1), newJob("bad", 1), newJob("b", 1)}
	done := make(chan map[string]error)
	go func() { done <- submitAll(w, jobs) }()
	waitFor(t, func() bool { return len(w.jobs) == 3 })
	close(rec.gate)
	res := <-done
	if res["a"] != nil || res["b"] != nil || !errors.Is(res["bad"], poison) {
		t.Fatalf("outcomes %v: want only the bad request to fail", res)
	}
}

func TestWriterFailedCommitFailsEveryRequest(t *testing.T) {
	down := errors.New("database down")
	rec := &recorder{fail: func([]*job) error { return down }}
	w := newWriter(rec.commit, 1000, 64, time.Millisecond, time.Second)
	defer w.close(context.Background())
	for name, err := range submitAll(w, []*job{newJob("a", 2), newJob("b", 3), newJob("c", 1)}) {
		if !errors.Is(err, down) {
			t.Errorf("%s: %v, want the commit error", name, err)
		}
	}
}

func TestWriterRecoversFromPanickingCommit(t *testing.T) {
	w := newWriter(func(context.Context, []*job) error { panic("boom") }, 1000, 64, -1, time.Second)
	defer w.close(context.Background())
	if err := w.submit(context.Background(), newJob("a", 1)); !errors.Is(err, errCommit) {
		t.Fatalf("err %v, want a commit error", err)
	}
}

func TestWriterCloseDrains(t *testing.T) {
	rec := newRecorder()
	w := newWriter(rec.commit, 1, 64, -1, time.Second)
	var jobs []*job
	for i := range 5 {
		jobs = append(jobs, newJob(fmt.Sprint("j", i), 1))
	}
	done := make(chan map[string]error)
	go func() { done <- submitAll(w, jobs) }()
	waitFor(t, func() bool { return len(w.jobs) == 4 })
	closed := make(chan error)
	go func() { closed <- w.close(context.Background()) }()
	waitFor(t, func() bool { w.mu.RLock(); defer w.mu.RUnlock(); return w.closed })
	if err := w.submit(context.Background(), newJob("late", 1)); apperr.CodeOf(err) != apperr.Unavailable {
		t.Fatalf("submit after close: %v, want Unavailable", err)
	}
	close(rec.gate)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for name, err := range <-done {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(rec.groups) != 5 {
		t.Fatalf("%d commits, want all 5 queued requests committed", len(rec.groups))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
