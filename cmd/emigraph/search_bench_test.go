package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// firstTimeSearches is how many distinct texts BenchmarkSearchFirstTime
// cycles through: twice the answers the store keeps (searchcache.go), so
// that every search it times is read from the index, as a text asked for
// the first time is.
const firstTimeSearches = 2048

// BenchmarkSearchFirstTime times searches the store has not answered
// before at that snapshot, from 8 goroutines (issue 24's clients): one
// word of one name (the first word of a person's name, as `Vodenomu` of
// BenchmarkQueries's search-word) and a misspelt name with a number
// (`Persn 4242`, search-fuzzy), each text different from the last 2,047.
//
//	go test ./cmd/emigraph -run '^$' -bench BenchmarkSearchFirstTime -benchtime 4000x
func BenchmarkSearchFirstTime(b *testing.B) {
	benchGraph(b)
	ctx := context.Background()
	people := benchSize() / 10 * 9 / 10 // gen makes nine entities in ten people
	words := make([]string, 0, firstTimeSearches)
	misspelt := make([]string, 0, firstTimeSearches)
	for i := 0; len(words) < firstTimeSearches; i++ {
		k := (i*7919 + 12345) % people
		e, err := benchStore.Entity(ctx, fmt.Sprintf("person/gen-%d", k))
		if err != nil || e == nil {
			b.Fatalf("person/gen-%d: %v %v", k, e, err)
		}
		words = append(words, strings.Fields(e.Name)[0])
		misspelt = append(misspelt, fmt.Sprintf("Persn %d", k))
	}
	// each text once, unmeasured, so that every run starts with the blocks
	// the texts read in the block cache, as a server that has been answering
	for _, text := range append(slices.Clip(words), misspelt...) {
		if _, err := benchStore.Search(ctx, text, nil, 10); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name  string
		texts []string
	}{{"one-word", words}, {"misspelt", misspelt}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(4) // 8 goroutines on 2 cores
			cpu := cpuTime()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					text := c.texts[next.Add(1)%firstTimeSearches]
					hits, err := benchStore.Search(ctx, text, nil, 10)
					if err != nil || len(hits) == 0 {
						b.Errorf("%q: %d hits, %v", text, len(hits), err)
						return
					}
				}
			})
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
