package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
)

var (
	historyBenchOnce sync.Once
	historyBenchAPI  *schema.API
	historyBenchAt   string // the time of the first change, as asOf takes it
	historyBenchRels []string
	historyBenchErr  error
)

// historyBenchDir is the generated graph with a history: built (the first
// change), then every 20th relation corrected (a source added) and every
// 40th retracted in a second change, through transactions. It is kept
// under the temporary directory between runs, and its file "ready" holds
// the time of the first change.
func historyBenchDir() (dir, at string, err error) {
	n := benchSize()
	dir = filepath.Join(os.TempDir(), fmt.Sprintf("emigraph-bench-%d-history", n))
	if b, err := os.ReadFile(filepath.Join(dir, "ready")); err == nil {
		return dir, string(b), nil
	}
	os.RemoveAll(dir)
	ctx := context.Background()
	c, err := Generate(n/10, n, 1)
	if err != nil {
		return "", "", err
	}
	if _, err := badger.Build(ctx, dir, c, badger.BuildOptions{}); err != nil {
		return "", "", err
	}
	st, err := badger.Open(dir, badger.Options{})
	if err != nil {
		return "", "", err
	}
	changes := &graph.Changeset{}
	for i, rc := range c.Relations {
		switch {
		case i%20 == 0:
			r := rc.Relation
			r.Sources = append(append([]graph.Source(nil), r.Sources...), graph.Source{Quote: fmt.Sprintf("a correction of relation %d", i)})
			changes.Relations = append(changes.Relations, graph.RelationChange{Where: "bench", Relation: r})
		case i%40 == 10:
			changes.Retractions = append(changes.Retractions, graph.Retraction{Where: "bench", Relation: rc.Relation})
		}
	}
	_, err = st.Load(ctx, changes, badger.LoadOptions{})
	var first *graph.CommitPage
	if err == nil {
		first, err = st.Changes(ctx, time.Time{}, 1, "")
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", err
	}
	at = first.Commits[0].Time.Format(time.RFC3339Nano)
	return dir, at, os.WriteFile(filepath.Join(dir, "ready"), []byte(at), 0o644)
}

// historyBench opens the store of historyBenchDir once a process.
func historyBench(b *testing.B) *schema.API {
	b.Helper()
	historyBenchOnce.Do(func() {
		var dir string
		if dir, historyBenchAt, historyBenchErr = historyBenchDir(); historyBenchErr != nil {
			return
		}
		var st *badger.Store
		if st, historyBenchErr = badger.Open(dir, benchOptions()); historyBenchErr != nil {
			return
		}
		if historyBenchAPI, historyBenchErr = schema.New(context.Background(), st, schema.Options{}); historyBenchErr != nil {
			return
		}
		// relations of the hub as of the first change: corrected,
		// retracted and untouched ones
		page, err := st.RelationsAsOf(context.Background(), graph.RelationFilter{Entity: hub, First: 200}, mustTime(historyBenchAt))
		if historyBenchErr = err; err == nil {
			for _, r := range page.Relations {
				historyBenchRels = append(historyBenchRels, r.ID)
			}
		}
	})
	if historyBenchErr != nil {
		b.Fatal(historyBenchErr)
	}
	return historyBenchAPI
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// BenchmarkAsOf compares reads as of the first change (before the
// corrections and retractions) with the same reads now, pair by pair,
// through the GraphQL executor: one relation (200 of the hub's in turn),
// one entity, a person's relations and a page of the hub's.
//
//	go test ./cmd/emigraph -run '^$' -bench '^BenchmarkAsOf$' -benchtime 1000x

// (-count runs each pair's halves in a row; run the command again instead,
// so that the two alternate)
func BenchmarkAsOf(b *testing.B) {
	api := historyBench(b)
	ctx := context.Background()
	at := `, asOf: "` + historyBenchAt + `"`
	pairs := []struct {
		name, query string
		perRelation bool
	}{
		{"relation", `{ relation(id: "%s"%s) { id date sources { quote } } }`, true},
		{"entity", `{ entity(id: "person/gen-4242"%[2]s) { id name type } }`, false},
		{"person-relations", `{ entity(id: "person/gen-4242") { relations(first: 20%[2]s) { nodes { id predicate date } } } }`, false},
		{"hub-page-50", `{ entity(id: "` + hub + `") { relations(first: 50%[2]s) { nodes { id predicate date } } } }`, false},
	}
	for _, p := range pairs {
		for _, mode := range []string{"now", "as-of"} {
			suffix := ""
			if mode == "as-of" {
				suffix = at
			}
			queries := []string{fmt.Sprintf(p.query, "", suffix)}
			if p.perRelation {
				queries = queries[:0]
				for _, id := range historyBenchRels {
					queries = append(queries, fmt.Sprintf(p.query, id, suffix))
				}
			}
			if res := api.Do(ctx, schema.Request{Query: queries[0]}); res.HasErrors() || strings.Contains(fmt.Sprint(res.Data), "<nil>") && !p.perRelation {
				b.Fatalf("%s: %v %v", queries[0], res.Errors, res.Data)
			}
			// warmed, so that the first of a pair does not pay for the
			// blocks both read
			for i := range 2 * len(queries) {
				api.Do(ctx, schema.Request{Query: queries[i%len(queries)]})
			}
			b.Run(p.name+"/"+mode, func(b *testing.B) {
				cpu := cpuTime()
				for i := 0; i < b.N; i++ {
					if res := api.Do(ctx, schema.Request{Query: queries[i%len(queries)]}); res.HasErrors() {
						b.Fatal(res.Errors)
					}
				}
				b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
			})
		}
	}
}
