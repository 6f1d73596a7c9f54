package badger_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

func openStore(t testing.TB) (*badger.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func quote(s string) []graph.Source { return []graph.Source{{Quote: s, Section: "Test"}} }

// fixture is a small graph: two people who fled to one country, a law, and
// a figure.
func fixture() *graph.Changeset {
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
			{Where: "r1", Relation: graph.Relation{Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Date: "2022-03", Sources: quote("Khamatova stayed in exile in Latvia.")}},
			{Where: "r2", Relation: graph.Relation{Subject: "Pugachova", Predicate: "fled-to", Object: "Latvia", Date: "2022", Sources: quote("Pugacheva left.")}},
			{Where: "r3", Relation: graph.Relation{Subject: "person/vladimir-putin", Predicate: "enacted", Object: "law/fake-news-laws", Date: "2022-03-04", Sources: quote("Putin introduced prison sentences.")}},
			{Where: "r4", Relation: graph.Relation{Subject: "group/it-workers", Predicate: "has-figure", Date: "2022-03",
				Quantity: &graph.Quantity{Amount: 50000, LowerBound: ptr(50000), UpperBound: ptr(70000), Unit: "people", Approximation: graph.About},
				Sources:  quote("approximately 50,000–70,000 IT workers fled")}},
		},
	}
}

func ptr(f float64) *float64 { return &f }

func loaded(t testing.TB) *badger.Store {
	t.Helper()
	st, _ := openStore(t)
	if _, err := st.Apply(context.Background(), fixture(), false); err != nil {
		t.Fatal(err)
	}
	return st
}

func ids(rels []*graph.Relation) []string {
	var out []string
	for _, r := range rels {
		out = append(out, r.Subject+" "+r.Predicate+" "+r.Object)
	}
	return out
}

func TestApplyAndRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := loaded(t)
	e, err := st.Entity(ctx, "person/alla-pugacheva")
	if err != nil || e.Name != "Alla Pugacheva" {
		t.Fatalf("Entity = %v, %v", e, err)
	}
	if _, err := st.Entity(ctx, "person/nobody"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("Entity(missing) error = %v, want ErrNotFound", err)
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
	n, err := st.CountEntities(ctx, graph.Person)
	if err != nil || n != 3 {
		t.Errorf("CountEntities(PERSON) = %d, %v, want 3", n, err)
	}
	stats, _ := st.Stats(ctx)
	if stats.Relations["fled-to"] != 2 || stats.Entities[graph.Country] != 1 {
		t.Errorf("Stats = %+v", stats)
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	st := loaded(t)
	sum, err := st.Apply(context.Background(), fixture(), false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Changed() || sum.RelationsUnchanged != 4 || sum.EntitiesUnchanged != 6 {
		t.Errorf("second apply: %v, want everything unchanged", sum)
	}
}

func TestRefusedWrites(t *testing.T) {
	t.Parallel()
	rel := func(r graph.Relation) *graph.Changeset {
		return &graph.Changeset{Relations: []graph.RelationChange{{Where: "facts.yaml:7", Relation: r}}}
	}
	good := graph.Relation{Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Sources: quote("q")}
	with := func(f func(r *graph.Relation)) *graph.Changeset {
		r := good
		f(&r)
		return rel(r)
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
			Relations: []graph.RelationChange{{Where: "facts.yaml:7", Relation: graph.Relation{Subject: "Pugachova", Predicate: "fled-to", Object: "country/latvia", Sources: quote("q")}}},
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
			st := loaded(t)
			before, _ := st.Stats(context.Background())
			_, err := st.Apply(context.Background(), tc.cs, false)
			var ve *graph.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Apply error = %v, want a *ValidationError", err)
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
}

func TestCorrectionsAndRetraction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := loaded(t)
	sum, err := st.Apply(ctx, &graph.Changeset{
		Entities:    []graph.EntityChange{{Where: "fix", Entity: graph.Entity{ID: "person/alla-pugacheva", Name: "Alla Borisovna Pugacheva", Aliases: []string{"Pugacheva"}}, RemoveAliases: []string{"Pugachova"}}},
		Retractions: []graph.Retraction{{Where: "undo", Relation: graph.Relation{Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Date: "2022-03"}}},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.EntitiesUpdated != 1 || sum.RelationsRetracted != 1 {
		t.Errorf("summary = %v", sum)
	}
	if found, _, _ := st.EntitiesByName(ctx, "Pugachova", 0); len(found) != 0 {
		t.Errorf("the removed alias still finds %v", found)
	}
	if found, _, _ := st.EntitiesByName(ctx, "Alla Borisovna Pugacheva", 0); len(found) != 1 {
		t.Errorf("the new name finds %v", found)
	}
	page, _ := st.Relations(ctx, graph.RelationFilter{Entity: "country/latvia", First: 10})
	if len(page.Relations) != 1 {
		t.Errorf("after the retraction Latvia has %v", ids(page.Relations))
	}
	if n, _ := st.CountRelations(ctx, graph.RelationFilter{Predicates: []string{"fled-to"}}); n != 1 {
		t.Errorf("fled-to count = %d, want 1", n)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openStore(t)
	cs := fixture()
	for i := 0; i < 23; i++ {
		cs.Relations = append(cs.Relations, graph.RelationChange{Where: "x", Relation: graph.Relation{
			Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia",
			Date: fmt.Sprintf("2023-01-%02d", i+1), Sources: quote("q")}})
	}
	if _, err := st.Apply(ctx, cs, false); err != nil {
		t.Fatal(err)
	}
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
	if _, err := st.Relations(ctx, graph.RelationFilter{First: 501}); graph.ErrorCode(err) != graph.EINVALID {
		t.Errorf("first: 501 gave %v, want an invalid error", err)
	}
}

func TestRelationFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := loaded(t)
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

func mustRange(t *testing.T, from, to string) graph.DateRange {
	r, err := graph.NewDateRange(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := loaded(t)
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
	}
	hits, _ := st.Search(ctx, "a", []graph.EntityType{graph.Country}, 10)
	for _, h := range hits {
		if h.Entity.Type != graph.Country {
			t.Errorf("types filter let through %s", h.Entity.ID)
		}
	}
}

// A date-ordered scan over a range reads only the index around the range,
// and pages through it without loss: the facts within the range first, then
// those that only overlap it (a year, a month reaching out of it), each part
// in date order.
func TestDateRangeScanPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openStore(t)
	cs := fixture()
	dates := []string{"2021", "2022", "2022-02", "2022-03", "2022-03-01", "2022-03-20", "2022-03-21", "2022-03-31", "2022-04", "2022-04-02", "2023", "2023-01-01"}
	for i, d := range dates {
		cs.Relations = append(cs.Relations, graph.RelationChange{Where: "x", Relation: graph.Relation{
			Subject: "person/chulpan-khamatova", Predicate: "fled-to", Object: "country/latvia", Date: d, Note: fmt.Sprint(i), Sources: quote("q")}})
	}
	if _, err := st.Apply(ctx, cs, false); err != nil {
		t.Fatal(err)
	}
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
func TestPeriodsReachIntoRanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _ := openStore(t)
	cs := fixture()
	cs.Relations = append(cs.Relations, graph.RelationChange{Where: "x", Relation: graph.Relation{
		Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022-09-21", EndDate: "2022-09-28", Sources: quote("q")}},
		graph.RelationChange{Where: "y", Relation: graph.Relation{
			Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022", EndDate: "2023", Sources: quote("q")}},
		// open at its end: on every timeline from its start on
		graph.RelationChange{Where: "z", Relation: graph.Relation{
			Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022-02", Timing: graph.Since, Sources: quote("q")}},
		graph.RelationChange{Where: "z2", Relation: graph.Relation{
			Subject: "group/it-workers", Predicate: "fled-to", Object: "country/latvia", Date: "2022-10", Timing: graph.Since, Sources: quote("q")}})
	if _, err := st.Apply(ctx, cs, false); err != nil {
		t.Fatal(err)
	}
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
