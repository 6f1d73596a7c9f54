package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServeMemory measures the resident memory of a real `emigraph serve`
// over a store while it answers the benchmark's questions (benchQueries)
// over HTTP on loopback: each question 100 times or for 20 seconds,
// whichever comes first, the whole mix twice, and the server's resident
// memory (VmRSS) and its peak since it was ready (VmHWM, reset then) after
// each. It fails when the peak
// passes EMIGRAPH_SERVE_RSS_LIMIT MiB (300 by default). Off unless
// EMIGRAPH_SERVE_RSS names the data directory, a store of the generated
// graph (Linux only: it reads /proc):
//
//	emigraph gen --entities 100000 --relations 1000000 --seed 1 > big.jsonl
//	emigraph load big.jsonl --data DIR --no-seed
//	EMIGRAPH_SERVE_RSS=DIR go test ./cmd/emigraph -run TestServeMemory -v -timeout 30m
//
// EMIGRAPH_SERVE_BIN runs that binary instead of building this package, and
// EMIGRAPH_SERVE_ARGS adds flags to serve (such as --cache 256MiB).
func TestServeMemory(t *testing.T) {
	data := os.Getenv("EMIGRAPH_SERVE_RSS")
	if data == "" {
		t.Skip("set EMIGRAPH_SERVE_RSS to a data directory to measure a server's memory")
	}
	limit := 300
	if v := os.Getenv("EMIGRAPH_SERVE_RSS_LIMIT"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil {
			t.Fatalf("EMIGRAPH_SERVE_RSS_LIMIT: %v", err)
		}
	}
	srv := serveData(t, data, append([]string{"--log-level", "warn"}, strings.Fields(os.Getenv("EMIGRAPH_SERVE_ARGS"))...)...)
	client := &http.Client{Timeout: 60 * time.Second}
	url := srv.url
	ask := func(query string) error {
		body, _ := json.Marshal(map[string]string{"query": query})
		resp, err := client.Post(url+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var out struct{ Errors []any }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || len(out.Errors) > 0 {
			return fmt.Errorf("status %d, errors %v", resp.StatusCode, out.Errors)
		}
		return nil
	}
	rss, peak, _, _ := srv.memory(t)
	t.Logf("%-34s %6s %10s %8s %8s", "after", "asked", "p50", "RSS MiB", "peak MiB")
	t.Logf("%-34s %6s %10s %8d %8d", "start", "", "", rss, peak)
	// the peak from here on is the server's, not that of opening the store
	// (which migrates an older key layout)
	srv.clearPeak(t, "opening the store")
	for round := 1; round <= 2; round++ {
		for _, q := range benchQueries {
			var took []time.Duration
			for start := time.Now(); len(took) < 100 && time.Since(start) < 20*time.Second; {
				t0 := time.Now()
				if err := ask(q.query); err != nil {
					t.Fatalf("%s: %v", q.name, err)
				}
				took = append(took, time.Since(t0))
			}
			p50 := median(took)
			rss, peak, _, _ = srv.memory(t)
			t.Logf("%-34s %6d %10s %8d %8d", fmt.Sprintf("%s (round %d)", q.name, round), len(took), p50.Round(10*time.Microsecond), rss, peak)
		}
	}
	if peak > limit {
		t.Errorf("the server's resident memory peaked at %d MiB, above %d MiB", peak, limit)
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s { // insertion sort: a hundred at most
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}
