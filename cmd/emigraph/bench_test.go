package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
)

// benchSize is the number of generated relations the benchmarks use:
// EMIGRAPH_BENCH_RELATIONS, 1,000,000 by default (entities are a tenth).
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("EMIGRAPH_BENCH_RELATIONS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// genJSONL is `emigraph gen` output of the benchmark size, as bytes.
func genJSONL(b *testing.B, relations int) []byte {
	b.Helper()
	c, err := Generate(relations/10, relations, 1)
	if err != nil {
		b.Fatal(err)
	}
	f, _ := seed.FormatByName("jsonl")
	var buf bytes.Buffer
	if err := f.Write(&buf, c); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkLoad parses `emigraph gen` output and loads it into an empty
// store, as `emigraph load` does, and reports relations per second, the
// store's size on disk and the heap in use at the end.
//
//	go test ./cmd/emigraph -run '^$' -bench BenchmarkLoad -benchtime 1x
func BenchmarkLoad(b *testing.B) {
	n := benchSize()
	data := genJSONL(b, n)
	f, _ := seed.FormatByName("jsonl")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		c, err := f.Parse("gen.jsonl", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := badger.Build(context.Background(), dir, c, badger.BuildOptions{}); err != nil {
			b.Fatal(err)
		}
		if i == b.N-1 {
			b.StopTimer()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(dirSize(dir))/(1<<20), "MiB-on-disk")
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MiB-heap-after")
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "relations/s")
}

func dirSize(dir string) int64 {
	var total int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return total
}

var (
	benchOnce  sync.Once
	benchAPI   *schema.API
	benchStore *badger.Store
	benchErr   error
)

// benchGraph loads the generated graph once per process, into a directory
// kept under the temporary directory between runs (it is rebuilt when
// missing), and returns the GraphQL API over it.
func benchGraph(b *testing.B) *schema.API {
	b.Helper()
	benchOnce.Do(func() {
		var dir string
		if dir, benchErr = benchStoreDir(); benchErr != nil {
			return
		}
		if benchStore, benchErr = badger.Open(dir, benchOptions()); benchErr != nil {
			return
		}
		benchAPI, benchErr = schema.New(context.Background(), benchStore, schema.Options{})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchAPI
}

// benchOptions are the options the benchmarks open the store with:
// EMIGRAPH_BENCH_CHECKSUMS sets Options.Checksums (none, table, block,
// table+block), EMIGRAPH_BENCH_TABLE_CHECK=off skips the store's own check
// of its tables at open, and EMIGRAPH_BENCH_CACHE sets the block cache (a
// small one makes most reads decompress, and check, their blocks), so that
// BENCHMARKS.md can compare them.
func benchOptions() badger.Options {
	o := badger.Options{Checksums: os.Getenv("EMIGRAPH_BENCH_CHECKSUMS"), NoTableCheck: os.Getenv("EMIGRAPH_BENCH_TABLE_CHECK") == "off"}
	if c := os.Getenv("EMIGRAPH_BENCH_CACHE"); c != "" {
		o.CacheSize, _ = badger.ParseBytes(c)
	}
	return o
}

// benchStoreDir returns the directory of the generated graph, kept under
// the temporary directory between runs (built when missing), closed; or
// EMIGRAPH_BENCH_STORE, a store built beforehand (by `emigraph load`, say
// with other Badger options), used as it is.
func benchStoreDir() (string, error) {
	if dir := os.Getenv("EMIGRAPH_BENCH_STORE"); dir != "" {
		return dir, nil
	}
	n := benchSize()
	// the name changes with the key layout, so that an old store is not reused
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("emigraph-bench-%d-layout%d", n, badger.LayoutVersion))
	if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
		return dir, nil
	}
	os.RemoveAll(dir)
	st, err := badger.Open(dir, badger.Options{})
	if err != nil {
		return "", err
	}
	c, err := Generate(n/10, n, 1)
	if err == nil {
		_, err = st.Load(context.Background(), c, badger.LoadOptions{})
	}
	// closed, so that its last memtable is flushed: a store left open (as
	// a benchmark process leaves it) replays that table on every open, and
	// which keys sit in it moved some rows by up to 30% between stores of
	// otherwise equal contents
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644)
}

// BenchmarkOpen opens the generated graph's store for writing, as serve
// does, and closes it: the store's check of its tables and Badger's own
// (EMIGRAPH_BENCH_CHECKSUMS, EMIGRAPH_BENCH_TABLE_CHECK) are in it.
//
//	go test ./cmd/emigraph -run '^$' -bench '^BenchmarkOpen$' -benchtime 5x
func BenchmarkOpen(b *testing.B) {
	dir, err := benchStoreDir()
	if err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	for b.Loop() {
		st, err := badger.Open(dir, benchOptions())
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}
	// the process's CPU time, which a loaded machine stretches less than the wall time
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkSnapshot reads the whole generated graph as export does
// (Store.Snapshot): most of its blocks are not in the block cache, so it
// shows what checking each block read costs (EMIGRAPH_BENCH_CHECKSUMS).
//
//	go test ./cmd/emigraph -run '^$' -bench '^BenchmarkSnapshot$' -benchtime 3x
func BenchmarkSnapshot(b *testing.B) {
	benchGraph(b)
	cpu := cpuTime()
	for b.Loop() {
		c, err := benchStore.Snapshot(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Relations) != benchSize() {
			b.Fatalf("%d relations", len(c.Relations))
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// hub is the country with the most relations in the generated graph.
const hub = "country/gen-0"

// benchQueries are the questions BenchmarkQueries asks (and
// TestServeMemory asks a server).
var benchQueries = []struct{ name, query string }{
	{"lookup", `{ entity(id: "person/gen-4242") { id name type } }`},
	{"one-hop", `{ entity(id: "person/gen-4242") { relations(first: 20) { nodes { predicate subject { name } object { name } } } } }`},
	// the questions of issue 12: a hub's first page with the count of all
	{"hub-page-total", `{ entity(id: "` + hub + `") { relations(direction: IN, first: 20) { totalCount nodes { predicate subject { name } } } } }`},
	{"hub-total", `{ entity(id: "` + hub + `") { relations(direction: IN, first: 20) { totalCount } } }`},
	{"hub-timeline-total", `{ timeline(entity: "` + hub + `", first: 50) { totalCount nodes { date predicate } } }`},
	{"search", `{ searchHits(text: "Person 4242", first: 10) { entity { id name } score } }`},
	{"search-fuzzy", `{ searchHits(text: "Persn 4242", first: 10) { entity { id } score } }`},
	// one word of one name (person/gen-12345), the query of issue 12's
	// comparison with Dgraph's term index
	{"search-word", `{ searchHits(text: "Vodenomu", first: 10) { entity { id name } score } }`},
	{"one-hop-hub-first-50", `{ entity(id: "` + hub + `") { relations(first: 50) { nodes { predicate date subject { name } object { name } } } } }`},
	// events meet only through their participants: two little-attended
	// events are 4 hops apart (event, person, country or law, person, event)
	{"path-4-hops", `{ path(from: "event/gen-1700", to: "event/gen-1950", maxHops: 4) { hops entities { id } } }`},
	{"timeline-page", `{ timeline(from: "2023-03", to: "2023-06", first: 50) { nodes { date predicate subject { name } } pageInfo { endCursor } } }`},
	{"timeline-entity-page", `{ timeline(entity: "` + hub + `", from: "2024", first: 50) { nodes { date predicate } } }`},
}

// BenchmarkQueries runs the questions of the query-power issue through the
// GraphQL executor (parse and validation cached, as for a repeated query)
// on the generated graph.
//
//	go test ./cmd/emigraph -run '^$' -bench BenchmarkQueries
func BenchmarkQueries(b *testing.B) {
	api := benchGraph(b)
	ctx := context.Background()
	queries := benchQueries
	for _, q := range queries {
		// fail early on a wrong query rather than benchmark an error
		res := api.Do(ctx, schema.Request{Query: q.query})
		if res.HasErrors() {
			b.Fatalf("%s: %v", q.name, res.Errors)
		}
		if q.name == "path-4-hops" {
			out, _ := json.Marshal(res.Data)
			if !bytes.Contains(out, []byte(`"hops":4`)) {
				b.Fatalf("the 4-hop benchmark found %s", out)
			}
		}
		b.Run(q.name, func(b *testing.B) {
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				if res := api.Do(ctx, schema.Request{Query: q.query}); res.HasErrors() {
					b.Fatal(res.Errors)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
