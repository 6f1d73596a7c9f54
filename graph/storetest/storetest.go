package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// New makes an empty store for one test; the store is closed when the
// test ends (t.Cleanup), by New or by Run.
type New func(t *testing.T) graph.Store

// Run runs every conformance test against stores that newStore makes, each
// test in parallel with the others, on its own store.
func Run(t *testing.T, newStore New) {
	tests := []struct {
		name string
		run  func(t *testing.T, newStore New)
	}{
		{"ApplyAndRead", testApplyAndRead},
		{"ApplyIsIdempotent", testApplyIsIdempotent},
		{"RefusedWritesChangeNothing", testRefusedWrites},
		{"RefusalsSuggestNames", testRefusalsSuggest},
		{"CorrectionsAndRetraction", testCorrectionsAndRetraction},
		{"Pagination", testPagination},
		{"RelationFilters", testRelationFilters},
		{"EntitiesByNameReadsAtMostLimit", testEntitiesByName},
		{"SearchKinds", testSearch},
		{"SearchFuzzyFloor", testFuzzyFloor},
		{"DateRangeScanPages", testDateRangeScanPages},
		{"PeriodsReachIntoRanges", testPeriodsReachIntoRanges},
		{"TimelineWithinAndOverlap", testTimelineWithin},
		{"TimingAndHedgesRoundTrip", testTimingAndHedges},
		{"ShortestPath", testShortestPath},
		{"Neighborhood", testNeighborhood},
		{"CountersMatchAScan", testCounters},
		{"FiguresMatchAScan", testFigures},
		{"Snapshot", testSnapshot},
		{"HistoryAndReadsAsOf", testHistory},
		{"SourceRecords", testSourceRecords},
		{"RetractSource", testRetractSource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore)
		})
	}
}

// open makes a store and closes it when the test ends.
func open(t *testing.T, newStore New) graph.Store {
	t.Helper()
	st := newStore(t)
	t.Cleanup(func() { st.Close() })
	return st
}

// apply writes c, or fails the test.
func apply(t *testing.T, st graph.Store, c *graph.Changeset) graph.Summary {
	t.Helper()
	sum, err := st.Apply(context.Background(), c, false)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// loaded is a store holding Fixture.
func loaded(t *testing.T, newStore New) graph.Store {
	t.Helper()
	st := open(t, newStore)
	apply(t, st, Fixture())
	return st
}

// Quote is a source with a quote.
func Quote(s string) []graph.Source { return []graph.Source{{Quote: s, Section: "Test"}} }

func ptr(f float64) *float64 { return &f }

// Fixture is a small graph: two people who fled to one country, a law, and
// a figure.
func Fixture() *graph.Changeset {
	return &graph.Changeset{
		Predicates: []graph.PredicateChange{
			{Where: "p1", Predicate: graph.Predicate{ID: "fled-to", Label: "fled to", InverseLabel: "received emigrants",
				SubjectTypes: []graph.EntityType{graph.Person, graph.Group}, ObjectTypes: []graph.EntityType{graph.Country}}},
			{Where: "p2", Predicate: graph.Predicate{ID: "enacted", Label: "enacted", InverseLabel: "enacted by",
				SubjectTypes: []graph.EntityType{graph.Person}, ObjectTypes: []graph.EntityType{graph.Law}}},
			{Where: "p3", Predicate: graph.Predicate{ID: "has-figure", Label: "has figure", InverseLabel: "figure about",
				SubjectTypes: graph.EntityTypes, ObjectTypes: graph.EntityTypes, ObjectOptional: true}},
		},
		Entities: []graph.EntityChange{
			{Where: "e1", Entity: graph.Entity{ID: "person/chulpan-khamatova", Name: "Chulpan Khamatova", Type: graph.Person, Aliases: []string{"Чулпан Хаматова"}}},
			{Where: "e2", Entity: graph.Entity{ID: "person/alla-pugacheva", Name: "Alla Pugacheva", Type: graph.Person, Aliases: []string{"Pugachova", "Алла Пугачёва"}}},
			{Where: "e3", Entity: graph.Entity{ID: "country/latvia", Name: "Latvia", Type: graph.Country}},
			{Where: "e4", Entity: graph.Entity{ID: "person/vladimir-putin", Name: "Vladimir Putin", Type: graph.Person}},
			{Where: "e5", Entity: graph.Entity{ID: "law/fake-news-laws", Name: "Fake news laws", Type: graph.Law}},
			{Where: "e6", Entity: graph.Entity{ID: "group/it-workers", Name: "Russian IT workers", Type: graph.Group}},
		},
		Relations: []graph.RelationChange{
			{Where: "r1", Relation: graph.Relation{Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Date: "2022-03", Sources: Quote("Khamatova stayed in exile in Latvia.")}},
			{Where: "r2", Relation: graph.Relation{Subject: "Pugachova", Predicate: "fled-to", Object: "Latvia", Date: "2022", Sources: Quote("Pugacheva left.")}},
			{Where: "r3", Relation: graph.Relation{Subject: "person/vladimir-putin", Predicate: "enacted", Object: "law/fake-news-laws", Date: "2022-03-04", Sources: Quote("Putin introduced prison sentences.")}},
			{Where: "r4", Relation: graph.Relation{Subject: "group/it-workers", Predicate: "has-figure", Date: "2022-03",
				Quantity: &graph.Quantity{Amount: 50000, LowerBound: ptr(50000), UpperBound: ptr(70000), Unit: "people", Approximation: graph.About},
				Sources:  Quote("approximately 50,000–70,000 IT workers fled")}},
		},
	}
}

func ids(rels []*graph.Relation) []string {
	var out []string
	for _, r := range rels {
		out = append(out, r.Subject+" "+r.Predicate+" "+r.Object)
	}
	return out
}

func mustRange(t *testing.T, from, to string) graph.DateRange {
	t.Helper()
	r, err := graph.NewDateRange(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testApplyAndRead(t *testing.T, newStore New) {
	ctx := context.Background()
	st := loaded(t, newStore)
	e, err := st.Entity(ctx, "person/alla-pugacheva")
	if err != nil || e.Name != "Alla Pugacheva" {
		t.Fatalf("Entity = %v, %v", e, err)
	}
	if _, err := st.Entity(ctx, "person/nobody"); !errors.Is(err, graph.ErrNotFound) || graph.ErrorCode(err) != graph.ENOTFOUND {
		t.Errorf("Entity(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := st.Relation(ctx, "rel/nothing"); graph.ErrorCode(err) != graph.ENOTFOUND {
		t.Errorf("Relation(missing) error = %v, want ErrNotFound", err)
	}
	for _, name := range []string{"alla pugacheva", "PUGACHOVA", "Алла Пугачёва", "Alla Pugachëva"} {
		found, total, err := st.EntitiesByName(ctx, name, 0)
		if err != nil || len(found) != 1 || total != 1 || found[0].ID != "person/alla-pugacheva" {
			t.Errorf("EntitiesByName(%q) = %v, %d, %v", name, found, total, err)
		}
	}
	// names in relations resolved to ids
	in, err := st.Relations(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.In, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	names := ids(in.Relations)
	sort.Strings(names)
	got := strings.Join(names, "; ")
	want := "person/alla-pugacheva fled-to country/latvia; person/chulpan-khamatova fled-to country/latvia"
	if got != want {
		t.Errorf("relations into Latvia = %s, want %s", got, want)
	}
	out, _ := st.Relations(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.Out, First: 10})
	if len(out.Relations) != 0 {
		t.Errorf("Latvia has %d outgoing relations, want 0", len(out.Relations))
	}
	byID, err := st.RelationsByID(ctx, []string{in.Relations[0].ID, "rel/nothing"})
	if err != nil || len(byID) != 1 || byID[in.Relations[0].ID] == nil {
		t.Errorf("RelationsByID = %v, %v, want the one that exists", byID, err)
	}
	entities, err := st.EntitiesByID(ctx, []string{"country/latvia", "person/nobody"})
	if err != nil || len(entities) != 1 || entities["country/latvia"].Name != "Latvia" {
		t.Errorf("EntitiesByID = %v, %v, want Latvia alone", entities, err)
	}
	n, err := st.CountEntities(ctx, graph.Person)
	if err != nil || n != 3 {
		t.Errorf("CountEntities(PERSON) = %d, %v, want 3", n, err)
	}
	if n, err := st.CountEntities(ctx, ""); err != nil || n != 6 {
		t.Errorf("CountEntities() = %d, %v, want 6", n, err)
	}
	stats, _ := st.Stats(ctx)
	if stats.Relations["fled-to"] != 2 || stats.Entities[graph.Country] != 1 {
		t.Errorf("Stats = %+v", stats)
	}
	preds, err := st.Predicates(ctx)
	if err != nil || len(preds) != 3 || preds[0].ID != "enacted" || preds[2].ID != "has-figure" {
		t.Errorf("Predicates = %v, %v, want the three in id order", preds, err)
	}
}

func testApplyIsIdempotent(t *testing.T, newStore New) {
	st := loaded(t, newStore)
	sum := apply(t, st, Fixture())
	if sum.Changed() || sum.RelationsUnchanged != 4 || sum.EntitiesUnchanged != 6 {
		t.Errorf("second apply: %v, want everything unchanged", sum)
	}
}

// A write with a problem is refused whole, naming where and what, and
// changes nothing; a dry run of a good one changes nothing either.
func testRefusedWrites(t *testing.T, newStore New) {
	rel := func(r graph.Relation) *graph.Changeset {
		return &graph.Changeset{Relations: []graph.RelationChange{{Where: "facts.yaml:7", Relation: r}}}
	}
	good := graph.Relation{Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Sources: Quote("q")}
	with := func(f func(r *graph.Relation)) *graph.Changeset {
		r := good
		f(&r)
		c := rel(r)
		// a good relation beside it is not written either
		c.Relations = append([]graph.RelationChange{{Where: "facts.yaml:3", Relation: graph.Relation{
			Subject: "person/alla-pugacheva", Predicate: "fled-to", Object: "country/latvia", Date: "2024", Sources: Quote("q")}}}, c.Relations...)
		return c
	}
	tests := []struct {
		name  string
		cs    *graph.Changeset
		field string
		msg   string
	}{
		{"unknown predicate", with(func(r *graph.Relation) { r.Predicate = "moved-to" }), "predicate", `unknown predicate "moved-to"`},
		{"missing quote", with(func(r *graph.Relation) { r.Sources = []graph.Source{{Quote: " "}} }), "sources[0].quote", "is required"},
		{"no sources", with(func(r *graph.Relation) { r.Sources = nil }), "sources", "at least one source"},
		{"wrong subject type", with(func(r *graph.Relation) { r.Subject = "country/latvia" }), "subject", "is a COUNTRY, but fled-to takes a subject of type PERSON, GROUP"},
		{"wrong object type", with(func(r *graph.Relation) { r.Object = "law/fake-news-laws" }), "object", "is a LAW, but fled-to takes an object of type COUNTRY"},
		{"missing object", with(func(r *graph.Relation) { r.Object = "" }), "object", "is required for fled-to"},
		{"malformed date", with(func(r *graph.Relation) { r.Date = "2022-13" }), "date", "the month is not 01 to 12"},
		{"end before start", with(func(r *graph.Relation) { r.Date, r.EndDate = "2023", "2022" }), "endDate", "is before date"},
		{"bounds that do not hold", with(func(r *graph.Relation) {
			r.Quantity = &graph.Quantity{Amount: 10, LowerBound: ptr(20), Approximation: graph.About}
		}), "quantity.lowerBound", "greater than the amount"},
		{"bad approximation", with(func(r *graph.Relation) { r.Quantity = &graph.Quantity{Amount: 1, Approximation: "ROUGHLY"} }), "quantity.approximation", `"ROUGHLY" is not one of`},
		{"unknown entity", with(func(r *graph.Relation) { r.Object = "Atlantis" }), "object", `unknown entity "Atlantis"`},
		{"ambiguous name", &graph.Changeset{
			Entities:  []graph.EntityChange{{Where: "x", Entity: graph.Entity{ID: "person/alla-other", Name: "Pugachova", Type: graph.Person}}},
			Relations: []graph.RelationChange{{Where: "facts.yaml:7", Relation: graph.Relation{Subject: "Pugachova", Predicate: "fled-to", Object: "country/latvia", Sources: Quote("q")}}},
		}, "subject", "ambiguous entity"},
		{"bad entity type", &graph.Changeset{Entities: []graph.EntityChange{{Where: "facts.yaml:7", Entity: graph.Entity{ID: "band/x", Name: "X", Type: "BAND"}}}}, "type", `"BAND" is not one of`},
		{"bad entity id", &graph.Changeset{Entities: []graph.EntityChange{{Where: "facts.yaml:7", Entity: graph.Entity{ID: "Person/X Y", Name: "X", Type: graph.Person}}}}, "id", "is not a slug"},
		{"duplicate entity id", &graph.Changeset{Entities: []graph.EntityChange{
			{Where: "facts.yaml:3", Entity: graph.Entity{ID: "person/x", Name: "X", Type: graph.Person}},
			{Where: "facts.yaml:7", Entity: graph.Entity{ID: "person/x", Name: "Y", Type: graph.Person}}}}, "id", "duplicate entity"},
		{"type change", &graph.Changeset{Entities: []graph.EntityChange{{Where: "facts.yaml:7", Entity: graph.Entity{ID: "country/latvia", Type: graph.Place}}}}, "type", "cannot change"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := loaded(t, newStore)
			before, _ := st.Stats(context.Background())
			_, err := st.Apply(context.Background(), tc.cs, false)
			var ve *graph.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Apply error = %v, want a *ValidationError", err)
			}
			if graph.ErrorCode(err) != graph.EINVALID {
				t.Errorf("a refusal has code %s, want %s", graph.ErrorCode(err), graph.EINVALID)
			}
			msg := err.Error()
			if !strings.Contains(msg, "facts.yaml:7: "+tc.field+": ") || !strings.Contains(msg, tc.msg) {
				t.Errorf("error = %q\nwant it to name facts.yaml:7, field %s and say %q", msg, tc.field, tc.msg)
			}
			after, _ := st.Stats(context.Background())
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("a refused write changed the store: %v -> %v", before, after)
			}
		})
	}
	t.Run("dry run", func(t *testing.T) {
		t.Parallel()
		st := loaded(t, newStore)
		before, _ := st.Stats(context.Background())
		c := with(func(r *graph.Relation) { r.Date = "2025" })
		sum, err := st.Apply(context.Background(), c, true)
		if err != nil || !sum.DryRun || sum.RelationsAdded != 2 {
			t.Errorf("dry run = %v, %v, want two relations that would be added", sum, err)
		}
		after, _ := st.Stats(context.Background())
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Errorf("a dry run changed the store: %v -> %v", before, after)
		}
	})
}

func testCorrectionsAndRetraction(t *testing.T, newStore New) {
	ctx := context.Background()
	st := loaded(t, newStore)
	sum := apply(t, st, &graph.Changeset{
		Entities:    []graph.EntityChange{{Where: "fix", Entity: graph.Entity{ID: "person/alla-pugacheva", Name: "Alla Borisovna Pugacheva", Aliases: []string{"Pugacheva"}}, RemoveAliases: []string{"Pugachova"}}},
		Retractions: []graph.Retraction{{Where: "undo", Relation: graph.Relation{Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Date: "2022-03"}}},
	})
	if sum.EntitiesUpdated != 1 || sum.RelationsRetracted != 1 {
		t.Errorf("summary = %v", sum)
	}
	if found, _, _ := st.EntitiesByName(ctx, "Pugachova", 0); len(found) != 0 {
		t.Errorf("the removed alias still finds %v", found)
	}
	if found, _, _ := st.EntitiesByName(ctx, "Alla Borisovna Pugacheva", 0); len(found) != 1 {
		t.Errorf("the new name finds %v", found)
	}
	if hits, _ := st.Search(ctx, "Pugachova", nil, 5); len(hits) > 0 && hits[0].Kind == "EXACT" {
		t.Errorf("search still finds the removed alias exactly: %+v", hits[0])
	}
	page, _ := st.Relations(ctx, graph.RelationFilter{Entity: "country/latvia", First: 10})
	if len(page.Relations) != 1 {
		t.Errorf("after the retraction Latvia has %v", ids(page.Relations))
	}
	if n, _ := st.CountRelations(ctx, graph.RelationFilter{Predicates: []string{"fled-to"}}); n != 1 {
		t.Errorf("fled-to count = %d, want 1", n)
	}
	if stats, _ := st.Stats(ctx); stats.Relations["fled-to"] != 1 {
		t.Errorf("Stats after the retraction = %+v", stats)
	}
}

func testPagination(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	cs := Fixture()
	for i := 0; i < 23; i++ {
		cs.Relations = append(cs.Relations, graph.RelationChange{Where: "x", Relation: graph.Relation{
			Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia",
			Date: fmt.Sprintf("2023-01-%02d", i+1), Sources: Quote("q")}})
	}
	apply(t, st, cs)
	for _, byDate := range []bool{false, true} {
		seen := map[string]bool{}
		var dates []string
		after := ""
		for pages := 0; ; pages++ {
			page, err := st.Relations(ctx, graph.RelationFilter{Entity: "country/latvia", First: 5, After: after, OrderByDate: byDate})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Relations {
				if seen[r.ID] {
					t.Fatalf("relation %s listed twice", r.ID)
				}
				seen[r.ID] = true
				dates = append(dates, r.Date)
			}
			if !page.HasNextPage {
				break
			}
			after = page.Cursors[len(page.Cursors)-1]
		}
		if len(seen) != 25 {
			t.Errorf("byDate=%v: paged through %d relations, want 25", byDate, len(seen))
		}
		if byDate {
			for i := 1; i < len(dates); i++ {
				if dates[i] < dates[i-1] {
					t.Errorf("date order broken: %s after %s", dates[i], dates[i-1])
				}
			}
		}
	}
	n, err := st.CountRelations(ctx, graph.RelationFilter{Entity: "country/latvia"})
	if err != nil || n != 25 {
		t.Errorf("CountRelations = %d, %v", n, err)
	}
	if _, err := st.Relations(ctx, graph.RelationFilter{First: 5, After: "garbage!"}); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("a bad cursor gave %v, want an invalid error", err)
	}
	if _, err := st.Relations(ctx, graph.RelationFilter{First: graph.MaxPageSize + 1}); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("first: 501 gave %v, want an invalid error", err)
	}
	// entities page in id order, by type
	var listed []string
	for after := ""; ; {
		page, err := st.Entities(ctx, graph.EntityFilter{Type: graph.Person, First: 2, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entities {
			listed = append(listed, e.ID)
		}
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	if got := strings.Join(listed, " "); got != "person/alla-pugacheva person/chulpan-khamatova person/vladimir-putin" {
		t.Errorf("people paged: %s", got)
	}
}

func testRelationFilters(t *testing.T, newStore New) {
	ctx := context.Background()
	st := loaded(t, newStore)
	yes := true
	tests := []struct {
		name string
		f    graph.RelationFilter
		want int
	}{
		{"by predicate", graph.RelationFilter{Predicates: []string{"fled-to"}}, 2},
		{"several predicates", graph.RelationFilter{Predicates: []string{"fled-to", "enacted"}}, 3},
		{"subject", graph.RelationFilter{Subject: "person/vladimir-putin"}, 1},
		{"object and predicate", graph.RelationFilter{Object: "country/latvia", Predicates: []string{"fled-to"}}, 2},
		{"month inside a year range", graph.RelationFilter{Dates: mustRange(t, "2022", "2022")}, 4},
		{"a 2022-03 fact is inside from 2022-03-21", graph.RelationFilter{Dates: mustRange(t, "2022-03-21", "")}, 3},
		{"a 2022 fact overlaps March", graph.RelationFilter{Object: "country/latvia", Dates: mustRange(t, "2022-03", "2022-03")}, 2},
		{"has quantity", graph.RelationFilter{HasQuantity: &yes}, 1},
		{"other end is a law", graph.RelationFilter{Entity: "person/vladimir-putin", OtherType: graph.Law}, 1},
		{"other end is a country", graph.RelationFilter{Entity: "person/vladimir-putin", OtherType: graph.Country}, 0},
		{"combined", graph.RelationFilter{Entity: "country/latvia", Predicates: []string{"fled-to"}, Dates: mustRange(t, "2022-03-15", "2022-04"), OtherType: graph.Person}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.First = 50
			page, err := st.Relations(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Relations) != tc.want {
				t.Errorf("got %d relations %v, want %d", len(page.Relations), ids(page.Relations), tc.want)
			}
			n, err := st.CountRelations(ctx, tc.f)
			if err != nil || n != tc.want {
				t.Errorf("CountRelations = %d, %v, want %d", n, err, tc.want)
			}
		})
	}
}

// EntitiesByName counts every entity a name matches and reads only the
// first limit, in id order.
func testEntitiesByName(t *testing.T, newStore New) {
	st := open(t, newStore)
	c := &graph.Changeset{}
	for i := range 40 {
		c.Entities = append(c.Entities, graph.EntityChange{Where: "test", Entity: graph.Entity{
			ID: fmt.Sprintf("person/p-%02d", i), Name: fmt.Sprint("P ", i), Aliases: []string{"Everyone"}, Type: graph.Person}})
	}
	apply(t, st, c)
	for _, tt := range []struct{ limit, found int }{{5, 5}, {40, 40}, {0, 40}, {100, 40}} {
		found, total, err := st.EntitiesByName(context.Background(), "everyone", tt.limit)
		if err != nil || len(found) != tt.found || total != 40 || found[0].ID != "person/p-00" {
			t.Errorf("EntitiesByName(limit %d) = %d entities of %d, %v; want %d of 40, from person/p-00", tt.limit, len(found), total, err, tt.found)
		}
	}
}

// Search ranks an exact name or alias first, then a prefix, a word, and a
// near spelling, and keeps to the types asked for.
func testSearch(t *testing.T, newStore New) {
	ctx := context.Background()
	st := loaded(t, newStore)
	tests := []struct {
		text string
		want string
		kind string
	}{
		{"Alla Pugacheva", "person/alla-pugacheva", "EXACT"},
		{"pugachova", "person/alla-pugacheva", "EXACT"},
		{"Алла Пугачёва", "person/alla-pugacheva", "EXACT"},
		{"Пугачёва", "person/alla-pugacheva", "WORD"},
		{"Alla Pugachyova", "person/alla-pugacheva", "FUZZY"},
		{"khamatova", "person/chulpan-khamatova", "WORD"},
		{"Chulpan Khamatowa", "person/chulpan-khamatova", "FUZZY"},
		{"latv", "country/latvia", "PREFIX"},
	}
	for _, tc := range tests {
		hits, err := st.Search(ctx, tc.text, nil, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Entity.ID != tc.want || hits[0].Kind != tc.kind {
			t.Errorf("Search(%q) top = %+v, want %s by %s", tc.text, hits, tc.want, tc.kind)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Errorf("Search(%q): %s (%.3f) ranked below %s (%.3f)", tc.text, hits[i].Entity.ID, hits[i].Score, hits[i-1].Entity.ID, hits[i-1].Score)
			}
		}
		if hits[0].Kind == "EXACT" && hits[0].Score != 1 {
			t.Errorf("Search(%q): an exact match scores %.3f, want 1", tc.text, hits[0].Score)
		}
	}
	hits, _ := st.Search(ctx, "a", []graph.EntityType{graph.Country}, 10)
	for _, h := range hits {
		if h.Entity.Type != graph.Country {
			t.Errorf("types filter let through %s", h.Entity.ID)
		}
	}
}

// A date-ordered scan over a range pages without loss: the facts within
// the range first, then those that only overlap it (a year, a month
// reaching out of it), each part in date order.
func testDateRangeScanPages(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	cs := Fixture()
	dates := []string{"2021", "2022", "2022-02", "2022-03", "2022-03-01", "2022-03-20", "2022-03-21", "2022-03-31", "2022-04", "2022-04-02", "2023", "2023-01-01"}
	for i, d := range dates {
		cs.Relations = append(cs.Relations, graph.RelationChange{Where: "x", Relation: graph.Relation{
			Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Date: d, Note: fmt.Sprint(i), Sources: Quote("q")}})
	}
	apply(t, st, cs)
	// the fixture adds Pugacheva (2022); its Khamatova 2022-03 fact is the same fact as the one added here
	want := []string{"2022-03-21", "2022-03-31", "2022-04-02", "2022", "2022", "2022-03", "2022-04"}
	for _, entity := range []string{"", "country/latvia"} {
		for _, size := range []int{1, 3, 50} {
			r := mustRange(t, "2022-03-21", "2022-04-15")
			var got []string
			after := ""
			for {
				page, err := st.Relations(ctx, graph.RelationFilter{Entity: entity, Dates: r, OrderByDate: true, DatedOnly: true, First: size, After: after, Predicates: []string{"fled-to"}})
				if err != nil {
					t.Fatal(err)
				}
				for _, rel := range page.Relations {
					got = append(got, rel.Date)
				}
				if !page.HasNextPage {
					break
				}
				after = page.Cursors[len(page.Cursors)-1]
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("entity %q, pages of %d: dates %v, want %v", entity, size, got, want)
			}
		}
	}
}

// A period that began before a range and reaches into it is on the range's
// timeline, in date order, and only once.
func testPeriodsReachIntoRanges(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	cs := Fixture()
	cs.Relations = append(cs.Relations, graph.RelationChange{Where: "x", Relation: graph.Relation{
		Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022-09-21", EndDate: "2022-09-28", Sources: Quote("q")}},
		graph.RelationChange{Where: "y", Relation: graph.Relation{
			Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022", EndDate: "2023", Sources: Quote("q")}},
		// open at its end: on every timeline from its start on
		graph.RelationChange{Where: "z", Relation: graph.Relation{
			Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022-02", Timing: graph.Since, Sources: Quote("q")}},
		graph.RelationChange{Where: "z2", Relation: graph.Relation{
			Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022-10", Timing: graph.Since, Sources: Quote("q")}})
	apply(t, st, cs)
	for _, entity := range []string{"", "country/latvia"} {
		page, err := st.Relations(ctx, graph.RelationFilter{Entity: entity, Dates: mustRange(t, "2022-09-25", "2022-09-30"), OrderByDate: true, DatedOnly: true, First: 50})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range page.Relations {
			got = append(got, r.Date+".."+r.SpanEnd())
		}
		// Pugacheva's 2022 fact overlaps too; the two facts of 2022 are in
		// id order; the one since 2022-10 begins after the range
		if g := strings.Join(got, " "); g != "2022.. 2022..2023 2022-02..9999-12-31 2022-09-21..2022-09-28" && g != "2022..2023 2022.. 2022-02..9999-12-31 2022-09-21..2022-09-28" {
			t.Errorf("entity %q: %v", entity, got)
		}
		// and page by page, the same
		var paged []string
		for after := ""; ; {
			page, err := st.Relations(ctx, graph.RelationFilter{Entity: entity, Dates: mustRange(t, "2022-09-25", "2022-09-30"), OrderByDate: true, DatedOnly: true, First: 1, After: after})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Relations {
				paged = append(paged, r.Date+".."+r.SpanEnd())
			}
			if !page.HasNextPage {
				break
			}
			after = page.Cursors[0]
		}
		if strings.Join(paged, " ") != strings.Join(got, " ") {
			t.Errorf("entity %q: pages of one give %v, one page %v", entity, paged, got)
		}
	}
}

// A timeline within a range keeps the facts whose whole period lies in it;
// one that overlaps it keeps those that reach into it too.
func testTimelineWithin(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	cs := Fixture()
	for i, span := range [][3]string{{"2022-03-05", "", ""}, {"2022-02-20", "2022-03-10", ""}, {"2022-03-01", "2022-03-31", ""}, {"2022-03-20", "", string(graph.Since)}, {"2021", "", ""}} {
		cs.Relations = append(cs.Relations, graph.RelationChange{Where: fmt.Sprint("w", i), Relation: graph.Relation{
			Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: span[0], EndDate: span[1], Timing: graph.Timing(span[2]), Sources: Quote("q")}})
	}
	apply(t, st, cs)
	march := mustRange(t, "2022-03", "2022-03")
	dates := func(within bool) string {
		var got []string
		page, err := st.Relations(ctx, graph.RelationFilter{Entity: "group/it-workers", Dates: march, Within: within, OrderByDate: true, DatedOnly: true, First: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Relations {
			got = append(got, r.Date+".."+r.SpanEnd())
		}
		n, err := st.CountRelations(ctx, graph.RelationFilter{Entity: "group/it-workers", Dates: march, Within: within, OrderByDate: true, DatedOnly: true})
		if err != nil || n != len(got) {
			t.Errorf("within=%v: counted %d (%v), listed %d", within, n, err, len(got))
		}
		return strings.Join(got, " ")
	}
	// the IT workers' 2022-03 figure is in March too (a point has no end of its own)
	if got, want := dates(true), "2022-03.. 2022-03-01..2022-03-31 2022-03-05.."; got != want {
		t.Errorf("within March: %s, want %s", got, want)
	}
	if got, want := dates(false), "2022-03.. 2022-03-01..2022-03-31 2022-03-05.. 2022-02-20..2022-03-10 2022-03-20..9999-12-31"; got != want {
		t.Errorf("overlapping March: %s, want %s", got, want)
	}
}

// A relation's timing, hedges, quantity, note and sources are read back as
// written, in their one normal form (hedges a sorted set, a timing the
// dates imply left out).
func testTimingAndHedges(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	cs := Fixture()
	cs.Relations = append(cs.Relations,
		graph.RelationChange{Where: "h1", Relation: graph.Relation{Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia",
			Date: "2022-09", Timing: graph.Since, Hedges: []graph.Hedge{graph.Estimated, graph.Alleged, graph.Estimated}, Note: "a note",
			Quantity: &graph.Quantity{Amount: 1000, UpperBound: ptr(2000), Unit: "people", Approximation: graph.About},
			Sources:  []graph.Source{{Quote: "q1", Section: "S", URL: "https://example.org/a"}, {Quote: "q2"}}}},
		graph.RelationChange{Where: "h2", Relation: graph.Relation{Subject: "person/alla-pugacheva", Predicate: "fled-to", Object: "country/latvia",
			Date: "2022-10", Timing: graph.Point, Hedges: []graph.Hedge{graph.Disputed}, Sources: Quote("q")}})
	apply(t, st, cs)
	page, err := st.Relations(ctx, graph.RelationFilter{Entity: "country/latvia", Dates: mustRange(t, "2022-09", "2022-10"), Within: true, OrderByDate: true, DatedOnly: true, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Relations) != 1 {
		t.Fatalf("within 2022-09..2022-10: %v, want the point in October alone (the other is open at its end)", ids(page.Relations))
	}
	point := page.Relations[0]
	if point.Timing != "" || len(point.Hedges) != 1 || point.Hedges[0] != graph.Disputed {
		t.Errorf("the point: timing %q, hedges %v; want no timing (the date implies it) and DISPUTED", point.Timing, point.Hedges)
	}
	page, err = st.Relations(ctx, graph.RelationFilter{Subject: "group/it-workers", Predicates: []string{"fled-to"}, First: 10})
	if err != nil || len(page.Relations) != 1 {
		t.Fatalf("the IT workers' flight: %v, %v", page, err)
	}
	r := page.Relations[0]
	want := graph.Relation{ID: r.ID, Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022-09", Timing: graph.Since,
		Hedges: []graph.Hedge{graph.Alleged, graph.Estimated}, Note: "a note",
		Quantity: &graph.Quantity{Amount: 1000, UpperBound: ptr(2000), Unit: "people", Approximation: graph.About},
		// the inline URL became a source record the citation names
		Sources: []graph.Source{{SourceID: graph.DeriveSourceID("", "https://example.org/a"), Quote: "q1", Section: "S"}, {Quote: "q2"}}}
	got, _ := json.Marshal(r)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Errorf("read back\n%s\nwant\n%s", got, wantJSON)
	}
	if again, err := st.Relation(ctx, r.ID); err != nil || r.ID == "" {
		t.Errorf("Relation(%s) = %v, %v", r.ID, again, err)
	} else if b, _ := json.Marshal(again); string(b) != string(wantJSON) {
		t.Errorf("Relation(%s) reads\n%s\nwant\n%s", r.ID, b, wantJSON)
	}
	// stating it again with the timing the dates imply, and the hedges in
	// another order, changes nothing
	if sum := apply(t, st, &graph.Changeset{Relations: []graph.RelationChange{{Where: "again", Relation: graph.Relation{
		Subject: "person/alla-pugacheva", Predicate: "fled-to", Object: "country/latvia", Date: "2022-10", Hedges: []graph.Hedge{graph.Disputed}, Sources: Quote("q")}}}}); sum.Changed() {
		t.Errorf("restating the point without its implied timing: %v, want unchanged", sum)
	}
}

// chain builds people p0..pn-1 where p(i) and p(i+1) fled to country c(i).
func chain(t *testing.T, newStore New, n int) graph.Store {
	st := open(t, newStore)
	cs := Fixture()
	for i := 0; i < n; i++ {
		cs.Entities = append(cs.Entities,
			graph.EntityChange{Where: "p", Entity: graph.Entity{ID: fmt.Sprintf("person/p%d", i), Name: fmt.Sprintf("P %d", i), Type: graph.Person}},
			graph.EntityChange{Where: "c", Entity: graph.Entity{ID: fmt.Sprintf("country/c%d", i), Name: fmt.Sprintf("C %d", i), Type: graph.Country}})
	}
	for i := 0; i+1 < n; i++ {
		for _, p := range []int{i, i + 1} {
			cs.Relations = append(cs.Relations, graph.RelationChange{Where: "r", Relation: graph.Relation{
				Subject: fmt.Sprintf("person/p%d", p), Predicate: "fled-to", Object: fmt.Sprintf("country/c%d", i), Sources: Quote("q")}})
		}
	}
	apply(t, st, cs)
	return st
}

func testShortestPath(t *testing.T, newStore New) {
	st := chain(t, newStore, 6)
	ctx := context.Background()
	tests := []struct {
		from, to string
		max      int
		want     string // entities joined by " > ", "" for no path
	}{
		{"person/p0", "person/p0", 4, "person/p0"},
		{"person/p0", "country/c0", 4, "person/p0 > country/c0"},
		{"person/p0", "person/p1", 4, "person/p0 > country/c0 > person/p1"},
		{"person/p0", "person/p2", 4, "person/p0 > country/c0 > person/p1 > country/c1 > person/p2"},
		{"person/p2", "person/p0", 4, "person/p2 > country/c1 > person/p1 > country/c0 > person/p0"},
		{"person/p0", "person/p3", 4, ""},
		{"person/p0", "person/p3", 6, "person/p0 > country/c0 > person/p1 > country/c1 > person/p2 > country/c2 > person/p3"},
		{"person/p0", "person/alla-pugacheva", 8, ""},
	}
	for _, tc := range tests {
		t.Run(tc.from+" to "+tc.to, func(t *testing.T) {
			p, err := graph.ShortestPath(ctx, st, tc.from, tc.to, tc.max, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p != nil {
				got = strings.Join(p.Entities, " > ")
				if len(p.Relations) != len(p.Entities)-1 {
					t.Errorf("%d relations for %d entities", len(p.Relations), len(p.Entities))
				}
				// every relation joins its two entities
				for i, id := range p.Relations {
					r, err := st.Relation(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					a, b := p.Entities[i], p.Entities[i+1]
					if !(r.Subject == a && r.Object == b || r.Subject == b && r.Object == a) {
						t.Errorf("relation %s (%s %s) does not join %s and %s", id, r.Subject, r.Object, a, b)
					}
				}
			}
			if got != tc.want {
				t.Errorf("path = %q, want %q", got, tc.want)
			}
		})
	}
	// following only other predicates, there is no path
	if p, _ := graph.ShortestPath(ctx, st, "person/p0", "person/p1", 4, []string{"enacted"}); p != nil {
		t.Errorf("path over enacted = %v, want none", p.Entities)
	}
}

func testNeighborhood(t *testing.T, newStore New) {
	st := chain(t, newStore, 4)
	g, err := graph.Neighborhood(context.Background(), st, "person/p1", 1, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	rest := append([]string(nil), g.Entities[1:]...)
	sort.Strings(rest)
	if got := g.Entities[0] + " " + strings.Join(rest, " "); got != "person/p1 country/c0 country/c1" || len(g.Relations) != 2 || g.Truncated {
		t.Errorf("depth 1: entities %s, %d relations, truncated %v", got, len(g.Relations), g.Truncated)
	}
	g, _ = graph.Neighborhood(context.Background(), st, "person/p1", 2, 100, nil)
	if len(g.Entities) != 5 || len(g.Relations) != 4 {
		t.Errorf("depth 2: %v, %d relations", g.Entities, len(g.Relations))
	}
	g, _ = graph.Neighborhood(context.Background(), st, "person/p1", 2, 3, nil)
	if len(g.Relations) != 3 || !g.Truncated {
		t.Errorf("limited to 3: %d relations, truncated %v", len(g.Relations), g.Truncated)
	}
}

// Counts of an entity's relations (per direction and predicates), of its
// timeline and of the whole graph's stay right through adds, updates and
// retractions, large writes and small ones.
func testCounters(t *testing.T, newStore New) {
	st := open(t, newStore)
	g, base := NewRandomGraph(12, 300)
	apply(t, st, base)
	apply(t, st, g.Adds(2000))
	CheckCounts(t, st, g, "after adds")
	apply(t, st, g.Changes(300, 200))
	CheckCounts(t, st, g, "after updates and retractions")
	for range 20 { // small writes, as a server takes them
		apply(t, st, g.Changes(3, 2))
		apply(t, st, g.Adds(5))
	}
	CheckCounts(t, st, g, "after small writes")
}

// The summaries and listings of figures stay right through adds, updates
// (of the figure, or only of its sources), retractions and small writes.
func testFigures(t *testing.T, newStore New) {
	st := open(t, newStore)
	g, base := NewRandomGraph(5, 60)
	apply(t, st, base)
	apply(t, st, g.Adds(1500))
	CheckFigures(t, st, g, "after adds")
	apply(t, st, g.Changes(400, 200))
	CheckFigures(t, st, g, "after updates and retractions")
	for range 30 {
		apply(t, st, g.Changes(4, 3))
		apply(t, st, g.Adds(3))
	}
	CheckFigures(t, st, g, "after small writes")
}

// A snapshot holds everything the store holds, and loads into an empty
// store as it is: its snapshot is the same. A store that takes no
// snapshots (graph.Snapshotter) skips this.
func testSnapshot(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	snap, ok := st.(graph.Snapshotter)
	if !ok {
		t.Skipf("%T takes no snapshots", st)
	}
	cs := Fixture()
	cs.Relations = append(cs.Relations, graph.RelationChange{Where: "h", Relation: graph.Relation{Subject: "group/it-workers", Predicate: "fled-to",
		Object: "country/latvia", Date: "2022-09", Timing: graph.Since, Hedges: []graph.Hedge{graph.Estimated}, Note: "n", Sources: Quote("q")}})
	apply(t, st, cs)
	apply(t, st, &graph.Changeset{Retractions: []graph.Retraction{{Where: "undo", Relation: graph.Relation{
		Subject: "person/vladimir-putin", Predicate: "enacted", Object: "law/fake-news-laws", Date: "2022-03-04"}}}})
	c, err := snap.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Predicates) != 3 || len(c.Entities) != 6 || len(c.Relations) != 4 || len(c.Retractions) != 0 {
		t.Errorf("snapshot: %d predicates, %d entities, %d relations, %d retractions; want 3, 6, 4, 0",
			len(c.Predicates), len(c.Entities), len(c.Relations), len(c.Retractions))
	}
	other := open(t, newStore)
	if sum := apply(t, other, c); sum.RelationsAdded != 4 || sum.EntitiesAdded != 6 || sum.PredicatesAdded != 3 {
		t.Errorf("loading the snapshot: %v", sum)
	}
	again, err := other.(graph.Snapshotter).Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(c)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("the snapshot of a store loaded from a snapshot differs:\n%s\n%s", a, b)
	}
}
