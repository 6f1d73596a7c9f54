package schema_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
)

// A predicate whose typed field would take another predicate's name is
// refused by the write, naming the field and the predicate that holds it;
// the API keeps its fields. Before, admitted (inverse label "received
// emigrants") took Country.receivedEmigrants from fled-to, whose field
// became fledToIn.
func TestALoadedPredicateCannotRenameAField(t *testing.T) {
	t.Parallel()
	api := newAPI(t, seeded(t), schema.Options{Parse: seed.Parse})
	ctx := schema.WithWriteAccess(context.Background(), "")
	doc := `predicates:
  - {id: admitted, label: admitted, inverseLabel: received emigrants, subjectTypes: [COUNTRY], objectTypes: [COUNTRY, PLACE]}
`
	out := do(t, api, ctx, `mutation($d: String!) { importFacts(format: "native", document: $d) { ok errors { field message } } }`, map[string]any{"d": doc})
	res := mustData(t, out)["importFacts"].(map[string]any)
	raw, _ := json.Marshal(res)
	if res["ok"] != false || !strings.Contains(string(raw), "receivedEmigrants of COUNTRY") || !strings.Contains(string(raw), "fled-to") ||
		!strings.Contains(string(raw), `"field":"inverseLabel"`) {
		t.Fatalf("importFacts of admitted = %s; want it refused naming Country.receivedEmigrants and fled-to", raw)
	}
	data := mustData(t, do(t, api, ctx, `{ predicate(id: "fled-to") { inField }
		entity(id: "country/georgia") { ... on Country { receivedEmigrants(first: 1, exact: true) { nodes { predicate } } } } }`, nil))
	raw, _ = json.Marshal(data)
	if !strings.Contains(string(raw), `"inField":"receivedEmigrants"`) || !strings.Contains(string(raw), `"predicate":"fled-to"`) {
		t.Errorf("after the refused load: %s; want Country.receivedEmigrants to be fled-to's still", raw)
	}
}

// The fields every entity has, which graph.EntityFields names for the
// check of typed field names, are the schema's.
func TestEntityFieldsAreTheSchemas(t *testing.T) {
	t.Parallel()
	api := newAPI(t, seeded(t), schema.Options{})
	s := api.Schema()
	iface, ok := s.Type("Entity").(*graphql.Interface)
	if !ok {
		t.Fatal("the schema has no Entity interface")
	}
	var names []string
	for name := range iface.Fields() {
		names = append(names, name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(graph.EntityFields))
	if !slices.Equal(names, want) {
		t.Errorf("the Entity interface has %v; graph.EntityFields is %v", names, want)
	}
}
