package schema

import (
	"fmt"
	"runtime"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"

	"github.com/emigraph/emigraph/graph"
)

// Limits bound what one request may ask for. They are checked before
// execution, so a query bomb costs a walk of its document and nothing more.
// A zero field means no limit.
type Limits struct {
	// MaxDepth bounds the nesting of selections, fragments followed.
	MaxDepth int
	// MaxAliases bounds the number of aliased fields in the document.
	MaxAliases int
	// MaxRootFields bounds the fields selected at the top of an operation.
	MaxRootFields int
	// MaxFirst caps `first` on every list (at most graph.MaxPageSize, 500).
	MaxFirst int
	// MaxCost bounds the estimated number of items a request may return:
	// each list field multiplies the cost of what it selects by its `first`
	// (or its default page size), through every level of nesting.
	MaxCost int
	// MaxWork bounds the work of a request as it runs, in records read (a
	// relation or an entity; index entries read without their record, and
	// keys counted, for a fraction of one: graph.Budget): counts that the
	// store's counters say
	// would read more are refused before they start, and any read past it
	// stops the request (graph.Budget). The cost limit bounds what a
	// request returns; this bounds what it reads to find it.
	MaxWork int
	// MaxHeavy bounds how many heavy requests run at once: those that
	// read more than heavyRecords records, or whose result the cost
	// estimate puts above heavyItems items (heavy.go). The others wait
	// for a turn, within their deadline; light requests never do.
	MaxHeavy int
	// MaxListItems bounds a list argument of names, ids, predicates or
	// types (predicates:, avoid:, types:), in the document or in a
	// variable, counted as given (see lists.go).
	MaxListItems int

	// The gate's limits, checked before graphql-go parses or validates the
	// document (see gate.go): tokens in the document; braces, brackets and
	// parentheses open at once; fragment definitions; selections in one
	// selection set; directives at one place; fields with every fragment
	// expanded; fields under one response name in a selection set with its
	// fragments merged in.
	MaxTokens         int
	MaxNesting        int
	MaxFragments      int
	MaxSelections     int
	MaxDirectives     int
	MaxExpandedFields int
	MaxFieldRepeats   int
}

// DefaultLimits are generous for people and tight for bombs. GraphiQL's
// introspection query, the README's examples and the explorer's queries stay
// far below each: introspection, the largest, is 153 tokens, nests 8 deep
// and expands to 184 fields (TestGateAdmitsEverydayDocuments).
func DefaultLimits() Limits {
	return Limits{MaxDepth: 15, MaxAliases: 50, MaxRootFields: 25, MaxCost: 100_000, MaxFirst: 500,
		MaxWork: 20_000, MaxHeavy: max(1, runtime.GOMAXPROCS(0)/2), MaxListItems: 100,
		MaxTokens: 10_000, MaxNesting: 40, MaxFragments: 100, MaxSelections: 200, MaxDirectives: 10,
		MaxExpandedFields: 2_000, MaxFieldRepeats: 20}
}

type walker struct {
	fragments map[string]*ast.FragmentDefinition
	vars      map[string]any
	aliases   int
	visiting  map[string]bool
	// sizes are the schema's lists that no argument bounds (schemaSizes).
	sizes schemaSizes
}

// schemaSizes are how many items the lists of one schema that take no
// `first` can return: introspection (__schema at most introspection items,
// __type at most largestType) and the predicates of its registry.
type schemaSizes struct{ introspection, largestType, predicates int }

// sizesOf measures s, built over predicates.
func sizesOf(s *graphql.Schema, predicates int) schemaSizes {
	in := introspectionSize(s)
	in.predicates = predicates
	return in
}

// introspectionSize counts the values that introspection of s can return,
// in the unit of the cost limit (one per field of each item): the standard
// introspection query asks of a field its name, description, deprecation
// (4) and its type reference (3 levels of kind, name and ofType: 9), of an
// argument or input field its name, description, default and type (12),
// of an enum value 4, of a type 3 more. So the cost limit charges __schema
// and __type what they can really return, whatever they select.
func introspectionSize(s *graphql.Schema) schemaSizes {
	const typeRef, field, input, enumValue, typ = 9, 4 + 9, 3 + 9, 4, 3
	args := func(as []*graphql.Argument) int { return len(as) * input }
	var in schemaSizes
	for _, t := range s.TypeMap() {
		n := typ
		switch t := t.(type) {
		case *graphql.Object:
			for _, f := range t.Fields() {
				n += field + args(f.Args)
			}
			n += len(t.Interfaces()) * typeRef
		case *graphql.Interface:
			for _, f := range t.Fields() {
				n += field + args(f.Args)
			}
			n += len(s.PossibleTypes(t)) * typeRef
		case *graphql.Union:
			n += len(t.Types()) * typeRef
		case *graphql.InputObject:
			n += len(t.Fields()) * input
		case *graphql.Enum:
			n += len(t.Values()) * enumValue
		}
		in.introspection += n
		in.largestType = max(in.largestType, n)
	}
	for _, d := range s.Directives() {
		in.introspection += 2 + len(d.Locations) + args(d.Args)
	}
	return in
}

func limitError(format string, args ...any) gqlerrors.FormattedError {
	fe := gqlerrors.NewFormattedError(fmt.Sprintf(format, args...))
	fe.Extensions = map[string]any{"code": graph.ELIMIT}
	return fe
}

// check applies the limits that do not depend on variables: depth, aliases,
// root fields and list literals.
func (l Limits) check(doc *ast.Document) []gqlerrors.FormattedError {
	w := &walker{fragments: fragments(doc), visiting: map[string]bool{}}
	errs := l.checkListLiterals(doc)
	for _, def := range doc.Definitions {
		op, ok := def.(*ast.OperationDefinition)
		if !ok {
			continue
		}
		if l.MaxRootFields > 0 {
			if n := w.countFields(op.SelectionSet); n > l.MaxRootFields {
				errs = append(errs, limitError("the operation selects %d root fields; the limit is %d", n, l.MaxRootFields))
			}
		}
		if l.MaxDepth > 0 {
			if d := w.depth(op.SelectionSet, 0, l.MaxDepth+1); d > l.MaxDepth {
				errs = append(errs, limitError("the query is nested deeper than %d levels (fragments included)", l.MaxDepth))
			}
		}
	}
	if l.MaxAliases > 0 {
		w.aliases = 0
		for _, def := range doc.Definitions {
			switch d := def.(type) {
			case *ast.OperationDefinition:
				w.countAliases(d.SelectionSet)
			case *ast.FragmentDefinition:
				w.countAliases(d.SelectionSet)
			}
		}
		if w.aliases > l.MaxAliases {
			errs = append(errs, limitError("the document uses %d aliases; the limit is %d", w.aliases, l.MaxAliases))
		}
	}
	return errs
}

// checkCost estimates the cost of the operation that will run, with the
// request's variables (a `first: $n` counts as the value of $n).
func (l Limits) checkCost(doc *ast.Document, opName string, vars map[string]any, sizes schemaSizes) []gqlerrors.FormattedError {
	if l.MaxCost <= 0 {
		return nil
	}
	w := &walker{fragments: fragments(doc), vars: vars, visiting: map[string]bool{}, sizes: sizes}
	for _, def := range doc.Definitions {
		op, ok := def.(*ast.OperationDefinition)
		if !ok || (opName != "" && (op.Name == nil || op.Name.Value != opName)) {
			continue
		}
		if c := w.cost(op.SelectionSet, l.MaxCost, isQuery(op)); c > l.MaxCost {
			return []gqlerrors.FormattedError{limitError("the query could return about %d items or more (each list multiplies by its `first`); the limit is %d: ask for smaller pages or less nesting", c, l.MaxCost)}
		}
	}
	return nil
}

// estimate is the cost of the operation that will run, as checkCost
// counts it, saturating a little past stop.
func (l Limits) estimate(doc *ast.Document, opName string, vars map[string]any, sizes schemaSizes, stop int) int {
	w := &walker{fragments: fragments(doc), vars: vars, visiting: map[string]bool{}, sizes: sizes}
	for _, def := range doc.Definitions {
		if op, ok := def.(*ast.OperationDefinition); ok && (opName == "" || op.Name != nil && op.Name.Value == opName) {
			return w.cost(op.SelectionSet, stop, isQuery(op))
		}
	}
	return 0
}

// isQuery reports whether op reads: its root fields are Query's.
func isQuery(op *ast.OperationDefinition) bool { return op.Operation == ast.OperationTypeQuery }

func fragments(doc *ast.Document) map[string]*ast.FragmentDefinition {
	out := map[string]*ast.FragmentDefinition{}
	for _, def := range doc.Definitions {
		if f, ok := def.(*ast.FragmentDefinition); ok && f.Name != nil {
			out[f.Name.Value] = f
		}
	}
	return out
}

// fields flattens a selection set through fragments into its fields.
func (w *walker) fields(set *ast.SelectionSet, fn func(f *ast.Field)) {
	if set == nil {
		return
	}
	for _, sel := range set.Selections {
		switch s := sel.(type) {
		case *ast.Field:
			fn(s)
		case *ast.InlineFragment:
			w.fields(s.SelectionSet, fn)
		case *ast.FragmentSpread:
			if s.Name == nil || w.visiting[s.Name.Value] {
				continue // a fragment cycle is a validation error of its own
			}
			if f := w.fragments[s.Name.Value]; f != nil {
				w.visiting[s.Name.Value] = true
				w.fields(f.SelectionSet, fn)
				delete(w.visiting, s.Name.Value)
			}
		}
	}
}

func (w *walker) countFields(set *ast.SelectionSet) int {
	n := 0
	w.fields(set, func(*ast.Field) { n++ })
	return n
}

// depth returns the nesting depth below set, stopping early past stop.
func (w *walker) depth(set *ast.SelectionSet, at, stop int) int {
	if set == nil || at >= stop {
		return at
	}
	max := at
	w.fields(set, func(f *ast.Field) {
		if f.SelectionSet == nil {
			if at+1 > max {
				max = at + 1
			}
			return
		}
		if d := w.depth(f.SelectionSet, at+1, stop); d > max {
			max = d
		}
	})
	return max
}

func (w *walker) countAliases(set *ast.SelectionSet) {
	if set == nil {
		return
	}
	for _, sel := range set.Selections {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != nil {
				w.aliases++
			}
			w.countAliases(s.SelectionSet)
		case *ast.InlineFragment:
			w.countAliases(s.SelectionSet)
		}
	}
}

// intArg is the value of an Int argument of f, given in the document or
// through a variable; def when it is not given.
func (w *walker) intArg(f *ast.Field, name string, def int) int {
	for _, arg := range f.Arguments {
		if arg.Name == nil || arg.Name.Value != name {
			continue
		}
		switch v := arg.Value.(type) {
		case *ast.IntValue:
			var n int
			fmt.Sscan(v.Value, &n)
			return n
		case *ast.Variable:
			if v.Name != nil {
				switch n := w.vars[v.Name.Value].(type) {
				case float64:
					return int(n)
				case int:
					return n
				}
			}
			return def
		}
	}
	return def
}

// nestedLists are the default sizes of the lists below the root that the
// cost limit counts by name, whatever type holds them: Entity.relations
// (and Stats.relations, one per predicate), Stats.entities (one per entity
// type) and FigureGroup.figures. The entities and relations of a path or a
// neighbourhood are sized by their parent instead (costWith).
var nestedLists = map[string]int{"relations": defaultPage, "entities": defaultPage, "figures": defaultListedFigures}

// listSize is the page size a field below the root asks for: its `first`,
// or the default of fields that take one. Fields without `first` count 1.
func (w *walker) listSize(f *ast.Field) int {
	if hasArg(f, "first") {
		// a variable not given counts at the cap
		return clampSize(w.intArg(f, "first", graph.MaxPageSize))
	}
	if n, ok := nestedLists[f.Name.Value]; ok {
		return n
	}
	// a connection (typed predicate fields such as fledTo are connections
	// too) pages defaultPage by default
	if f.SelectionSet != nil {
		connection := false
		w.fields(f.SelectionSet, func(sub *ast.Field) {
			if sub.Name != nil && (sub.Name.Value == "nodes" || sub.Name.Value == "edges") {
				connection = true
			}
		})
		if connection {
			return defaultPage
		}
	}
	return 1
}

// rootSize is how many items a root field of Query returns, by its cost
// model (rootFields), and the sizes of the lists below it that it bounds:
// the entities and relations of a neighbourhood or a path are as many as
// its first or maxHops allows, not pages of their own.
func (w *walker) rootSize(f *ast.Field, root rootField) (size int, inner map[string]int) {
	page := func() int {
		if hasArg(f, "first") {
			return clampSize(w.intArg(f, "first", graph.MaxPageSize)) // a variable not given counts at the cap
		}
		return root.first
	}
	hops := func() map[string]int {
		n := clampSize(min(w.intArg(f, "maxHops", defaultPathHops), maxPathHops))
		return map[string]int{"entities": n + 1, "relations": n}
	}
	switch root.cost {
	case costPage:
		return page(), nil
	case costNeighborhood:
		n := page()
		return 1, map[string]int{"entities": n + 1, "relations": n}
	case costPath:
		return 1, hops()
	case costPaths:
		return clampSize(min(w.intArg(f, "first", root.first), root.max)), hops()
	case costPredicates:
		return clampSize(w.sizes.predicates), nil
	}
	return 1, nil
}

func hasArg(f *ast.Field, name string) bool {
	for _, arg := range f.Arguments {
		if arg.Name != nil && arg.Name.Value == name {
			return true
		}
	}
	return false
}

func clampSize(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// cost estimates the items an operation's selection set returns,
// saturating at stop so that bombs stay cheap. Its fields are Query's when
// query is true, counted by rootFields.
func (w *walker) cost(set *ast.SelectionSet, stop int, query bool) int {
	if !query {
		return w.costWith(set, stop, nil)
	}
	total := 0
	w.fields(set, func(f *ast.Field) {
		if total > stop {
			return
		}
		root, ok := rootFieldByName[f.Name.Value]
		if !ok { // __schema, __type, __typename
			total += w.costWith(&ast.SelectionSet{Selections: []ast.Selection{f}}, stop-total, nil)
			return
		}
		size, inner := w.rootSize(f, root)
		cost := 1
		if f.SelectionSet != nil {
			cost = 1 + w.costWith(f.SelectionSet, stop/size+1, inner)
		}
		total += size * cost
	})
	return total
}

// costWith is cost below the root, with the sizes of some lists known from
// their parent (rootSize).
func (w *walker) costWith(set *ast.SelectionSet, stop int, sizes map[string]int) int {
	total := 0
	w.fields(set, func(f *ast.Field) {
		if total > stop {
			return
		}
		switch f.Name.Value {
		case "__schema":
			total += w.sizes.introspection
			return
		case "__type":
			total += w.sizes.largestType
			return
		}
		size := w.listSize(f)
		if n, ok := sizes[f.Name.Value]; ok {
			size = n
		}
		cost := 1
		if f.SelectionSet != nil {
			cost = 1 + w.costWith(f.SelectionSet, stop/size+1, splitLists[f.Name.Value])
		}
		total += size * cost
	})
	return total
}

// splitLists are the lists that split their `first` items among the
// items of the list above them, by name: FigureGroup.bySource lists at most
// `first` sources, whose figures together are the group's `first` figures
// (each once per source that states it), so each source's list counts one
// a source.
var splitLists = map[string]map[string]int{"bySource": {"figures": 1}}
