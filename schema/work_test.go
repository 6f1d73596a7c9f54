package schema_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
)

// hubStore is a store shaped like a hub of the generated graph, at a size a
// test affords: country/hub received 3,000 people (person/p-0000 ...), each
// dated in 2022-2024 and every tenth with a figure, and person/busy fled
// to it on 1,500 other days, each with a figure.
func hubStore(t *testing.T) graph.Store {
	t.Helper()
	c, err := seed.Load("predicates.yaml")
	if err != nil {
		t.Fatal(err)
	}
	person := func(id string) {
		c.Entities = append(c.Entities, graph.EntityChange{Where: "test", Entity: graph.Entity{ID: id, Name: id, Type: graph.Person}})
	}
	c.Entities = append(c.Entities,
		graph.EntityChange{Where: "test", Entity: graph.Entity{ID: "country/hub", Name: "Hub", Type: graph.Country}})
	person("person/busy")
	day := func(i int) string { return fmt.Sprintf("%d-%02d-%02d", 2022+i%3, 1+i/28%12, 1+i%28) }
	fled := func(who string, i int, amount float64) {
		r := graph.Relation{Subject: who, Predicate: "fled-to", Object: "country/hub", Date: day(i), Sources: []graph.Source{{Quote: "q"}}}
		if amount > 0 {
			r.Quantity = &graph.Quantity{Amount: amount, Unit: "people", Approximation: graph.Exact}
		}
		c.Relations = append(c.Relations, graph.RelationChange{Where: "test", Relation: r})
	}
	for i := range 3000 {
		who := fmt.Sprintf("person/p-%04d", i)
		person(who)
		fled(who, i, float64(map[bool]int{true: i + 1}[i%10 == 0]))
	}
	for i := range 1500 {
		fled("person/busy", i, float64(i+1))
	}
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Apply(context.Background(), c, false); err != nil {
		t.Fatal(err)
	}
	return st
}

// workAPI is the API over st with a work limit of records records.
func workAPI(t *testing.T, st graph.Store, records int) *schema.API {
	l := schema.DefaultLimits()
	l.MaxWork = records
	return newAPI(t, st, schema.Options{Limits: l})
}

// The work limit (Limits.MaxWork) on a hub: its three parts share one store.
func TestWorkLimit(t *testing.T) {
	st := hubStore(t)
	t.Run("counts are refused before they read", func(t *testing.T) { countsAreRefusedBeforeTheyRead(t, st) })
	t.Run("date ranges are counted from the index", func(t *testing.T) { dateRangesAreCountedFromTheIndex(t, st) })
	t.Run("scans stop at the limit", func(t *testing.T) { scansStopAtTheWorkLimit(t, st) })
}

// errorsOf returns the messages and codes of a response's errors.
func errorsOf(out map[string]any) (msgs []string, codes []string) {
	errs, _ := out["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		msgs = append(msgs, fmt.Sprint(m["message"]))
		ext, _ := m["extensions"].(map[string]any)
		codes = append(codes, fmt.Sprint(ext["code"]))
	}
	return msgs, codes
}

// Counts that must read relations say before reading one what they would
// read, from the counters, and are refused when the request cannot read
// that much, with what would narrow them; the rest of the request has its
// budget still. Before, relations(otherType:){totalCount} of a hub, and a
// date-range count with a predicate, read every relation, whatever they
// cost (8-9 s of processor time each on the generated million).
func countsAreRefusedBeforeTheyRead(t *testing.T, st graph.Store) {
	api := workAPI(t, st, 1000)
	ctx := context.Background()
	for _, tt := range []struct{ query, want string }{
		{`{ entity(id: "country/hub") { relations(otherType: PERSON, first: 0) { totalCount } } }`,
			"counting them reads the 4,500 relations of country/hub, more than the"},
		{`{ relations(subject: "person/busy", hasQuantity: true, otherType: COUNTRY, first: 0) { totalCount } }`,
			"counting them reads the 1,500 relations with person/busy as subject"},
		{`{ relations(predicate: "fled-to", from: "2022", to: "2024", first: 0) { totalCount } }`,
			"counting them reads the 4,500 relations dated in the range"},
		{`{ entity(id: "person/busy") { relations(direction: OUT, from: "2022", to: "2023", first: 0) { totalCount } } }`,
			"relations of person/busy dated in the range"},
		{`{ figures(subject: "person/busy", groupBy: NONE) { count } }`,
			"listing the figures of person/busy reads its 1,500 relations as subject"},
	} {
		// a page of 400 relations and their subjects, 800 records, asked
		// after the count: had the count read before it was refused, the
		// page would be refused too (a second error)
		q := strings.TrimSuffix(tt.query, " }") + ` page: relations(object: "country/hub", first: 400) { nodes { subject { id } } } }`
		msgs, codes := errorsOf(do(t, api, ctx, q, nil))
		if len(msgs) != 1 || !strings.Contains(msgs[0], tt.want) || codes[0] != "limit_exceeded" {
			t.Errorf("%s: errors %q %q; want one, limit_exceeded, saying %q", tt.query, msgs, codes, tt.want)
		}
	}
}

// A date range with no other filter is counted from the date index's keys
// alone: a timeline's count of 3,000 relations is answered by a request
// that may read 100 records (6,400 keys), the relations unread; a range
// wider than the keys a request may count is refused, naming the range.
func dateRangesAreCountedFromTheIndex(t *testing.T, st graph.Store) {
	ctx := context.Background()
	for _, q := range []string{
		`{ timeline(entity: "country/hub", from: "2022", to: "2024", first: 0) { totalCount } }`,
		`{ entity(id: "country/hub") { relations(from: "2022-01-01", to: "2024-12-31", first: 0) { totalCount } } }`,
		`{ timeline(from: "2022", to: "2024", first: 0) { totalCount } }`,
	} {
		var counted struct {
			Timeline *struct{ TotalCount int }
			Entity   *struct{ Relations struct{ TotalCount int } }
		}
		raw, _ := json.Marshal(mustData(t, do(t, workAPI(t, st, 100), ctx, q, nil)))
		json.Unmarshal(raw, &counted)
		n := 0
		if counted.Timeline != nil {
			n = counted.Timeline.TotalCount
		} else if counted.Entity != nil {
			n = counted.Entity.Relations.TotalCount
		}
		if n != 4500 {
			t.Errorf("%s = %s; want 4,500", q, raw)
		}
	}
	out := do(t, workAPI(t, st, 40), ctx, `{ relations(from: "1900", to: "2100", first: 0) { totalCount } }`, nil)
	msgs, codes := errorsOf(out)
	if len(msgs) != 1 || codes[0] != "limit_exceeded" ||
		!strings.Contains(msgs[0], "counting the relations dated from 1900-01-01 to 2100-12-31 reads the date index over the range") ||
		!strings.Contains(msgs[0], "a shorter date range") {
		t.Errorf("a count of every date with a budget of 2,560 keys: %q %q", msgs, codes)
	}
}

// A page whose filter keeps few of what it reads stops at the work limit
// with a message that says what to narrow; before, it read on to the
// timeout.
func scansStopAtTheWorkLimit(t *testing.T, st graph.Store) {
	ctx := context.Background()
	for _, q := range []string{
		// the other end's type is read for each relation: 3,000 people
		`{ entity(id: "country/hub") { relations(direction: IN, otherType: LAW, first: 10) { nodes { id } } } }`,
		// no relation of the hub is of this predicate
		`{ timeline(entity: "country/hub", predicates: ["returned-to"]) { nodes { id } } }`,
		`{ relations(otherType: LAW, first: 500) { nodes { id } } }`,
	} {
		out := do(t, workAPI(t, st, 1000), ctx, q, nil)
		msgs, codes := errorsOf(out)
		if len(msgs) != 1 || codes[0] != "limit_exceeded" || !strings.Contains(msgs[0], "this request read more than one request may: 1,000 records") {
			t.Errorf("%s: %q %q", q, msgs, codes)
		}
	}
	// every group of figures is held to the end, and costs a record: the
	// 301 subjects with figures are more than 250 records
	out := do(t, workAPI(t, st, 250), ctx, `{ figures(groupBy: SUBJECT, first: 1) { key } }`, nil)
	msgs, codes := errorsOf(out)
	if len(msgs) != 1 || codes[0] != "limit_exceeded" || !strings.Contains(msgs[0], "the figures fall in more groups than one request may hold") {
		t.Errorf("figures by subject: %q %q", msgs, codes)
	}
	// the same with room to read: answered
	out = do(t, workAPI(t, st, 20_000), ctx, `{ entity(id: "country/hub") { relations(direction: IN, otherType: LAW, first: 10) { totalCount nodes { id } } } }`, nil)
	if raw, _ := json.Marshal(out); !strings.Contains(string(raw), `{"nodes":[],"totalCount":0}`) {
		t.Errorf("with room: %s", raw)
	}
}
