package badger_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// randomGraph is a random graph and the relations it holds now, so that
// counts can be checked against a count of the relations themselves.
type randomGraph struct {
	rng       *rand.Rand
	preds     []string
	entities  []string
	relations map[string]graph.Relation
	next      int
}

func newRandomGraph(seed uint64, entities int) (*randomGraph, *graph.Changeset) {
	g := &randomGraph{rng: rand.New(rand.NewPCG(seed, seed+1)), relations: map[string]graph.Relation{}}
	c := &graph.Changeset{}
	for i := range 5 {
		id := fmt.Sprintf("pred-%d", i)
		g.preds = append(g.preds, id)
		c.Predicates = append(c.Predicates, graph.PredicateChange{Predicate: graph.Predicate{ID: id, Label: id, InverseLabel: id + " of",
			SubjectTypes: graph.EntityTypes, ObjectTypes: graph.EntityTypes, ObjectOptional: true}})
	}
	for i := range entities {
		id := fmt.Sprintf("person/e-%d", i)
		g.entities = append(g.entities, id)
		c.Entities = append(c.Entities, graph.EntityChange{Entity: graph.Entity{ID: id, Type: graph.Person, Name: fmt.Sprintf("E %d", i)}})
	}
	return g, c
}

// entity picks an entity, a few of them (hubs) far more often than the rest.
func (g *randomGraph) entity() string {
	if g.rng.IntN(3) == 0 {
		return g.entities[g.rng.IntN(3)]
	}
	return g.entities[g.rng.IntN(len(g.entities))]
}

// relation makes a random relation under id: some without an object, some
// from an entity to itself, some undated, some periods.
func (g *randomGraph) relation(id string) graph.Relation {
	r := graph.Relation{ID: id, Subject: g.entity(), Predicate: g.preds[g.rng.IntN(len(g.preds))],
		Sources: []graph.Source{{Quote: "q " + id}}}
	switch n := g.rng.IntN(20); {
	case n == 0:
	case n == 1:
		r.Object = r.Subject
	default:
		r.Object = g.entity()
	}
	if g.rng.IntN(4) != 0 {
		r.Date = fmt.Sprintf("%d-%02d", 2022+g.rng.IntN(3), 1+g.rng.IntN(12))
		switch g.rng.IntN(8) {
		case 0, 1:
			r.EndDate = fmt.Sprintf("%d", 2025+g.rng.IntN(2))
		case 2:
			r.Timing = graph.Since // a period open at its end
		}
	}
	if g.rng.IntN(2) == 0 {
		// a figure: few amounts and units, so that the largest and the latest tie
		r.Quantity = &graph.Quantity{Amount: float64(g.rng.IntN(8) * 1000), Unit: []string{"people", "", "per\x00cent"}[g.rng.IntN(3)],
			Approximation: graph.Approximations[0]}
	}
	return r
}

// adds states n new relations.
func (g *randomGraph) adds(n int) *graph.Changeset {
	c := &graph.Changeset{}
	for range n {
		g.next++
		r := g.relation(fmt.Sprintf("rel/r-%d", g.next))
		g.relations[r.ID] = r
		c.Relations = append(c.Relations, graph.RelationChange{Relation: r})
	}
	return c
}

// changes restates some relations with another subject, object, predicate
// or date, and retracts others.
func (g *randomGraph) changes(updates, retractions int) *graph.Changeset {
	c := &graph.Changeset{}
	ids := make([]string, 0, len(g.relations))
	for id := range g.relations {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	g.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for _, id := range ids[:updates] {
		r := g.relations[id]
		switch g.rng.IntN(6) {
		case 0:
			r = g.relation(id) // everything changes
		case 1:
			r.Date, r.EndDate, r.Timing = "", "", "" // dated no more
		case 2:
			r.Date, r.EndDate, r.Timing = "2024-05-06", "", ""
		case 3:
			r.Object = g.entity()
		case 4:
			r.Quantity = nil // a figure no more (or never one)
		case 5:
			r.Sources = []graph.Source{{Quote: "restated " + id}} // the same figure, another source
		}
		g.relations[id] = r
		c.Relations = append(c.Relations, graph.RelationChange{Relation: r})
	}
	for _, id := range ids[updates : updates+retractions] {
		delete(g.relations, id)
		c.Retractions = append(c.Retractions, graph.Retraction{Relation: graph.Relation{ID: id}})
	}
	return c
}

// state is the changeset that states the graph as it is now.
func (g *randomGraph) state(base *graph.Changeset) *graph.Changeset {
	c := &graph.Changeset{Predicates: base.Predicates, Entities: base.Entities}
	ids := make([]string, 0, len(g.relations))
	for id := range g.relations {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		c.Relations = append(c.Relations, graph.RelationChange{Relation: g.relations[id]})
	}
	return c
}

// touching lists the relations of each entity (once each).
func (g *randomGraph) touching() map[string][]graph.Relation {
	out := map[string][]graph.Relation{}
	for _, r := range g.relations {
		out[r.Subject] = append(out[r.Subject], r)
		if r.Object != "" && r.Object != r.Subject {
			out[r.Object] = append(out[r.Object], r)
		}
	}
	return out
}

// want counts the relations that match f, one by one (of those touching
// the entity named, when one is).
func (g *randomGraph) want(f graph.RelationFilter, touching map[string][]graph.Relation) int {
	n := 0
	for _, r := range touching[f.Entity+f.Subject+f.Object] {
		if len(f.Predicates) > 0 && !slices.Contains(f.Predicates, r.Predicate) {
			continue
		}
		if f.DatedOnly && r.Date == "" || !f.Dates.Overlaps(r.Date, r.SpanEnd()) || f.Within && !f.Dates.Contains(r.Date, r.SpanEnd()) {
			continue
		}
		if f.Subject != "" && r.Subject != f.Subject || f.Object != "" && r.Object != f.Object {
			continue
		}
		if f.Entity != "" {
			out, in := r.Subject == f.Entity, r.Object == f.Entity
			switch f.Direction {
			case graph.Out:
				if !out {
					continue
				}
			case graph.In:
				if !in {
					continue
				}
			default:
				if !out && !in {
					continue
				}
			}
		}
		n++
	}
	return n
}

// checkCounts compares the store's counts with a count of the relations,
// for every entity, direction and subset of the predicates (and subjects,
// objects and timelines), and the store's listing of the hubs' relations.
func checkCounts(t *testing.T, st *badger.Store, g *randomGraph, when string) {
	t.Helper()
	ctx := context.Background()
	var subsets [][]string
	for mask := range 1 << len(g.preds) {
		var s []string
		for i, p := range g.preds {
			if mask&(1<<i) != 0 {
				s = append(s, p)
			}
		}
		subsets = append(subsets, s)
	}
	touching := g.touching()
	failures := 0
	check := func(f graph.RelationFilter) {
		got, err := st.CountRelations(ctx, f)
		if err != nil {
			t.Fatalf("%s: %+v: %v", when, f, err)
		}
		if want := g.want(f, touching); got != want && failures < 10 {
			failures++
			t.Errorf("%s: %+v counts %d, want %d", when, f, got, want)
		}
	}
	for i, e := range g.entities {
		preds := subsets
		if i%10 != 0 && i >= 3 {
			preds = [][]string{nil, {g.preds[i%len(g.preds)]}, {g.preds[0], g.preds[i%len(g.preds)]}}
		}
		for _, ps := range preds {
			for _, dir := range []graph.Direction{"", graph.Out, graph.In, graph.Both} {
				check(graph.RelationFilter{Entity: e, Direction: dir, Predicates: ps})
			}
			// a timeline of the entity, as the schema asks it
			check(graph.RelationFilter{Entity: e, Predicates: ps, OrderByDate: true, DatedOnly: true})
			check(graph.RelationFilter{Subject: e, Predicates: ps})
			check(graph.RelationFilter{Object: e, Predicates: ps})
		}
	}
	// counts with a date range scan the date index around it
	var ranges []graph.DateRange
	for _, fromTo := range [][2]string{{"2023", "2023"}, {"2022-06", ""}, {"", "2022-03"}, {"2024-05-06", "2024-05-06"}, {"2026-02", ""}} {
		r, err := graph.NewDateRange(fromTo[0], fromTo[1])
		if err != nil {
			t.Fatal(err)
		}
		ranges = append(ranges, r)
	}
	// no entity: the whole date index around the range, or the counters
	// of dated relations for the whole graph's timeline
	for _, r := range append(ranges, graph.DateRange{}) {
		for _, ps := range [][]string{nil, g.preds[:1], g.preds[2:4]} {
			for _, f := range []graph.RelationFilter{{Dates: r, Predicates: ps}, {Dates: r, Predicates: ps, OrderByDate: true, DatedOnly: true},
				{Dates: r, Predicates: ps, OrderByDate: true, DatedOnly: true, Within: true}} {
				got, err := st.CountRelations(ctx, f)
				want := 0
				for _, rel := range g.relations {
					if (len(ps) == 0 || slices.Contains(ps, rel.Predicate)) && r.Overlaps(rel.Date, rel.SpanEnd()) &&
						(!f.DatedOnly || rel.Date != "") && (!f.Within || r.Contains(rel.Date, rel.SpanEnd())) {
						want++
					}
				}
				if err != nil || got != want {
					t.Errorf("%s: %+v counts %d (%v), want %d", when, f, got, err, want)
				}
			}
		}
	}
	for i, e := range g.entities {
		if i%7 != 0 && i >= 3 {
			continue
		}
		for _, r := range ranges {
			for _, dir := range []graph.Direction{"", graph.Out, graph.In} {
				check(graph.RelationFilter{Entity: e, Direction: dir, Dates: r})
				check(graph.RelationFilter{Entity: e, Direction: dir, Dates: r, Predicates: g.preds[1:3]})
			}
			check(graph.RelationFilter{Entity: e, Dates: r, OrderByDate: true, DatedOnly: true})
			check(graph.RelationFilter{Entity: e, Dates: r, OrderByDate: true, DatedOnly: true, Within: true})
			check(graph.RelationFilter{Subject: e, Dates: r})
			check(graph.RelationFilter{Object: e, Dates: r, Predicates: g.preds[:1]})
		}
	}
	// the scan, for the hubs: counting their listings agrees
	for _, e := range g.entities[:3] {
		for _, f := range []graph.RelationFilter{{Entity: e, Direction: graph.In}, {Entity: e, OrderByDate: true, DatedOnly: true}} {
			f.First = graph.MaxPageSize
			listed := 0
			for {
				page, err := st.Relations(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				listed += len(page.Relations)
				if !page.HasNextPage {
					break
				}
				f.After = page.Cursors[len(page.Cursors)-1]
			}
			if want := g.want(f, touching); listed != want {
				t.Errorf("%s: %+v lists %d, want %d", when, f, listed, want)
			}
		}
	}
}

// adjacencyCounters returns the store's adjacency counters (c:adj:).
func adjacencyCounters(t *testing.T, st *badger.Store) map[string]string {
	t.Helper()
	return keysUnder(t, st, "c:adj:")
}

func sameCounters(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	n := 0
	for k, v := range want {
		if got[k] != v && n < 10 {
			n++
			t.Errorf("%s: %q = %x, want %x", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && n < 10 {
			n++
			t.Errorf("%s: %q = %x, which is not wanted", what, k, v)
		}
	}
}

// Counts of an entity's relations (per direction and predicates) and of its
// timeline come from counters: they stay right through adds, updates and
// retractions (one transaction each, and journaled batches), and the bulk
// build and the migration from layout 2 write the same counters.
func TestCountersMatchAScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, base := newRandomGraph(12, 300)
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Apply(ctx, base, false); err != nil {
		t.Fatal(err)
	}
	apply := func(c *graph.Changeset, o badger.LoadOptions) {
		t.Helper()
		if _, err := st.Load(ctx, c, o); err != nil {
			t.Fatal(err)
		}
	}
	apply(g.adds(2000), badger.LoadOptions{})
	checkCounts(t, st, g, "after adds")
	apply(g.changes(300, 200), badger.LoadOptions{})
	checkCounts(t, st, g, "after updates and retractions")
	// journaled batches
	journaled := badger.LoadOptions{MaxTxnKeys: 10, BatchKeys: 100}
	apply(g.adds(1000), journaled)
	apply(g.changes(400, 300), journaled)
	checkCounts(t, st, g, "after journaled batches")
	for range 20 { // small writes, as a server takes them
		apply(g.changes(3, 2), badger.LoadOptions{})
		apply(g.adds(5), badger.LoadOptions{})
	}
	checkCounts(t, st, g, "after small writes")
	written := adjacencyCounters(t, st)

	// the bulk build of the same graph writes the same counters
	built, dir := buildState(t, g, base)
	sameCounters(t, "built", adjacencyCounters(t, built), written)
	checkCounts(t, built, g, "after the bulk build")

	// a store of layout 2 (no counters, and a wrong one left by an
	// interrupted migration) is migrated to the same counters
	timeline := keysUnder(t, st, "c:timeline:")
	if len(timeline) < 3 {
		t.Fatalf("only %d counters of dated relations", len(timeline))
	}
	sameCounters(t, "built (dated)", keysUnder(t, built, "c:timeline:"), timeline)
	migrated := migratedFrom(t, built, dir, 2, written, "c:adj:person/e-7\x00o", string(bytes.Repeat([]byte{0}, 8)))
	sameCounters(t, "migrated", adjacencyCounters(t, migrated), written)
	checkCounts(t, migrated, g, "after the migration")

	// a store of layout 6 (no counters of dated relations, and a wrong one
	// left by an interrupted migration) is migrated to the same counters
	migrated = migratedFrom(t, migrated, dir, 6, timeline, "c:timeline:pred-0", string(bytes.Repeat([]byte{0}, 8)))
	defer migrated.Close()
	sameCounters(t, "migrated from layout 6", keysUnder(t, migrated, "c:timeline:"), timeline)
	checkCounts(t, migrated, g, "after the migration from layout 6")
}

// buildState writes the random graph as it is now with the bulk build, in
// a new directory, and opens it.
func buildState(t *testing.T, g *randomGraph, base *graph.Changeset) (*badger.Store, string) {
	t.Helper()
	dir := t.TempDir() + "/built"
	if _, err := badger.Build(context.Background(), dir, g.state(base), badger.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

// migratedFrom makes st a store of an older layout (the keys that layout
// lacked deleted, and one key left wrong as an interrupted migration would
// leave it), closes it and opens it again, which migrates it; the store
// must record the current layout after.
func migratedFrom(t *testing.T, st *badger.Store, dir string, layout int, lacked map[string]string, leftKey, leftValue string) *badger.Store {
	t.Helper()
	err := badger.DBOf(st).Update(func(txn *bg.Txn) error {
		for k := range lacked {
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		if err := txn.Set([]byte(leftKey), []byte(leftValue)); err != nil {
			return err
		}
		return txn.Set([]byte("m:layout"), []byte(fmt.Sprint(layout)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	migrated, err := badger.Open(dir, badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := migrated.Meta("layout"); v != fmt.Sprint(badger.LayoutVersion) {
		t.Errorf("m:layout = %q after the migration from layout %d", v, layout)
	}
	return migrated
}
