package schema

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

type entityConnection struct {
	filter graph.EntityFilter
	page   *graph.EntityPage
}

func (c *entityConnection) edges() []map[string]any { return edges(c.page.Entities, c.page.Cursors) }

func (c *entityConnection) pageInfo() map[string]any {
	return pageInfo(c.page.HasNextPage, c.page.Cursors)
}

// edges pairs each node of a page with its cursor.
func edges[T any](nodes []T, cursors []string) []map[string]any {
	out := make([]map[string]any, len(nodes))
	for i, n := range nodes {
		out[i] = map[string]any{"cursor": cursors[i], "node": n}
	}
	return out
}

type relationConnection struct {
	filter graph.RelationFilter
	page   *graph.RelationPage
	asOf   *time.Time // the relations as of a time (history.go)
	// citing, when set, is the source record whose citing relations these
	// are (SourceRecord.relations): its counter is their total
	citing string
}

func (c *relationConnection) edges() []map[string]any { return edges(c.page.Relations, c.page.Cursors) }

func (c *relationConnection) pageInfo() map[string]any {
	return pageInfo(c.page.HasNextPage, c.page.Cursors)
}

func pageInfo(hasNext bool, cursors []string) map[string]any {
	var end any
	if len(cursors) > 0 {
		end = cursors[len(cursors)-1]
	}
	return map[string]any{"hasNextPage": hasNext, "endCursor": end}
}

// first reads and checks the `first` argument against the cap: the
// configured Limits.MaxFirst, never above graph.MaxPageSize.
func (a *API) first(args map[string]any) (int, error) {
	n, _ := args["first"].(int)
	limit := graph.MaxPageSize
	if m := a.opts.Limits.MaxFirst; m > 0 && m < limit {
		limit = m
	}
	if n < 0 {
		return 0, graph.Errorf(graph.EINVALID, "first: %d is negative", n)
	}
	if n > limit {
		return 0, graph.Errorf(graph.EINVALID, "first: %d is above the cap of %d; page with `after` instead", n, limit)
	}
	return n, nil
}

func str(args map[string]any, name string) string {
	s, _ := args[name].(string)
	return s
}

// strList reads a list argument of strings, each item once, in the order
// first given: every predicate or entity of a list costs a lookup or a
// scan, and asking for one twice asks nothing more.
func strList(args map[string]any, name string) []string {
	raw, _ := args[name].([]any)
	return distinct(raw, func(v any) (string, bool) { s, ok := v.(string); return s, ok })
}

// distinct returns the items of raw that get takes, each once, in order.
func distinct[T comparable](raw []any, get func(any) (T, bool)) []T {
	out := make([]T, 0, len(raw))
	seen := make(map[T]bool, len(raw))
	for _, v := range raw {
		if x, ok := get(v); ok && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// relationFilter turns the shared relation arguments into a store filter.
func (a *API) relationFilter(ctx context.Context, args map[string]any) (graph.RelationFilter, error) {
	var f graph.RelationFilter
	if err := a.resolveEntities(ctx, args, "subject", "object", "entity"); err != nil {
		return f, err
	}
	n, err := a.first(args)
	if err != nil {
		return f, err
	}
	f.First = n
	f.After = str(args, "after")
	if p := str(args, "predicate"); p != "" && !slices.Contains(strList(args, "predicates"), p) {
		f.Predicates = append(f.Predicates, p)
	}
	f.Predicates = append(f.Predicates, strList(args, "predicates")...)
	if err := a.checkPredicates("predicates", f.Predicates); err != nil {
		return f, err
	}
	if exact, _ := args["exact"].(bool); !exact {
		f.Predicates = a.registry.Load().withNarrower(f.Predicates)
	}
	f.Subject = str(args, "subject")
	f.Object = str(args, "object")
	if f.Dates, err = graph.NewDateRange(str(args, "from"), str(args, "to")); err != nil {
		return f, graph.Errorf(graph.EINVALID, "%v", err)
	}
	if hq, ok := args["hasQuantity"].(bool); ok {
		f.HasQuantity = &hq
	}
	if t, ok := args["otherType"].(graph.EntityType); ok {
		f.OtherType = t
	}
	f.OrderByDate = str(args, "orderBy") == "DATE"
	f.Within, _ = args["within"].(bool)
	return f, nil
}

func (a *API) entityRelations(p graphql.ResolveParams) (any, error) {
	f, err := a.relationFilter(p.Context, p.Args)
	if err != nil {
		return nil, err
	}
	f.Entity = p.Source.(*graph.Entity).ID
	f.Direction, _ = p.Args["direction"].(graph.Direction)
	if at, ok, err := asOf(p.Args); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return a.relationsAsOf(p.Context, f, at)
	}
	return a.relationConnection(p.Context, f)
}

func (a *API) relationConnection(ctx context.Context, f graph.RelationFilter) (*relationConnection, error) {
	page, err := a.store.Relations(ctx, f)
	if err != nil {
		return nil, err
	}
	return &relationConnection{filter: f, page: page}, nil
}

func (a *API) relationTotal(p graphql.ResolveParams) (any, error) {
	c := p.Source.(*relationConnection)
	if !c.page.HasNextPage && c.filter.After == "" {
		return len(c.page.Relations), nil // the page is the whole list
	}
	if c.asOf != nil {
		return a.countAsOf(p.Context, c)
	}
	if c.citing != "" {
		n, err := a.store.CountCitations(p.Context, []string{c.citing})
		return n[c.citing], err
	}
	return a.store.CountRelations(p.Context, c.filter)
}

func (a *API) entityTotal(p graphql.ResolveParams) (any, error) {
	c := p.Source.(*entityConnection)
	return a.store.CountEntities(p.Context, c.filter.Type)
}

func (b *builder) searchArgs(f rootField) graphql.FieldConfigArgument {
	return graphql.FieldConfigArgument{
		"text":  {Type: graphql.NewNonNull(graphql.String), Description: fmt.Sprintf("the name, alias or words to look for, in any case, with or without diacritics, in Cyrillic or Latin letters (at most %d bytes)", graph.MaxNameLength)},
		"types": {Type: graphql.NewList(graphql.NewNonNull(b.entityTypeEnum)), Description: "only entities of these types; leave out for every type"},
		"first": {Type: graphql.Int, DefaultValue: f.first, Description: fmt.Sprintf("at most this many entities, best match first (default %d, at most %d)", f.first, f.max)},
	}
}

func (a *API) search(p graphql.ResolveParams) ([]graph.SearchHit, error) {
	n, err := a.first(p.Args)
	if err != nil {
		return nil, err
	}
	raw, _ := p.Args["types"].([]any)
	types := distinct(raw, func(v any) (graph.EntityType, bool) { t, ok := v.(graph.EntityType); return t, ok })
	text := str(p.Args, "text")
	if len(text) > graph.MaxNameLength {
		// no name is longer, and every word and trigram of the text costs
		// the store a lookup
		return nil, graph.Errorf(graph.EINVALID, "text: %d bytes is longer than any name (at most %d): search for a name or a few words of it", len(text), graph.MaxNameLength)
	}
	hits, err := a.store.Search(p.Context, text, types, n)
	if hits == nil {
		hits = []graph.SearchHit{}
	}
	return hits, err
}

// maxNameMatches is how many entities that share a name entityByName reads
// to find the one whose main name it is.
const maxNameMatches = 1000

// entityByName finds the entity a name stands for. When several entities
// share the name, one whose main name (not an alias) matches wins; if that
// does not settle it, the error lists the first candidates and how many
// more there are. A name more than maxNameMatches share is not settled: the
// entities past those are not read.
func (a *API) entityByName(ctx context.Context, name string) (*graph.Entity, error) {
	found, total, err := a.store.EntitiesByName(ctx, name, maxNameMatches)
	if err != nil || len(found) == 0 {
		return nil, err
	}
	if total == 1 {
		return found[0], nil
	}
	if total <= maxNameMatches {
		norm := graph.Normalize(name)
		var byName []*graph.Entity
		for _, e := range found {
			if graph.Normalize(e.Name) == norm {
				byName = append(byName, e)
			}
		}
		if len(byName) == 1 {
			return byName[0], nil
		}
	}
	ids := make([]string, 0, graph.MaxListedCandidates)
	for _, e := range found[:min(len(found), graph.MaxListedCandidates)] {
		ids = append(ids, e.ID)
	}
	return nil, graph.Errorf(graph.EINVALID, "entity: the name %q matches %d entities (%s); ask by id", name, total, graph.ListCandidates(ids, total))
}

const (
	maxPathHops          = 8
	maxNeighborhoodDepth = 3
)

func (a *API) path(p graphql.ResolveParams) (any, error) {
	hops, _ := p.Args["maxHops"].(int)
	if hops < 0 || hops > maxPathHops {
		return nil, graph.Errorf(graph.EINVALID, "maxHops: %d is not between 0 and %d", hops, maxPathHops)
	}
	if err := a.resolveEntities(p.Context, p.Args, "from", "to"); err != nil {
		return nil, err
	}
	if err := a.checkPredicates("predicates", strList(p.Args, "predicates")); err != nil {
		return nil, err
	}
	o := graph.PathOptions{MaxHops: hops, Predicates: strList(p.Args, "predicates")}
	for _, v := range strList(p.Args, "avoid") {
		id, err := a.resolveEntity(p.Context, "avoid", v)
		if err != nil {
			return nil, err
		}
		o.Avoid = append(o.Avoid, id)
	}
	o.MaxDegree, _ = p.Args["maxDegree"].(int)
	from, to := str(p.Args, "from"), str(p.Args, "to")
	if k, many := p.Args["first"].(int); many { // paths
		if k < 1 || k > maxPaths {
			return nil, graph.Errorf(graph.EINVALID, "first: %d is not between 1 and %d", k, maxPaths)
		}
		found, err := graph.KShortestPaths(p.Context, a.store, from, to, k, o)
		if err != nil {
			return nil, err
		}
		out := []any{}
		for _, f := range found {
			m, err := a.pathResult(p.Context, f)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	}
	found, err := graph.FindPath(p.Context, a.store, from, to, o)
	if err != nil || found == nil {
		return nil, err
	}
	return a.pathResult(p.Context, found)
}

// pathArgs are the arguments of path and, given the paths field, of paths
// (with first).
func (b *builder) pathArgs(paths *rootField) graphql.FieldConfigArgument {
	args := graphql.FieldConfigArgument{
		"from":       {Type: graphql.NewNonNull(graphql.ID), Description: "where the path starts: an id, a name or an alias"},
		"to":         {Type: graphql.NewNonNull(graphql.ID), Description: "where the path ends: an id, a name or an alias"},
		"maxHops":    {Type: graphql.Int, DefaultValue: defaultPathHops, Description: fmt.Sprintf("the longest path to look for, in relations followed (default %d, at most %d)", defaultPathHops, maxPathHops)},
		"predicates": {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "follow only relations of these predicate ids, exactly (narrower predicates are not added); leave out to follow every predicate"},
		"avoid":      {Type: graphql.NewList(graphql.NewNonNull(graphql.ID)), Description: "entities (ids or names) no path may pass through, such as a hub like Russia"},
		"maxDegree":  {Type: graphql.Int, Description: "leave out every entity along the way with more relations than this (hubs)"},
	}
	if paths != nil {
		args["first"] = &graphql.ArgumentConfig{Type: graphql.Int, DefaultValue: paths.first, Description: fmt.Sprintf("how many paths, at most %d", paths.max)}
	}
	return args
}

// maxPaths bounds paths(first:).
const maxPaths = 10

func (a *API) pathResult(ctx context.Context, found *graph.Path) (map[string]any, error) {
	ents, rels, err := a.materialize(ctx, found.Entities, found.Relations)
	if err != nil {
		return nil, err
	}
	return map[string]any{"hops": found.Hops(), "entities": ents, "relations": rels}, nil
}

func (a *API) neighborhood(p graphql.ResolveParams) (any, error) {
	depth, _ := p.Args["depth"].(int)
	if depth < 0 || depth > maxNeighborhoodDepth {
		return nil, graph.Errorf(graph.EINVALID, "depth: %d is not between 0 and %d", depth, maxNeighborhoodDepth)
	}
	n, err := a.first(p.Args)
	if err != nil {
		return nil, err
	}
	id, err := a.resolveEntity(p.Context, "id", str(p.Args, "id"))
	if err != nil {
		return nil, err
	}
	if err := a.checkPredicates("predicates", strList(p.Args, "predicates")); err != nil {
		return nil, err
	}
	g, err := graph.Neighborhood(p.Context, a.store, id, depth, n, strList(p.Args, "predicates"))
	if err != nil {
		return nil, err
	}
	ents, rels, err := a.materialize(p.Context, g.Entities, g.Relations)
	if err != nil {
		return nil, err
	}
	return map[string]any{"entities": ents, "relations": rels, "truncated": g.Truncated}, nil
}

// materialize reads entities and relations by id, in the order given, each
// kind in one batch.
func (a *API) materialize(ctx context.Context, entityIDs, relationIDs []string) ([]*graph.Entity, []*graph.Relation, error) {
	em, err := a.store.EntitiesByID(ctx, entityIDs)
	if err != nil {
		return nil, nil, err
	}
	rm, err := a.store.RelationsByID(ctx, relationIDs)
	if err != nil {
		return nil, nil, err
	}
	ents := make([]*graph.Entity, 0, len(entityIDs))
	for _, id := range entityIDs {
		if e := em[id]; e != nil {
			ents = append(ents, e)
		}
	}
	rels := make([]*graph.Relation, 0, len(relationIDs))
	for _, id := range relationIDs {
		if r := rm[id]; r != nil {
			rels = append(rels, r)
		}
	}
	return ents, rels, nil
}
