package loadgen

import "time"

// Load is how hard and how long a scenario drives the server; every
// scenario's config embeds it.
type Load struct {
	// Duration is how long to measure; each scenario has a default.
	Duration time.Duration
	// Warmup is how long to send before measuring: what is sent then is
	// not counted.
	Warmup time.Duration
	// Concurrency is how many workers send at once, each with one request
	// in flight: the inbox scenario's visitors, one conversation each.
	Concurrency int
	// Rate is the units (events, pages, messages, …) per second from all
	// workers together; 0 sends as fast as the server answers.
	Rate int
}
