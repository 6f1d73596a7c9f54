package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// RandomGraph is a random graph and the relations it holds now, so that a
// store's counts and figures can be checked against a count of the
// relations themselves (CheckCounts, CheckFigures).
type RandomGraph struct {
	rng *rand.Rand
	// Preds and Entities are the ids of the graph's predicates and
	// entities; the first three entities are hubs.
	Preds, Entities []string
	// Relations are the relations the graph holds now, by id.
	Relations map[string]graph.Relation
	next      int
}

// NewRandomGraph makes a random graph of five predicates and the given
// number of people, and no relations yet; base states its predicates and
// entities.
func NewRandomGraph(seed uint64, entities int) (g *RandomGraph, base *graph.Changeset) {
	g = &RandomGraph{rng: rand.New(rand.NewPCG(seed, seed+1)), Relations: map[string]graph.Relation{}}
	c := &graph.Changeset{}
	for i := range 5 {
		id := fmt.Sprintf("pred-%d", i)
		g.Preds = append(g.Preds, id)
		c.Predicates = append(c.Predicates, graph.PredicateChange{Predicate: graph.Predicate{ID: id, Label: id, InverseLabel: id + " of",
			SubjectTypes: graph.EntityTypes, ObjectTypes: graph.EntityTypes, ObjectOptional: true}})
	}
	for i := range randomSources {
		c.Sources = append(c.Sources, graph.SourceChange{Source: graph.SourceRecord{ID: randomSourceID(i), Title: fmt.Sprintf("Source %d", i),
			URL: randomSourceURL(i), Kind: graph.SourceKinds[i]}})
	}
	for i := range entities {
		id := fmt.Sprintf("person/e-%d", i)
		g.Entities = append(g.Entities, id)
		c.Entities = append(c.Entities, graph.EntityChange{Entity: graph.Entity{ID: id, Type: graph.Person, Name: fmt.Sprintf("E %d", i)}})
	}
	return g, c
}

// randomSources is how many source records a random graph has; its
// relations cite none, one or two of them, by id or by URL.
const randomSources = 4

func randomSourceID(i int) string  { return fmt.Sprintf("source/s-%d", i) }
func randomSourceURL(i int) string { return fmt.Sprintf("https://example.org/source/%d", i) }

// citations makes the sources of a relation: a quote alone, or citations
// of one or two records, by id or inline by URL (which the store resolves
// to the record).
func (g *RandomGraph) citations(id string) []graph.Source {
	out := []graph.Source{{Quote: "q " + id}}
	switch g.rng.IntN(4) {
	case 1:
		out[0].SourceID = randomSourceID(g.rng.IntN(randomSources))
	case 2:
		a := g.rng.IntN(randomSources)
		out[0].SourceID = randomSourceID(a)
		out = append(out, graph.Source{Quote: "also " + id, SourceID: randomSourceID((a + 1) % randomSources)})
	case 3:
		out[0].URL = randomSourceURL(g.rng.IntN(randomSources))
	}
	return out
}

// Cited reports whether the relation r of the graph cites the source
// record id, by id or by its URL.
func Cited(r graph.Relation, id string) bool {
	for _, s := range r.Sources {
		if s.SourceID == id {
			return true
		}
		for i := range randomSources {
			if s.URL != "" && s.URL == randomSourceURL(i) && randomSourceID(i) == id {
				return true
			}
		}
	}
	return false
}

// entity picks an entity, a few of them (hubs) far more often than the rest.
func (g *RandomGraph) entity() string {
	if g.rng.IntN(3) == 0 {
		return g.Entities[g.rng.IntN(3)]
	}
	return g.Entities[g.rng.IntN(len(g.Entities))]
}

// relation makes a random relation under id: some without an object, some
// from an entity to itself, some undated, some periods.
func (g *RandomGraph) relation(id string) graph.Relation {
	r := graph.Relation{ID: id, Subject: g.entity(), Predicate: g.Preds[g.rng.IntN(len(g.Preds))],
		Sources: g.citations(id)}
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

// Adds states n new relations.
func (g *RandomGraph) Adds(n int) *graph.Changeset {
	c := &graph.Changeset{}
	for range n {
		g.next++
		r := g.relation(fmt.Sprintf("rel/r-%d", g.next))
		g.Relations[r.ID] = r
		c.Relations = append(c.Relations, graph.RelationChange{Relation: r})
	}
	return c
}

// Changes restates some relations with another subject, object, predicate
// or date, and retracts others.
func (g *RandomGraph) Changes(updates, retractions int) *graph.Changeset {
	c := &graph.Changeset{}
	ids := make([]string, 0, len(g.Relations))
	for id := range g.Relations {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	g.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	for _, id := range ids[:updates] {
		r := g.Relations[id]
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
			r.Sources = append(g.citations("restated "+id), r.Sources...) // the same figure, another source
		}
		g.Relations[id] = r
		c.Relations = append(c.Relations, graph.RelationChange{Relation: r})
	}
	for _, id := range ids[updates : updates+retractions] {
		delete(g.Relations, id)
		c.Retractions = append(c.Retractions, graph.Retraction{Relation: graph.Relation{ID: id}})
	}
	return c
}

// State is the changeset that states the graph as it is now, over base
// (the predicates and entities NewRandomGraph gave).
func (g *RandomGraph) State(base *graph.Changeset) *graph.Changeset {
	c := &graph.Changeset{Predicates: base.Predicates, Entities: base.Entities, Sources: base.Sources}
	ids := make([]string, 0, len(g.Relations))
	for id := range g.Relations {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		c.Relations = append(c.Relations, graph.RelationChange{Relation: g.Relations[id]})
	}
	return c
}

// touching lists the relations of each entity (once each).
func (g *RandomGraph) touching() map[string][]graph.Relation {
	out := map[string][]graph.Relation{}
	for _, r := range g.Relations {
		out[r.Subject] = append(out[r.Subject], r)
		if r.Object != "" && r.Object != r.Subject {
			out[r.Object] = append(out[r.Object], r)
		}
	}
	return out
}

// want counts the relations that match f, one by one (of those touching
// the entity named, when one is).
func (g *RandomGraph) want(f graph.RelationFilter, touching map[string][]graph.Relation) int {
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

// CheckCounts compares the store's counts with a count of the relations,
// for every entity, direction and subset of the predicates (and subjects,
// objects and timelines, within and overlapping date ranges), and the
// store's listing of the hubs' relations.
func CheckCounts(t *testing.T, st graph.Store, g *RandomGraph, when string) {
	t.Helper()
	ctx := context.Background()
	var subsets [][]string
	for mask := range 1 << len(g.Preds) {
		var s []string
		for i, p := range g.Preds {
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
	for i, e := range g.Entities {
		preds := subsets
		if i%10 != 0 && i >= 3 {
			preds = [][]string{nil, {g.Preds[i%len(g.Preds)]}, {g.Preds[0], g.Preds[i%len(g.Preds)]}}
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
	checkCitations(t, st, g, when)
	ranges := dateRanges(t)
	checkGraphTimeline(t, st, g, ranges, when)
	for i, e := range g.Entities {
		if i%7 != 0 && i >= 3 {
			continue
		}
		for _, r := range ranges {
			for _, dir := range []graph.Direction{"", graph.Out, graph.In} {
				check(graph.RelationFilter{Entity: e, Direction: dir, Dates: r})
				check(graph.RelationFilter{Entity: e, Direction: dir, Dates: r, Predicates: g.Preds[1:3]})
			}
			check(graph.RelationFilter{Entity: e, Dates: r, OrderByDate: true, DatedOnly: true})
			check(graph.RelationFilter{Entity: e, Dates: r, OrderByDate: true, DatedOnly: true, Within: true})
			check(graph.RelationFilter{Subject: e, Dates: r})
			check(graph.RelationFilter{Object: e, Dates: r, Predicates: g.Preds[:1]})
		}
	}
	// the scan, for the hubs: counting their listings agrees
	for _, e := range g.Entities[:3] {
		for _, f := range []graph.RelationFilter{{Entity: e, Direction: graph.In}, {Entity: e, OrderByDate: true, DatedOnly: true}} {
			f.First = graph.MaxPageSize
			if listed, want := countListed(t, st, f, when), g.want(f, touching); listed != want {
				t.Errorf("%s: %+v lists %d, want %d", when, f, listed, want)
			}
		}
	}
}

// dateRanges are the ranges CheckCounts asks about.
func dateRanges(t *testing.T) []graph.DateRange {
	var ranges []graph.DateRange
	for _, fromTo := range [][2]string{{"2023", "2023"}, {"2022-06", ""}, {"", "2022-03"}, {"2024-05-06", "2024-05-06"}, {"2026-02", ""}} {
		r, err := graph.NewDateRange(fromTo[0], fromTo[1])
		if err != nil {
			t.Fatal(err)
		}
		ranges = append(ranges, r)
	}
	return ranges
}

// checkGraphTimeline checks the counts of the whole graph's relations in
// each range (and with none): overlapping it, dated, and within it.
func checkGraphTimeline(t *testing.T, st graph.Store, g *RandomGraph, ranges []graph.DateRange, when string) {
	t.Helper()
	ctx := context.Background()
	for _, r := range append(ranges, graph.DateRange{}) {
		for _, ps := range [][]string{nil, g.Preds[:1], g.Preds[2:4]} {
			for _, f := range []graph.RelationFilter{{Dates: r, Predicates: ps}, {Dates: r, Predicates: ps, OrderByDate: true, DatedOnly: true},
				{Dates: r, Predicates: ps, OrderByDate: true, DatedOnly: true, Within: true}} {
				got, err := st.CountRelations(ctx, f)
				want := 0
				for _, rel := range g.Relations {
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
}

// countListed pages through every relation f lists, and counts them.
func countListed(t *testing.T, st graph.Store, f graph.RelationFilter, when string) int {
	t.Helper()
	listed := 0
	for {
		page, err := st.Relations(context.Background(), f)
		if err != nil {
			t.Fatalf("%s: %+v: %v", when, f, err)
		}
		listed += len(page.Relations)
		if !page.HasNextPage {
			return listed
		}
		f.After = page.Cursors[len(page.Cursors)-1]
	}
}

// wantFigures sums up the random graph's figures that f keeps, per object,
// predicate and unit, one by one.
func (g *RandomGraph) wantFigures(f graph.FigureFilter) (map[string]graph.FigureSummary, []string) {
	sums := map[string]graph.FigureSummary{}
	var ids []string
	for _, r := range g.Relations {
		fig, ok := graph.FigureOf(&r)
		if !ok || !f.Keeps(fig) {
			continue
		}
		ids = append(ids, fig.Relation)
		k := fig.Object + "|" + fig.Predicate + "|" + fig.Unit
		s, ok := sums[k]
		if !ok {
			s = graph.FigureSummary{Object: fig.Object, Predicate: fig.Predicate, Unit: fig.Unit}
		}
		s.Add(fig)
		sums[k] = s
	}
	slices.Sort(ids)
	return sums, ids
}

// CheckFigures compares the store's summaries of figures, its listing of
// figures, and its counts of relations with and without a quantity, with
// a count of the relations.
func CheckFigures(t *testing.T, st graph.Store, g *RandomGraph, when string) {
	t.Helper()
	ctx := context.Background()
	summaryFilters := []graph.FigureFilter{{}, {Object: g.Entities[0]}, {Object: g.Entities[1], Predicates: g.Preds[1:3]},
		{Unit: "people", HasUnit: true}, {Unit: "", HasUnit: true, Predicates: g.Preds[:1]}, {Object: g.Entities[7], Unit: "per\x00cent", HasUnit: true}}
	for _, f := range summaryFilters {
		var got []graph.FigureSummary
		err := st.FigureSummaries(ctx, f, func(s *graph.FigureSummary) error { got = append(got, *s); return nil })
		if err != nil {
			t.Fatalf("%s: summaries %+v: %v", when, f, err)
		}
		want, _ := g.wantFigures(f)
		if len(got) != len(want) {
			t.Errorf("%s: %+v: %d summaries, want %d", when, f, len(got), len(want))
		}
		for _, s := range got {
			if w := want[s.Object+"|"+s.Predicate+"|"+s.Unit]; s != w {
				t.Errorf("%s: %+v: summary\n%+v, want\n%+v", when, f, s, w)
			}
		}
	}
	dates, err := graph.NewDateRange("2023-02", "2024")
	if err != nil {
		t.Fatal(err)
	}
	listFilters := append(summaryFilters, graph.FigureFilter{Dates: dates}, graph.FigureFilter{Subject: g.Entities[0]},
		graph.FigureFilter{Subject: g.Entities[2], Predicates: g.Preds[:2], Dates: dates},
		graph.FigureFilter{Object: g.Entities[0], Subject: g.Entities[1]},
		graph.FigureFilter{Object: g.Entities[0], Predicates: []string{g.Preds[3], g.Preds[0]}, Dates: dates})
	for _, f := range listFilters {
		var got []string
		err := st.Figures(ctx, f, 1_000_000, func(fig graph.Figure) error {
			if r := g.Relations[fig.Relation]; fig != figureOf(&r) {
				t.Errorf("%s: %+v lists %+v, which is %+v", when, f, fig, figureOf(&r))
			}
			got = append(got, fig.Relation)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: figures %+v: %v", when, f, err)
		}
		slices.Sort(got)
		if _, want := g.wantFigures(f); !slices.Equal(got, want) {
			t.Errorf("%s: %+v lists %d figures, want %d", when, f, len(got), len(want))
		}
	}
	checkQuantityCounts(t, st, g, when)
	// a listing past its limit is an error that asks for a narrower filter
	err = st.Figures(ctx, graph.FigureFilter{}, 10, func(graph.Figure) error { return nil })
	if graph.ErrorCode(err) != graph.EINVALID || !strings.Contains(err.Error(), "narrow") {
		t.Errorf("%s: a listing past its limit: %v", when, err)
	}
	if err := st.FigureSummaries(ctx, graph.FigureFilter{Dates: dates}, func(*graph.FigureSummary) error { return nil }); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("%s: summaries with a date range: %v", when, err)
	}
}

// checkQuantityCounts checks the relations with and without a quantity, of
// an object or of the whole graph: counted, and listed page by page.
func checkQuantityCounts(t *testing.T, st graph.Store, g *RandomGraph, when string) {
	t.Helper()
	ctx := context.Background()
	for _, object := range append([]string{""}, g.Entities[:8]...) {
		for _, preds := range [][]string{nil, g.Preds[2:3], {g.Preds[4], g.Preds[0], g.Preds[4]}} {
			for _, has := range []bool{true, false} {
				f := graph.RelationFilter{Object: object, Predicates: preds, HasQuantity: &has}
				want := 0
				for _, r := range g.Relations {
					if (object == "" || r.Object == object) && (len(preds) == 0 || slices.Contains(preds, r.Predicate)) && (r.Quantity != nil) == has {
						want++
					}
				}
				if got, err := st.CountRelations(ctx, f); err != nil || got != want {
					t.Errorf("%s: %+v counts %d (%v), want %d", when, f, got, err, want)
				}
				f.First = 37
				if listed := countListed(t, st, f, when); listed != want {
					t.Errorf("%s: %+v lists %d, want %d", when, f, listed, want)
				}
			}
		}
	}
}

// figureOf is the figure of r, or none.
func figureOf(r *graph.Relation) graph.Figure {
	f, ok := graph.FigureOf(r)
	if !ok {
		return graph.Figure{}
	}
	return f
}

// checkCitations holds the count of relations citing each source record
// (a counter) and the list of them (an index) to the relations themselves.
func checkCitations(t *testing.T, st graph.Store, g *RandomGraph, when string) {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, randomSources)
	for i := range ids {
		ids[i] = randomSourceID(i)
	}
	counts, err := st.CountCitations(ctx, ids)
	if err != nil {
		t.Fatalf("%s: CountCitations: %v", when, err)
	}
	for _, id := range ids {
		var want []string
		for rid, r := range g.Relations {
			if Cited(r, id) {
				want = append(want, rid)
			}
		}
		slices.Sort(want)
		if counts[id] != len(want) {
			t.Errorf("%s: %s is cited by %d relations, the counter says %d", when, id, len(want), counts[id])
		}
		var got []string
		for after := ""; ; {
			page, err := st.CitingRelations(ctx, id, 100, after)
			if err != nil {
				t.Fatalf("%s: CitingRelations(%s): %v", when, id, err)
			}
			for i, r := range page.Relations {
				got = append(got, r.ID)
				after = page.Cursors[i]
			}
			if !page.HasNextPage {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: CitingRelations(%s) lists %d relations, %d cite it", when, id, len(got), len(want))
		}
	}
}
