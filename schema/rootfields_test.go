package schema

import (
	"fmt"
	"testing"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/parser"
)

// Every list of Query (a list, a connection, or a field that takes `first`
// or maxHops) is counted by the cost limit as what it returns by default,
// from the one table the schema is built from: a list field counted as one
// item would let a request past the cost limit with a page of hundreds.
func TestRootListsAreCosted(t *testing.T) {
	t.Parallel()
	api := gateAPI(t, DefaultLimits())
	sizes := *api.sizes.Load()
	s := api.Schema()
	fields := s.QueryType().Fields()
	if len(fields) != len(rootFields) {
		t.Errorf("Query has %d fields, rootFields %d", len(fields), len(rootFields))
	}
	estimate := func(query string) int {
		doc, err := parser.Parse(parser.ParseParams{Source: query})
		if err != nil {
			t.Fatal(err)
		}
		return DefaultLimits().estimate(doc, "", nil, sizes, 1<<30)
	}
	for name, f := range fields {
		root, ok := rootFieldByName[name]
		if !ok {
			t.Errorf("Query.%s is not in rootFields", name)
			continue
		}
		first, hasFirst := argDefault(f, "first")
		if hasFirst && first != root.first {
			t.Errorf("Query.%s: first defaults to %d in the schema, %d in rootFields", name, first, root.first)
		}
		if !isList(f) {
			continue
		}
		// each item of the selection below costs 2: itself and __typename
		var query string
		var want int
		switch root.cost {
		case costPage:
			query, want = fmt.Sprintf("{ %s { __typename } }", name), 2*first
		case costPaths:
			query, want = fmt.Sprintf("{ %s { __typename } }", name), 2*first
		case costPredicates:
			query, want = fmt.Sprintf("{ %s { __typename } }", name), 2*sizes.predicates
		case costNeighborhood:
			query, want = fmt.Sprintf("{ %s { relations { __typename } } }", name), 1+2*first
		case costPath:
			hops, _ := argDefault(f, "maxHops")
			query, want = fmt.Sprintf("{ %s { relations { __typename } } }", name), 1+2*hops
		default:
			t.Errorf("Query.%s returns many items, but rootFields counts it as one: give it the cost model of a list", name)
			continue
		}
		if got := estimate(query); got != want || want <= 2 {
			t.Errorf("%s is estimated at %d items, want %d (from its defaults in the schema)", query, got, want)
		}
	}
}

// isList reports whether a field returns many items: a list, a connection,
// or a field that takes `first` or maxHops.
func isList(f *graphql.FieldDefinition) bool {
	if _, ok := argDefault(f, "first"); ok {
		return true
	}
	if _, ok := argDefault(f, "maxHops"); ok {
		return true
	}
	t := f.Type
	if nn, ok := t.(*graphql.NonNull); ok {
		t = nn.OfType
	}
	switch t := t.(type) {
	case *graphql.List:
		return true
	case *graphql.Object:
		_, nodes := t.Fields()["nodes"]
		_, edges := t.Fields()["edges"]
		return nodes || edges
	}
	return false
}

func argDefault(f *graphql.FieldDefinition, name string) (int, bool) {
	for _, a := range f.Args {
		if a.Name() == name {
			n, ok := a.DefaultValue.(int)
			return n, ok
		}
	}
	return 0, false
}
