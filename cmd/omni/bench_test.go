package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/loadgen"
)

// The shared load flags fill a scenario's Load, with the scenario's
// defaults when they are not given, and a scenario without a word for what
// is in flight has no --concurrency.
func TestLoadFlags(t *testing.T) {
	withConcurrency := loadSpec{defaults: loadgen.Load{Duration: 10 * time.Second, Warmup: 2 * time.Second, Concurrency: 16}, unit: "events", inFlight: "requests"}
	without := loadSpec{defaults: loadgen.Load{Duration: 10 * time.Second, Rate: 500}, unit: "messages"}
	tests := []struct {
		name    string
		spec    loadSpec
		args    []string
		want    loadgen.Load
		json    bool
		wantErr bool
	}{
		{"defaults", withConcurrency, nil, withConcurrency.defaults, false, false},
		{"every flag given", withConcurrency, []string{"--duration", "3s", "--warmup", "1s", "--concurrency", "2", "--rate", "50", "--json"},
			loadgen.Load{Duration: 3 * time.Second, Warmup: time.Second, Concurrency: 2, Rate: 50}, true, false},
		{"rate 0 overrides a default rate", without, []string{"--rate", "0"}, loadgen.Load{Duration: 10 * time.Second}, false, false},
		{"no --concurrency without inFlight", without, []string{"--concurrency", "2"}, loadgen.Load{}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("bench", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var load loadgen.Load
			asJSON := loadFlags(fs, &load, tc.spec)
			err := fs.Parse(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parse %v: %v", tc.args, err)
			}
			if !tc.wantErr && (load != tc.want || *asJSON != tc.json) {
				t.Fatalf("load %+v json %v, want %+v json %v", load, *asJSON, tc.want, tc.json)
			}
		})
	}
}

// Each scenario's --help shows its own defaults and words for the shared
// flags.
func TestBenchHelpLoadFlags(t *testing.T) {
	tests := []struct {
		scenario string
		says     []string
		lacks    string
	}{
		{"ingest", []string{"how long to measure (default 10s)", "requests in flight (default 16)", "events per second"}, ""},
		{"profile", []string{"(default 2s)", "profile opens in flight (default 8)", "profile opens per second"}, ""},
		{"cart", []string{"requests in flight (default 16)", "add-to-cart requests per second"}, ""},
		{"inbox", []string{"(first messages open conversations) (default 2s)", "messages per second", "each visitor writes again", "(default 500)"}, "-concurrency"},
		{"dashboard", []string{"about 100 requests of each page) (default 30s)", "pages in flight (default 4)", "as fast as the server answers (default 50)"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"bench", tc.scenario, "--help"}, &out, &errOut); code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			help := errOut.String()
			for _, s := range append(tc.says, "-json") {
				if !strings.Contains(help, s) {
					t.Errorf("help lacks %q:\n%s", s, help)
				}
			}
			if tc.lacks != "" && strings.Contains(help, tc.lacks) {
				t.Errorf("help has %q:\n%s", tc.lacks, help)
			}
		})
	}
}
