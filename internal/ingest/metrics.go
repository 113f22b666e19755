package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts what the tracking API takes in and how its commits go.
type metrics struct {
	events     *prometheus.CounterVec
	commits    *prometheus.CounterVec
	groupSize  prometheus.Histogram
	commitTime prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omni_ingest_events_total", Help: "Tracking events committed, by outcome (written or duplicate).",
		}, []string{"outcome"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omni_ingest_commits_total", Help: "Group commits of tracking events, by result.",
		}, []string{"result"}),
		groupSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "omni_ingest_commit_events", Help: "Events per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "omni_ingest_commit_duration_seconds", Help: "Duration of group commits.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
}

// Collectors returns the tracking API's metrics, for registration.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.events, m.commits, m.groupSize, m.commitTime}
}

func (m *metrics) observeCommit(jobs, events int, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	m.commits.WithLabelValues(result).Inc()
	m.groupSize.Observe(float64(events))
	m.commitTime.Observe(took.Seconds())
}

func (m *metrics) observeEvents(written, duplicates int) {
	m.events.WithLabelValues("written").Add(float64(written))
	m.events.WithLabelValues("duplicate").Add(float64(duplicates))
}
