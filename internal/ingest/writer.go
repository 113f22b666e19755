package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// job is one accepted request waiting for its commit.
type job struct {
	sourceID      string
	sourceChannel string
	events        []Event
	ids           []string   // event ids, derived from source and messageId
	done          chan error // receives the commit's outcome once
}

// commitFunc writes a group of jobs in one transaction: all or none.
type commitFunc func(ctx context.Context, jobs []*job) error

// errClosed answers requests that arrive after shutdown began.
var errClosed = apperr.New(apperr.Unavailable, "the server is shutting down; retry")

// writer is the group committer. Handlers submit jobs; one goroutine takes
// every job waiting (up to maxEvents events, lingering up to linger for more
// when the group is small) and commits them in one transaction. SQLite has one
// writer, and a commit costs an fsync however many rows it carries, so
// grouping is how ingestion scales. Each handler hears back only after the
// commit that holds its events.
type writer struct {
	commit    commitFunc
	maxEvents int
	linger    time.Duration
	timeout   time.Duration
	onCommit  func(jobs, events int, took time.Duration, err error)

	mu     sync.RWMutex
	closed bool
	jobs   chan *job
	done   chan struct{}
}

func newWriter(commit commitFunc, maxEvents, queue int, linger, timeout time.Duration) *writer {
	w := &writer{commit: commit, maxEvents: maxEvents, linger: linger, timeout: timeout,
		jobs: make(chan *job, queue), done: make(chan struct{})}
	go w.loop()
	return w
}

// submit queues j and waits for its commit. A cancelled ctx stops the wait,
// not the commit: the events may still be written, which a retry with the
// same messageIds absorbs.
func (w *writer) submit(ctx context.Context, j *job) error {
	j.done = make(chan error, 1)
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.jobs <- j:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops taking jobs, commits those already queued and waits for the
// writer to finish or ctx to end.
func (w *writer) close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.jobs)
	}
	w.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) loop() {
	defer close(w.done)
	for first := range w.jobs {
		group, n := w.gather(first)
		w.flush(group, n)
	}
}

// gather takes the jobs queued behind first, up to maxEvents events; when the
// queue runs dry it waits up to linger for more.
func (w *writer) gather(first *job) ([]*job, int) {
	group, n := []*job{first}, len(first.events)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for n < w.maxEvents {
		var j *job
		var ok bool
		select {
		case j, ok = <-w.jobs:
		default:
			if w.linger <= 0 {
				return group, n
			}
			if timer == nil {
				timer = time.NewTimer(w.linger)
			}
			select {
			case j, ok = <-w.jobs:
			case <-timer.C:
				return group, n
			}
		}
		if !ok {
			return group, n
		}
		group, n = append(group, j), n+len(j.events)
	}
	return group, n
}

// flush commits a group. When a group of several requests fails, each is
// retried alone, so that one request the database refuses cannot fail the
// requests that happened to share its transaction; a request whose own
// commit fails gets that error. Nothing of a failed commit is visible.
func (w *writer) flush(group []*job, n int) {
	err := w.run(group, n)
	if err == nil || len(group) == 1 {
		for _, j := range group {
			j.done <- err
		}
		return
	}
	for _, j := range group {
		j.done <- w.run([]*job{j}, len(j.events))
	}
}

func (w *writer) run(group []*job, n int) (err error) {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			err = errors.Join(errCommit, panicError{p})
		}
		if w.onCommit != nil {
			w.onCommit(len(group), n, time.Since(start), err)
		}
	}()
	return w.commit(ctx, group)
}

// errCommit marks a failed commit; the request may be retried.
var errCommit = errors.New("commit tracking events")

type panicError struct{ v any }

func (p panicError) Error() string { return "panic in commit" }
