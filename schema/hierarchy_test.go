package schema_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/schema"
)

// Asking for a predicate includes the predicates narrower than it, unless
// the query says exact: true; the registry shows the hierarchy; a narrower
// predicate must keep within the broader one's types.
func TestPredicateHierarchy(t *testing.T) {
	st := seeded(t)
	ctx := context.Background()
	narrower := &graph.Changeset{
		Predicates: []graph.PredicateChange{{Where: "test", Predicate: graph.Predicate{ID: "fled-by-land-to", Label: "fled by land to",
			InverseLabel: "received by land", SubjectTypes: []graph.EntityType{graph.Person}, ObjectTypes: []graph.EntityType{graph.Country}, Broader: "fled-to"}}},
		Entities: []graph.EntityChange{{Where: "test", Entity: graph.Entity{ID: "person/test-walker", Name: "Test Walker", Type: graph.Person}}},
		Relations: []graph.RelationChange{{Where: "test", Relation: graph.Relation{Subject: "person/test-walker", Predicate: "fled-by-land-to",
			Object: "country/georgia", Date: "2022-09", Sources: []graph.Source{{Quote: "a test quote"}}}}},
	}
	if _, err := st.Apply(ctx, narrower, false); err != nil {
		t.Fatal(err)
	}
	api := newAPI(t, st, schema.Options{Limits: schema.DefaultLimits()})
	count := func(q string) int {
		t.Helper()
		raw, _ := json.Marshal(mustData(t, do(t, api, ctx, q, nil)))
		var n struct {
			Relations struct{ TotalCount int }
			Entity    struct{ FledTo, ReceivedEmigrants struct{ TotalCount int } }
		}
		json.Unmarshal(raw, &n)
		return n.Relations.TotalCount + n.Entity.FledTo.TotalCount + n.Entity.ReceivedEmigrants.TotalCount
	}
	broad := count(`{ relations(predicate: "fled-to", subject: "person/test-walker") { totalCount } }`)
	exact := count(`{ relations(predicate: "fled-to", subject: "person/test-walker", exact: true) { totalCount } }`)
	typed := count(`{ entity(id: "person/test-walker") { ... on Person { fledTo { totalCount } } } }`)
	if broad != 1 || exact != 0 || typed != 1 {
		t.Errorf("the narrower relation: %d under fled-to, %d under fled-to exactly, %d under Person.fledTo; want 1, 0, 1", broad, exact, typed)
	}
	raw, _ := json.Marshal(mustData(t, do(t, api, ctx, `{ predicate(id: "fled-to") { narrower { id broader { id } } } }`, nil)))
	if !strings.Contains(string(raw), `{"broader":{"id":"fled-to"},"id":"fled-by-land-to"}`) {
		t.Errorf("the registry does not show the hierarchy: %s", raw)
	}

	// refused: a broader predicate that does not exist, a cycle, types
	// outside the broader's
	for name, p := range map[string]graph.Predicate{
		"unknown broader": {ID: "p-one", Label: "one", InverseLabel: "one of", SubjectTypes: []graph.EntityType{graph.Person}, ObjectTypes: []graph.EntityType{graph.Country}, Broader: "no-such"},
		"wider types":     {ID: "p-two", Label: "two", InverseLabel: "two of", SubjectTypes: []graph.EntityType{graph.Law}, ObjectTypes: []graph.EntityType{graph.Country}, Broader: "fled-to"},
		"itself":          {ID: "p-three", Label: "three", InverseLabel: "three of", SubjectTypes: []graph.EntityType{graph.Person}, ObjectTypes: []graph.EntityType{graph.Country}, Broader: "p-three"},
	} {
		_, err := st.Apply(ctx, &graph.Changeset{Predicates: []graph.PredicateChange{{Where: name, Predicate: p}}}, false)
		if err == nil || !strings.Contains(err.Error(), "broader") && !strings.Contains(err.Error(), "Types") {
			t.Errorf("%s: %v, want a refusal about broader", name, err)
		}
	}
	cycle := &graph.Changeset{Predicates: []graph.PredicateChange{
		{Where: "a", Predicate: graph.Predicate{ID: "p-a", Label: "a", InverseLabel: "a of", SubjectTypes: []graph.EntityType{graph.Person}, ObjectTypes: []graph.EntityType{graph.Country}, Broader: "p-b"}},
		{Where: "b", Predicate: graph.Predicate{ID: "p-b", Label: "b", InverseLabel: "b of", SubjectTypes: []graph.EntityType{graph.Person}, ObjectTypes: []graph.EntityType{graph.Country}, Broader: "p-a"}},
	}}
	if _, err := st.Apply(ctx, cycle, false); err == nil || !strings.Contains(err.Error(), "comes back") {
		t.Errorf("a cycle of broader predicates: %v", err)
	}
}
