package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/server"
)

// loadServer is the real server over a real store, served by Server.Serve on
// a loopback port.
type loadServer struct {
	url  string
	st   *badger.Store
	stop func()
}

func startLoadServer(t *testing.T, st *badger.Store) *loadServer {
	t.Helper()
	api, err := schema.New(context.Background(), st, schema.Options{
		Parse:  seed.Parse,
		Limits: schema.DefaultLimits(),
		OnPanic: func(v any, stack []byte) {
			t.Errorf("a resolver panicked under load: %v\n%s", v, stack)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{
		API:    api,
		Logger: zerolog.New(io.Discard), // a log line per request is encoded, as in production
		Token:  testToken,
		Ready:  func(ctx context.Context) error { _, err := st.CountEntities(ctx, ""); return err },
		// slowness is measured (p99, max), not failed: a busy CI machine
		// must not turn a slow answer into a timeout error
		RequestTimeout: time.Minute,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	var once sync.Once
	ls := &loadServer{url: "http://" + l.Addr().String(), st: st}
	ls.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(ls.stop)
	return ls
}

// gqlClient posts GraphQL requests and tells failures apart: a status other
// than 200, a body that is not a GraphQL response, or GraphQL errors.
type gqlClient struct {
	http *http.Client
	url  string
}

type gqlResult struct {
	Data   json.RawMessage   `json:"data"`
	Errors []json.RawMessage `json:"errors"`
}

func (c *gqlClient) do(query string, vars map[string]any, token string) (json.RawMessage, time.Duration, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, time.Since(start), err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return nil, took, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, took, fmt.Errorf("status %d: %.300s", resp.StatusCode, raw)
	}
	var res gqlResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, took, fmt.Errorf("not a GraphQL response: %v: %.300s", err, raw)
	}
	if len(res.Errors) > 0 {
		return nil, took, fmt.Errorf("GraphQL errors: %.300s", raw)
	}
	if len(res.Data) == 0 || string(res.Data) == "null" {
		return nil, took, fmt.Errorf("no data: %.300s", raw)
	}
	return res.Data, took, nil
}

const (
	qByID            = `query ByID($id: ID!) { entity(id: $id) { id name type } }`
	qByName          = `query ByName($name: String!) { entity(name: $name) { id name } }`
	qEntityRelations = `query EntityRelations($id: ID!, $after: String) { entity(id: $id) {
  relations(first: 20, after: $after) { nodes { id predicate subject { id name } object { id name } date sources { quote } }
    pageInfo { endCursor hasNextPage } } } }`
	qRelations = `query Relations($predicate: String, $after: String) {
  relations(predicate: $predicate, first: 50, after: $after) { nodes { id subject { name } object { name } date quantity { amount unit } }
    pageInfo { endCursor hasNextPage } } }`
	qSearch   = `query Search($text: String!) { searchHits(text: $text, first: 5) { entity { id name } score kind } }`
	qTimeline = `query Timeline($from: String, $to: String, $after: String) {
  timeline(from: $from, to: $to, first: 50, after: $after) { nodes { id date predicate subject { name } object { name } }
    pageInfo { endCursor hasNextPage } } }`
	qWrite = `mutation Write($e: EntityInput!, $r: RelationInput!) {
  e: upsertEntity(entity: $e) { ok summary { entitiesAdded } errors { where field message } }
  r: addRelation(relation: $r) { ok summary { relationsAdded } errors { where field message } } }`
)

// loadWrite is one acknowledged write: a new person and their flight.
type loadWrite struct {
	id, name, country, quote string
}

type loadStats struct {
	mu       sync.Mutex
	latency  map[string][]time.Duration // by operation
	failures []string
	failed   int
	acked    []loadWrite
}

func (s *loadStats) record(op string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency[op] = append(s.latency[op], d)
	if err != nil {
		s.failed++
		if len(s.failures) < 10 {
			s.failures = append(s.failures, op+": "+err.Error())
		}
	}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)) * p)
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

// TestLoad64Clients runs 64 concurrent clients against the real server for
// 3 seconds (30 with EMIGRAPH_LOADTEST=full): reads of entities by id and
// name, pages of relations, search and timeline, and authenticated writes of
// a new person and a relation each. No request may fail, and every
// acknowledged write must be readable afterwards, also after the store is
// closed and opened again.
func TestLoad64Clients(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	duration := 3 * time.Second
	if os.Getenv("EMIGRAPH_LOADTEST") == "full" {
		duration = 30 * time.Second
	}
	const clients = 64
	dir := t.TempDir()
	st := seededStore(t, dir)
	closed := false
	t.Cleanup(func() {
		if !closed {
			st.Close()
		}
	})
	srv := startLoadServer(t, st)
	transport := &http.Transport{MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	client := &gqlClient{http: &http.Client{Transport: transport, Timeout: time.Minute}, url: srv.url}

	// what the clients read: the seed's entities, names, countries
	data, _, err := client.do(`{ entities(first: 500) { nodes { id name type } } stats { totalEntities totalRelations } }`, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var seedData struct {
		Entities struct {
			Nodes []struct{ ID, Name, Type string }
		}
		Stats struct{ TotalEntities, TotalRelations int }
	}
	json.Unmarshal(data, &seedData)
	var ids, names, countries, searches []string
	nameCount := map[string]int{}
	for _, e := range seedData.Entities.Nodes {
		nameCount[graph.Normalize(e.Name)]++
	}
	for _, e := range seedData.Entities.Nodes {
		ids = append(ids, e.ID)
		if nameCount[graph.Normalize(e.Name)] == 1 {
			names = append(names, e.Name)
		}
		if e.Type == "COUNTRY" {
			countries = append(countries, e.ID)
		}
		searches = append(searches, e.Name, strings.ToLower(e.Name))
		if r := []rune(e.Name); len(r) > 6 {
			searches = append(searches, string(r[:len(r)/2]), string(append(append([]rune{}, r[:2]...), r[3:]...))) // a prefix, a typo
		}
	}
	if len(ids) < 200 || len(countries) < 10 || seedData.Stats.TotalRelations < 500 {
		t.Fatalf("the seed is not what the test expects: %d entities, %d countries, %d relations", len(ids), len(countries), seedData.Stats.TotalRelations)
	}
	predicates := []any{nil, "fled-to", "deported-by", "migration-to", "enacted"}
	periods := [][2]any{{nil, nil}, {"2022", "2022"}, {"2022-09", "2022-12"}, {"2023", nil}, {nil, "2022-03"}}

	stats := &loadStats{latency: map[string][]time.Duration{}}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 2022))
			var mine []loadWrite
			// pages follows a paginated list for up to three pages
			pages := func(op, q string, vars map[string]any, conn func(json.RawMessage) (string, bool)) {
				for range 3 {
					d, took, err := client.do(q, vars, "")
					stats.record(op, took, err)
					if err != nil {
						return
					}
					cursor, more := conn(d)
					if !more || ctx.Err() != nil {
						return
					}
					vars["after"] = cursor
				}
			}
			for n := 0; ctx.Err() == nil; n++ {
				switch k := rng.IntN(20); {
				case k < 4: // a write: a new person and a relation, unique to this client and step
					w := loadWrite{id: fmt.Sprintf("person/load-%d-%d", c, n), name: fmt.Sprintf("Loadtest Person %d %d", c, n),
						country: countries[rng.IntN(len(countries))], quote: fmt.Sprintf("load test write %d/%d", c, n)}
					d, took, err := client.do(qWrite, map[string]any{
						"e": map[string]any{"id": w.id, "name": w.name, "type": "PERSON"},
						"r": map[string]any{"subject": w.id, "predicate": "fled-to", "object": w.country, "date": "2024-05",
							"sources": []any{map[string]any{"quote": w.quote}}},
					}, testToken)
					if err == nil {
						var res struct {
							E struct {
								OK      bool
								Summary struct{ EntitiesAdded int }
							}
							R struct {
								OK      bool
								Summary struct{ RelationsAdded int }
							}
						}
						json.Unmarshal(d, &res)
						if !res.E.OK || !res.R.OK || res.E.Summary.EntitiesAdded != 1 || res.R.Summary.RelationsAdded != 1 {
							err = fmt.Errorf("the write was not acknowledged as one new entity and relation: %s", d)
						}
					}
					stats.record("write", took, err)
					if err == nil {
						mine = append(mine, w)
					}
				case k < 5 && len(mine) > 0: // read my latest write back
					w := mine[len(mine)-1]
					d, took, err := client.do(qByID, map[string]any{"id": w.id}, "")
					if err == nil && !strings.Contains(string(d), `"name":"`+w.name+`"`) {
						err = fmt.Errorf("an acknowledged write is not readable: %s gave %s", w.id, d)
					}
					stats.record("entityById", took, err)
				case k < 8:
					id := ids[rng.IntN(len(ids))]
					d, took, err := client.do(qByID, map[string]any{"id": id}, "")
					if err == nil && !strings.Contains(string(d), `"id":"`+id+`"`) {
						err = fmt.Errorf("entity %s: %s", id, d)
					}
					stats.record("entityById", took, err)
				case k < 10:
					name := names[rng.IntN(len(names))]
					d, took, err := client.do(qByName, map[string]any{"name": name}, "")
					if err == nil && string(d) == `{"entity":null}` {
						err = fmt.Errorf("entity named %q not found", name)
					}
					stats.record("entityByName", took, err)
				case k < 13:
					pages("entityRelations", qEntityRelations, map[string]any{"id": ids[rng.IntN(len(ids))]}, func(d json.RawMessage) (string, bool) {
						var r struct {
							Entity struct {
								Relations struct {
									PageInfo struct {
										EndCursor   string
										HasNextPage bool
									}
								}
							}
						}
						json.Unmarshal(d, &r)
						return r.Entity.Relations.PageInfo.EndCursor, r.Entity.Relations.PageInfo.HasNextPage
					})
				case k < 15:
					pages("relations", qRelations, map[string]any{"predicate": predicates[rng.IntN(len(predicates))]}, func(d json.RawMessage) (string, bool) {
						var r struct {
							Relations struct {
								PageInfo struct {
									EndCursor   string
									HasNextPage bool
								}
							}
						}
						json.Unmarshal(d, &r)
						return r.Relations.PageInfo.EndCursor, r.Relations.PageInfo.HasNextPage
					})
				case k < 18:
					_, took, err := client.do(qSearch, map[string]any{"text": searches[rng.IntN(len(searches))]}, "")
					stats.record("search", took, err)
				default:
					p := periods[rng.IntN(len(periods))]
					pages("timeline", qTimeline, map[string]any{"from": p[0], "to": p[1]}, func(d json.RawMessage) (string, bool) {
						var r struct {
							Timeline struct {
								PageInfo struct {
									EndCursor   string
									HasNextPage bool
								}
							}
						}
						json.Unmarshal(d, &r)
						return r.Timeline.PageInfo.EndCursor, r.Timeline.PageInfo.HasNextPage
					})
				}
			}
			stats.mu.Lock()
			stats.acked = append(stats.acked, mine...)
			stats.mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all, reads, writes []time.Duration
	ops := make([]string, 0, len(stats.latency))
	for op, ds := range stats.latency {
		ops = append(ops, op)
		all = append(all, ds...)
		if op == "write" {
			writes = append(writes, ds...)
		} else {
			reads = append(reads, ds...)
		}
	}
	sort.Strings(ops)
	for _, ds := range [][]time.Duration{all, reads, writes} {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	}
	for _, op := range ops {
		ds := stats.latency[op]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		t.Logf("%-16s %6d requests  p50 %8v  p99 %8v  max %8v", op, len(ds), percentile(ds, .50).Round(10*time.Microsecond),
			percentile(ds, .99).Round(10*time.Microsecond), ds[len(ds)-1].Round(10*time.Microsecond))
	}
	for _, f := range stats.failures {
		t.Errorf("failed request: %s", f)
	}
	if stats.failed > 0 {
		t.Errorf("%d of %d requests failed", stats.failed, len(all))
	}
	if len(stats.acked) == 0 || len(reads) == 0 {
		t.Fatalf("the run made %d writes and %d reads", len(stats.acked), len(reads))
	}

	lost := verifyWrites(t, client, stats.acked, seedData.Stats.TotalEntities, seedData.Stats.TotalRelations)
	// and after a clean restart: the store closed and opened again
	srv.stop()
	transport.CloseIdleConnections()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	st2, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	client.url = startLoadServer(t, st2).url
	lostAfterRestart := verifyWrites(t, client, stats.acked, seedData.Stats.TotalEntities, seedData.Stats.TotalRelations)

	summary := fmt.Sprintf("load: %d clients for %v on %d CPUs: %d requests (%d reads, %d writes), %.0f requests/s; "+
		"all p50 %v p99 %v; reads p50 %v p99 %v; writes p50 %v p99 %v; %d failed; %d of %d acknowledged writes lost (%d after a restart)",
		clients, elapsed.Round(time.Millisecond), runtime.NumCPU(), len(all), len(reads), len(writes), float64(len(all))/elapsed.Seconds(),
		percentile(all, .5).Round(10*time.Microsecond), percentile(all, .99).Round(10*time.Microsecond),
		percentile(reads, .5).Round(10*time.Microsecond), percentile(reads, .99).Round(10*time.Microsecond),
		percentile(writes, .5).Round(10*time.Microsecond), percentile(writes, .99).Round(10*time.Microsecond),
		stats.failed, lost, len(stats.acked), lostAfterRestart)
	t.Log(summary)
	fmt.Println(summary)
}

// verifyWrites reads every acknowledged write back through GraphQL, twenty
// to a request, and checks the totals; it returns how many were lost.
func verifyWrites(t *testing.T, client *gqlClient, acked []loadWrite, seedEntities, seedRelations int) int {
	t.Helper()
	lost := 0
	const batch = 20
	for i := 0; i < len(acked); i += batch {
		ws := acked[i:min(i+batch, len(acked))]
		var q strings.Builder
		q.WriteString("{")
		for j, w := range ws {
			fmt.Fprintf(&q, ` w%d: entity(id: %q) { id name relations(predicate: "fled-to", direction: OUT) { totalCount nodes { object { id } date sources { quote } } } }`, j, w.id)
		}
		q.WriteString(" }")
		d, _, err := client.do(q.String(), nil, "")
		if err != nil {
			t.Fatalf("reading the writes back: %v", err)
		}
		var res map[string]*struct {
			ID, Name  string
			Relations struct {
				TotalCount int
				Nodes      []struct {
					Object  struct{ ID string }
					Date    string
					Sources []struct{ Quote string }
				}
			}
		}
		if err := json.Unmarshal(d, &res); err != nil {
			t.Fatal(err)
		}
		for j, w := range ws {
			e := res[fmt.Sprintf("w%d", j)]
			ok := e != nil && e.ID == w.id && e.Name == w.name && e.Relations.TotalCount == 1 && len(e.Relations.Nodes) == 1 &&
				e.Relations.Nodes[0].Object.ID == w.country && e.Relations.Nodes[0].Date == "2024-05" &&
				len(e.Relations.Nodes[0].Sources) == 1 && e.Relations.Nodes[0].Sources[0].Quote == w.quote
			if !ok {
				lost++
				if lost <= 5 {
					got, _ := json.Marshal(e)
					t.Errorf("acknowledged write %s reads back as %s", w.id, got)
				}
			}
		}
	}
	d, _, err := client.do(`{ stats { totalEntities totalRelations } }`, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Stats struct{ TotalEntities, TotalRelations int }
	}
	json.Unmarshal(d, &s)
	if s.Stats.TotalEntities != seedEntities+len(acked) || s.Stats.TotalRelations != seedRelations+len(acked) {
		t.Errorf("stats say %d entities and %d relations; the seed and the %d acknowledged writes make %d and %d",
			s.Stats.TotalEntities, s.Stats.TotalRelations, len(acked), seedEntities+len(acked), seedRelations+len(acked))
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes are lost", lost, len(acked))
	}
	return lost
}
