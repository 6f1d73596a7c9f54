package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// sourceFixture is Fixture with two source records: an article cited by
// id and a ministry cited inline by URL, and a third text cited by title.
func sourceFixture() *graph.Changeset {
	c := Fixture()
	c.Sources = []graph.SourceChange{
		{Where: "s1", Source: graph.SourceRecord{ID: "source/article", Title: "The article", Publisher: "Wikipedia", Published: "2023-05",
			URL: "https://example.org/article", Language: "en", Kind: graph.KindEncyclopedia}},
		{Where: "s2", Source: graph.SourceRecord{ID: "source/ministry", Title: "Figures of the ministry", Publisher: "Ministry",
			URL: "https://example.org/ministry", Language: "ka", Kind: graph.KindOfficialStatistics}},
	}
	cite := func(i int, s ...graph.Source) { c.Relations[i].Relation.Sources = s }
	cite(0, graph.Source{SourceID: "source/article", Quote: "Khamatova stayed in exile in Latvia.", Section: "People"})
	cite(1, graph.Source{SourceID: "source/article", Quote: "Pugacheva left."},
		graph.Source{URL: "https://example.org/ministry", Title: "ignored: the record has one", Quote: "Pugacheva left for Latvia."})
	cite(2, graph.Source{Title: "A law's text", Quote: "Putin introduced prison sentences."})
	cite(3, graph.Source{URL: "https://example.org/ministry", Quote: "approximately 50,000–70,000 IT workers fled"})
	return c
}

// Source records are made or matched by id, URL or title, listed with how
// many relations cite them, and corrected like entities; a URL names one
// record.
func testSourceRecords(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	sum := apply(t, st, sourceFixture())
	if sum.SourcesAdded != 3 {
		t.Errorf("added %d source records, want 3 (two stated, one made of a title): %s", sum.SourcesAdded, sum)
	}
	law := graph.DeriveSourceID("A law's text", "")
	page, err := st.SourceRecords(ctx, graph.SourceFilter{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range page.Sources {
		ids = append(ids, s.ID)
	}
	if want := []string{law, "source/article", "source/ministry"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("records %v, want %v", ids, want)
	}
	counts, err := st.CountCitations(ctx, []string{"source/article", "source/ministry", law, "source/none"})
	if err != nil || !reflect.DeepEqual(counts, map[string]int{"source/article": 2, "source/ministry": 2, law: 1, "source/none": 0}) {
		t.Errorf("citations %v, %v", counts, err)
	}
	cited, err := st.CitingRelations(ctx, "source/ministry", 1, "")
	if err != nil || len(cited.Relations) != 1 || !cited.HasNextPage {
		t.Fatalf("the ministry's first relation: %+v, %v", cited, err)
	}
	rest, err := st.CitingRelations(ctx, "source/ministry", 10, cited.Cursors[0])
	if err != nil || len(rest.Relations) != 1 || rest.HasNextPage || rest.Relations[0].ID == cited.Relations[0].ID {
		t.Fatalf("the ministry's next page: %+v, %v", rest, err)
	}
	for _, r := range append(cited.Relations, rest.Relations...) {
		for _, s := range r.Sources {
			if s.SourceID == "source/ministry" && (s.URL != "" || s.Title != "") {
				t.Errorf("%s cites the ministry with its URL or title stored again: %+v", r.ID, s)
			}
		}
	}
	if kind, err := st.SourceRecords(ctx, graph.SourceFilter{Kind: graph.KindOfficialStatistics, First: 10}); err != nil || len(kind.Sources) != 1 || kind.Sources[0].ID != "source/ministry" {
		t.Errorf("official statistics: %+v, %v", kind, err)
	}
	// loading it again changes nothing; a correction names only what changes
	if sum := apply(t, st, sourceFixture()); sum.Changed() {
		t.Errorf("loading the same sources again changed something: %s", sum)
	}
	sum = apply(t, st, &graph.Changeset{Sources: []graph.SourceChange{{Where: "fix", Source: graph.SourceRecord{ID: "source/article", Retrieved: "2026-12-01"}}}})
	if sum.SourcesUpdated != 1 {
		t.Errorf("a correction: %s", sum)
	}
	if rec, err := st.SourceRecord(ctx, "source/article"); err != nil || rec.Retrieved != "2026-12-01" || rec.Publisher != "Wikipedia" {
		t.Errorf("the corrected record: %+v, %v", rec, err)
	}
	if _, err := st.SourceRecord(ctx, "source/none"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("an unknown record: %v, want ErrNotFound", err)
	}
	// refusals name the item and the field, and write nothing
	for _, tc := range []struct {
		name        string
		c           *graph.Changeset
		field, want string
	}{
		{"a URL another record has", &graph.Changeset{Sources: []graph.SourceChange{{Where: "f.yaml:3", Source: graph.SourceRecord{ID: "source/copy", Title: "Copy", URL: "https://example.org/article"}}}},
			"url", "is the url of source source/article"},
		{"a kind not in the set", &graph.Changeset{Sources: []graph.SourceChange{{Where: "f.yaml:3", Source: graph.SourceRecord{ID: "source/x", Title: "X", Kind: "statistics"}}}},
			"kind", "did you mean official-statistics?"},
		{"a language that is no tag", &graph.Changeset{Sources: []graph.SourceChange{{Where: "f.yaml:3", Source: graph.SourceRecord{ID: "source/x", Title: "X", Language: "English"}}}},
			"language", "is not a BCP 47 language tag"},
		{"an unknown source cited", &graph.Changeset{Relations: []graph.RelationChange{{Where: "f.yaml:9", Relation: graph.Relation{
			Subject: "person/alla-pugacheva", Predicate: "fled-to", Object: "country/latvia", Sources: []graph.Source{{SourceID: "source/artcle", Quote: "q"}}}}}},
			"sources[0].source", `unknown source "source/artcle"`},
	} {
		_, err := st.Apply(ctx, tc.c, false)
		var ve *graph.ValidationError
		if !errors.As(err, &ve) || len(ve.Items) == 0 || ve.Items[0].Where == "" {
			t.Errorf("%s: %v, want a validation error", tc.name, err)
			continue
		}
		found := false
		for _, p := range ve.Items[0].Problems {
			found = found || p.Field == tc.field && strings.Contains(p.Message, tc.want)
		}
		if !found {
			t.Errorf("%s: %v, want %s: …%s…", tc.name, err, tc.field, tc.want)
		}
	}
	if page, _ := st.SourceRecords(ctx, graph.SourceFilter{First: 10}); len(page.Sources) != 3 {
		t.Errorf("refused writes left %d records, want 3", len(page.Sources))
	}
}

// Retracting a source retracts what only it supports, takes its citations
// from what others support too, and removes the record; a dry run changes
// nothing.
func testRetractSource(t *testing.T, newStore New) {
	ctx := context.Background()
	st := open(t, newStore)
	apply(t, st, sourceFixture())
	before, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	retract := &graph.Changeset{SourceRetractions: []graph.SourceRetraction{{Where: "cli", ID: "source/ministry"}}}
	sum, err := st.Apply(ctx, retract, true)
	if err != nil || sum.RelationsRetracted != 1 || sum.RelationsUpdated != 1 || sum.SourcesRetracted != 1 {
		t.Fatalf("dry run: %s, %v; want 1 relation retracted, 1 updated, 1 source retracted", sum, err)
	}
	if after, _ := st.Stats(ctx); !reflect.DeepEqual(before, after) {
		t.Errorf("the dry run changed the graph: %+v, was %+v", after, before)
	}
	if _, err := st.SourceRecord(ctx, "source/ministry"); err != nil {
		t.Errorf("the dry run removed the record: %v", err)
	}
	apply(t, st, retract)
	if _, err := st.SourceRecord(ctx, "source/ministry"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("the retracted record: %v, want ErrNotFound", err)
	}
	page, err := st.Relations(ctx, graph.RelationFilter{Subject: "person/alla-pugacheva", First: 10})
	if err != nil || len(page.Relations) != 1 {
		t.Fatalf("Pugacheva's relation, which the article supports too: %+v, %v", page, err)
	}
	if got := page.Relations[0].Sources; len(got) != 1 || got[0].SourceID != "source/article" {
		t.Errorf("Pugacheva's relation cites %+v, want the article alone", got)
	}
	if n, _ := st.CountRelations(ctx, graph.RelationFilter{Subject: "group/it-workers"}); n != 0 {
		t.Errorf("the figure only the ministry supports is still there (%d)", n)
	}
	if counts, _ := st.CountCitations(ctx, []string{"source/ministry", "source/article"}); counts["source/ministry"] != 0 || counts["source/article"] != 2 {
		t.Errorf("citations after the retraction: %v", counts)
	}
	if _, err := st.Apply(ctx, retract, false); graph.ErrorCode(err) != graph.EINVALID || !strings.Contains(err.Error(), "unknown source") {
		t.Errorf("retracting it again: %v, want an unknown source", err)
	}
}
