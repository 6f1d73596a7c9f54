package schema

import (
	"fmt"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// rootField describes a field of Query once: the builder makes the field
// from it (with the default and the cap of its `first`, which its
// description states), its resolver checks `first` against the cap, and
// the cost limit counts it by its cost model. A field added to Query is
// added to rootFields, and nowhere else; TestRootListsAreCosted holds every
// list of the built schema to a cost model that counts more than one item.
type rootField struct {
	name string
	// build makes the field; it is given its own entry, so that the
	// builder and the cost limit read one default and one cap.
	build func(b *builder, f rootField) *graphql.Field
	// first is the default of the field's `first` argument; 0 for a field
	// that takes none.
	first int
	// max is the largest `first` the resolver accepts (the server's
	// --max-first may lower graph.MaxPageSize further).
	max  int
	cost costModel
}

// costModel is how the cost limit counts a root field: how many items it
// returns, each costing what it selects.
type costModel int

const (
	// costUnset is refused when the schema is built: every root field
	// says how it is counted.
	costUnset costModel = iota
	// costOne: one object (or null).
	costOne
	// costPage: `first` items, its default when not given; a `first`
	// given by a variable the request leaves out counts at
	// graph.MaxPageSize.
	costPage
	// costNeighborhood: one subgraph of `first` relations and `first`+1
	// entities (counted as a page for `first`).
	costNeighborhood
	// costPath: one path of at most maxHops relations and maxHops+1
	// entities.
	costPath
	// costPaths: `first` paths (at most max), each as costPath.
	costPaths
	// costPredicates: every predicate of the registry.
	costPredicates
)

// Defaults that more than one field shares.
const (
	// defaultPage is the default page of a list of entities or relations,
	// at the root and below it (Entity.relations, the typed fields).
	defaultPage = 50
	// defaultSearch is how many entities a search returns unless asked.
	defaultSearch = 10
	// defaultPathHops is the default of maxHops.
	defaultPathHops = 4
)

// rootFields are the fields of Query, in the order of the source (the
// schema lists them by name).
var rootFields = []rootField{
	{name: "entity", build: (*builder).entityField, cost: costOne},
	{name: "entities", build: (*builder).entitiesField, first: defaultPage, max: graph.MaxPageSize, cost: costPage},
	{name: "relations", build: (*builder).relationsField, first: defaultPage, max: graph.MaxPageSize, cost: costPage},
	{name: "search", build: (*builder).searchField, first: defaultSearch, max: graph.MaxPageSize, cost: costPage},
	{name: "searchHits", build: (*builder).searchHitsField, first: defaultSearch, max: graph.MaxPageSize, cost: costPage},
	{name: "predicates", build: (*builder).predicatesField, cost: costPredicates},
	{name: "predicate", build: (*builder).predicateField, cost: costOne},
	{name: "relation", build: (*builder).relationField, cost: costOne},
	{name: "timeline", build: (*builder).timelineField, first: defaultPage, max: graph.MaxPageSize, cost: costPage},
	{name: "path", build: (*builder).pathField, cost: costPath},
	{name: "paths", build: (*builder).pathsField, first: 3, max: maxPaths, cost: costPaths},
	{name: "neighborhood", build: (*builder).neighborhoodField, first: 200, max: graph.MaxPageSize, cost: costNeighborhood},
	{name: "figures", build: (*builder).figuresField, first: defaultPage, max: graph.MaxPageSize, cost: costPage},
	{name: "stats", build: (*builder).statsField, cost: costOne},
	{name: "history", build: (*builder).historyField, first: defaultPage, max: graph.MaxPageSize, cost: costPage},
	{name: "changes", build: (*builder).changesField, first: defaultPage, max: graph.MaxPageSize, cost: costPage},
	{name: "sources", build: (*builder).sourcesField, first: defaultPage, max: graph.MaxPageSize, cost: costPage},
	{name: "source", build: (*builder).sourceField, cost: costOne},
}

// rootFieldByName indexes rootFields for the cost limit.
var rootFieldByName = func() map[string]rootField {
	m := make(map[string]rootField, len(rootFields))
	for _, f := range rootFields {
		m[f.name] = f
	}
	return m
}()

// queryFields builds the fields of Query from rootFields. It panics on a
// field without a cost model or with a `first` but no cap: the table is
// written in code, so that is a programming error every test meets.
func (b *builder) queryFields() graphql.Fields {
	fields := make(graphql.Fields, len(rootFields))
	for _, f := range rootFields {
		if f.cost == costUnset || (f.first > 0) != (f.max > 0) || fields[f.name] != nil {
			panic(fmt.Sprintf("schema: root field %q needs a cost model, a cap with its default page, and a name of its own", f.name))
		}
		fields[f.name] = f.build(b, f)
	}
	return fields
}
