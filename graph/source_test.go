package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// emptyView is a store that holds nothing.
type emptyView struct{}

func (emptyView) Predicate(string) (*graph.Predicate, error) { return nil, nil }
func (emptyView) Entity(string) (*graph.Entity, error)       { return nil, nil }
func (emptyView) Relation(string) (*graph.Relation, error)   { return nil, nil }
func (emptyView) EntityIDsByName(string) ([]string, error)   { return nil, nil }

// citing is a changeset of n relations whose citations name their source
// as cite says.
func citing(n int, cite func(i int) graph.Source) *graph.Changeset {
	c := &graph.Changeset{
		Predicates: []graph.PredicateChange{{Predicate: graph.Predicate{ID: "said", Label: "said", InverseLabel: "said of", SubjectTypes: graph.EntityTypes, ObjectOptional: true}}},
		Entities:   []graph.EntityChange{{Entity: graph.Entity{ID: "person/a", Name: "A", Type: graph.Person}}},
		Sources:    []graph.SourceChange{{Source: graph.SourceRecord{ID: "source/paper", Title: "A paper", URL: "https://example.org/paper"}}},
	}
	for i := range n {
		c.Relations = append(c.Relations, graph.RelationChange{Where: fmt.Sprint("f:", i), Relation: graph.Relation{
			ID: fmt.Sprintf("rel/r-%d", i), Subject: "person/a", Predicate: "said", Sources: []graph.Source{cite(i)}}})
	}
	return c
}

// The forms of citation: each names the same record, or a record made once.
func TestCitationForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cite func(i int) graph.Source
		want string
	}{
		{"by id", func(i int) graph.Source { return graph.Source{SourceID: "source/paper", Quote: "q"} }, "source/paper"},
		{"by URL", func(i int) graph.Source {
			return graph.Source{URL: "https://example.org/paper", Title: "Another title", Quote: "q"}
		}, "source/paper"},
		{"by title", func(i int) graph.Source { return graph.Source{Title: "Новая газета", Quote: "q"} }, graph.DeriveSourceID("Новая газета", "")},
	} {
		plan, err := graph.PlanChangeset(citing(3, tc.cite), emptyView{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, w := range plan.Relations {
			if s := w.New.Sources[0]; s.SourceID != tc.want || s.Title != "" || s.URL != "" {
				t.Errorf("%s: %+v, want a citation of %s alone", tc.name, s, tc.want)
			}
		}
		if made := len(plan.Sources) - 1; (tc.name == "by title") != (made == 1) || made > 1 {
			t.Errorf("%s: %d records made", tc.name, made)
		}
	}
	if id := graph.DeriveSourceID("Новая газета", ""); !strings.HasPrefix(id, "source/novaia-gazeta-") && !strings.HasPrefix(id, "source/novaya-gazeta-") || !graph.ValidID(id) {
		t.Errorf("a title's id: %q", id)
	}
	if id := graph.DeriveSourceID("", "https://www.Example.org/a?b"); !strings.HasPrefix(id, "source/example-org-") || !graph.ValidID(id) {
		t.Errorf("a URL's id: %q", id)
	}
	for tag, ok := range map[string]bool{"en": true, "ru": true, "pt-BR": true, "zh-Hant-TW": true, "english": false, "en_US": false, "": false, "e": false} {
		if graph.ValidLanguageTag(tag) != ok {
			t.Errorf("ValidLanguageTag(%q) = %v", tag, !ok)
		}
	}
}

// Planning 100,000 relations whose citations name their source by id, by
// URL or by title, against quotes alone: what resolving citations adds to
// a load's planning.
func BenchmarkPlanCitations(b *testing.B) {
	for _, bc := range []struct {
		name string
		cite func(i int) graph.Source
	}{
		{"quote-only", func(i int) graph.Source { return graph.Source{Quote: "q"} }},
		{"by-id", func(i int) graph.Source { return graph.Source{SourceID: "source/paper", Quote: "q"} }},
		{"by-url", func(i int) graph.Source { return graph.Source{URL: "https://example.org/paper", Quote: "q"} }},
		{"by-title", func(i int) graph.Source { return graph.Source{Title: "emigraph gen", Quote: "q"} }},
	} {
		c := citing(100_000, bc.cite)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := graph.PlanChangeset(c, emptyView{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
