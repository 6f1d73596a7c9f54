package schema

import (
	"os"
	"regexp"
	"testing"

	"github.com/graphql-go/graphql/language/parser"
)

// The entities and relations of a neighbourhood or a path are as many as
// its first or maxHops allows, not pages of 50 each: the explorer's graph
// view (120 relations, each with its sources and ends) was estimated at
// 174,000 items, and a cost limit low enough to bound a server's memory
// refused it.
func TestNeighbourhoodsAndPathsAreEstimatedByTheirBounds(t *testing.T) {
	js, err := os.ReadFile("../server/explorer/assets/explorer.js")
	if err != nil {
		t.Fatal(err)
	}
	fact := regexp.MustCompile("(?s)const FACT = `(.*?)`").FindSubmatch(js)
	if fact == nil {
		t.Fatal("explorer.js defines no FACT fragment")
	}
	explorer := `query Neighbourhood($id: ID!, $depth: Int, $first: Int, $predicates: [String!]) {
  neighborhood(id: $id, depth: $depth, first: $first, predicates: $predicates) { truncated entities { id name type } relations { ...Fact } }
  entity(id: $id) { relations(first: 0, predicates: $predicates) { totalCount } }
}
` + string(fact[1])
	for _, tt := range []struct {
		query string
		vars  map[string]any
		want  int
	}{
		// the neighbourhood (truncated, 121 entities of 1 + 3, 120 relations
		// of 1 + 33 in the fragment, a citation's record among them), and the
		// entity with its count
		{explorer, map[string]any{"id": "country/georgia", "first": 120}, 1 + (1 + 121*4 + 120*34) + (1 + 1*(1+1))},
		{`{ neighborhood(id: "x", first: 500) { entities { id } relations { id } } }`, nil, 1 + 501*2 + 500*2},
		{`{ neighborhood(id: "x") { relations { id } } }`, nil, 1 + 200*2},
		{`{ path(from: "a", to: "b", maxHops: 8) { hops entities { id } relations { id } } }`, nil, 1 + 1 + 9*2 + 8*2},
		{`{ paths(from: "a", to: "b", first: 10) { entities { id } relations { id } } }`, nil, 10 * (1 + 5*2 + 4*2)},
	} {
		doc, err := parser.Parse(parser.ParseParams{Source: tt.query})
		if err != nil {
			t.Fatal(err)
		}
		if got := DefaultLimits().estimate(doc, "", tt.vars, schemaSizes{}, 1<<30); got != tt.want {
			t.Errorf("%.80s: estimated %d items, want %d", tt.query, got, tt.want)
		}
	}
}
