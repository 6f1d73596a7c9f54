package schema

import (
	"fmt"
	"sort"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// query makes the Query type from rootFields, one builder per field.
func (b *builder) query() *graphql.Object {
	return graphql.NewObject(graphql.ObjectConfig{
		Name: "Query",
		Description: "Reads. Arguments that name an entity take its id (country/georgia), its name or any alias, ignoring case and diacritics; " +
			"arguments that name a predicate take predicate ids (fled-to), which the predicates query lists. Dates are YYYY, YYYY-MM or YYYY-MM-DD.",
		Fields: b.queryFields(),
	})
}

func (b *builder) entityField(rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        b.entityType,
		Description: "One entity, by id, or by a name that matches its name or any alias ignoring case and diacritics.",
		Args: graphql.FieldConfigArgument{
			"id":   {Type: graphql.ID, Description: "the entity's id, such as country/georgia; give id or name, not both"},
			"name": {Type: graphql.String, Description: "a name or alias, such as \"Georgia\" or \"Грузия\"; an error lists the candidates when several entities share it"},
			"asOf": asOfArg("the entity (by id)"),
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			id, name := str(p.Args, "id"), str(p.Args, "name")
			if at, ok, err := asOf(p.Args); ok || err != nil {
				if err != nil {
					return nil, err
				}
				return api.entityAsOf(p.Context, id, name, at)
			}
			switch {
			case id != "" && name != "":
				return nil, graph.Errorf(graph.EINVALID, "entity: give id or name, not both")
			case id != "":
				e, err := api.store.Entity(p.Context, id)
				if graph.ErrorCode(err) == graph.ENOTFOUND {
					return nil, nil
				}
				return e, err
			case name != "":
				return api.entityByName(p.Context, name)
			}
			return nil, graph.Errorf(graph.EINVALID, "entity: give id or name")
		},
	}
}

func (b *builder) entitiesField(f rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.entityConn),
		Description: "Every entity, or every entity of one type, a page at a time.",
		Args: graphql.FieldConfigArgument{
			"type":  {Type: b.entityTypeEnum, Description: "only entities of this type; leave out for every type"},
			"first": {Type: graphql.Int, DefaultValue: f.first, Description: descFirst("entities", f.first)},
			"after": {Type: graphql.String, Description: descAfter},
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			n, err := api.first(p.Args)
			if err != nil {
				return nil, err
			}
			filter := graph.EntityFilter{First: n, After: str(p.Args, "after")}
			filter.Type, _ = p.Args["type"].(graph.EntityType)
			page, err := api.store.Entities(p.Context, filter)
			if err != nil {
				return nil, err
			}
			return &entityConnection{filter: filter, page: page}, nil
		},
	}
}

func (b *builder) relationsField(f rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.relationConn),
		Args:        b.relationArgs(true, f.first),
		Description: "Relations, filtered by predicate(s), subject, object, dates, quantity and the type of the other end.",
		Resolve: func(p graphql.ResolveParams) (any, error) {
			filter, err := api.relationFilter(p.Context, p.Args)
			if err != nil {
				return nil, err
			}
			return api.relationConnection(p.Context, filter)
		},
	}
}

func (b *builder) searchField(f rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        nonNullList(b.entityType),
		Description: "Entities whose name or alias matches the text: exact, then prefix, word and fuzzy matches; Cyrillic and Latin spellings find each other.",
		Args:        b.searchArgs(f),
		Resolve: func(p graphql.ResolveParams) (any, error) {
			hits, err := api.search(p)
			if err != nil {
				return nil, err
			}
			out := make([]*graph.Entity, len(hits))
			for i, h := range hits {
				out[i] = h.Entity
			}
			return out, nil
		},
	}
}

func (b *builder) searchHitsField(f rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        nonNullList(b.searchHit),
		Description: "Like search, with the score and the name or alias that matched.",
		Args:        b.searchArgs(f),
		Resolve:     func(p graphql.ResolveParams) (any, error) { return api.search(p) },
	}
}

func (b *builder) predicatesField(rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type: nonNullList(b.predicate),
		Description: "Every predicate (kind of relation): its id for predicate arguments, its labels and description, the entity types at each end, " +
			"and the names of its typed fields: outField on the subject types, inField on the object types (Law.charges is the inField of charged-under). " +
			"This is the one list of every typed field name.",
		Resolve: func(p graphql.ResolveParams) (any, error) {
			return api.store.Predicates(p.Context)
		},
	}
}

func (b *builder) predicateField(rootField) *graphql.Field {
	return &graphql.Field{
		Type:        b.predicate,
		Description: "One predicate, by id; null when there is no such predicate.",
		Args:        graphql.FieldConfigArgument{"id": {Type: graphql.NewNonNull(graphql.ID), Description: "the predicate's id, such as fled-to"}},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			return b.byID[str(p.Args, "id")], nil
		},
	}
}

func (b *builder) relationField(rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        b.relation,
		Description: "One relation, by id; null when there is no such relation.",
		Args:        graphql.FieldConfigArgument{"id": {Type: graphql.NewNonNull(graphql.ID), Description: "the relation's id (Relation.id)"}, "asOf": asOfArg("the relation")},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			if at, ok, err := asOf(p.Args); ok || err != nil {
				if err != nil {
					return nil, err
				}
				return api.relationAsOf(p.Context, str(p.Args, "id"), at)
			}
			r, err := api.store.Relation(p.Context, str(p.Args, "id"))
			if graph.ErrorCode(err) == graph.ENOTFOUND {
				return nil, nil
			}
			return r, err
		},
	}
}

func (b *builder) timelineField(f rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type: graphql.NewNonNull(b.relationConn),
		Description: "Dated relations in date order (ties by id), optionally only those touching one entity or of a date range. With from or to, the relations whose whole period lies within the range come first, in date order, then those that only overlap it (a fact dated only 2022 on a timeline of September 2022, a longer period, one open at its end), in date order: " +
			"precision and timing tell them apart, and within: true keeps the first alone. totalCount counts what the list holds. Undated relations have no place on a timeline and are left out.",
		Args: graphql.FieldConfigArgument{
			"from":       {Type: graphql.String, Description: descFrom("relations")},
			"to":         {Type: graphql.String, Description: descTo("relations")},
			"entity":     {Type: graphql.ID, Description: "only relations with this entity as subject or object: an id, a name or an alias"},
			"within":     {Type: graphql.Boolean, DefaultValue: false, Description: descWithin},
			"predicates": {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "only relations of any of these predicate ids, and of their narrower predicates"},
			"first":      {Type: graphql.Int, DefaultValue: f.first, Description: descFirst("relations", f.first)},
			"after":      {Type: graphql.String, Description: descAfter},
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			filter, err := api.relationFilter(p.Context, p.Args)
			if err != nil {
				return nil, err
			}
			filter.Entity = str(p.Args, "entity")
			filter.OrderByDate, filter.DatedOnly = true, true
			return api.relationConnection(p.Context, filter)
		},
	}
}

func (b *builder) pathField(rootField) *graphql.Field {
	return &graphql.Field{
		Type:        b.path,
		Description: "A shortest connection between two entities (ids or names), following relations in either direction; null when there is none within maxHops.",
		Args:        b.pathArgs(nil),
		Resolve:     b.api.path,
	}
}

func (b *builder) pathsField(f rootField) *graphql.Field {
	return &graphql.Field{
		Type:        nonNullList(b.path),
		Description: "Up to `first` shortest connections between two entities that pass through different entities, shortest first; each hop's relation carries its sources and quotes.",
		Args:        b.pathArgs(&f),
		Resolve:     b.api.path,
	}
}

func (b *builder) neighborhoodField(f rootField) *graphql.Field {
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.subgraph),
		Description: "The relations within depth hops of an entity (nearest first, at most `first`) and the entities they join, for a graph view.",
		Args: graphql.FieldConfigArgument{
			"id":         {Type: graphql.NewNonNull(graphql.ID), Description: "the entity at the centre: an id, a name or an alias"},
			"depth":      {Type: graphql.Int, DefaultValue: 1, Description: fmt.Sprintf("how many hops out from the entity to go (default 1, at most %d)", maxNeighborhoodDepth)},
			"first":      {Type: graphql.Int, DefaultValue: f.first, Description: fmt.Sprintf("at most this many relations (default %d, at most %d); truncated says when more were left out", f.first, f.max)},
			"predicates": {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "follow only relations of these predicate ids, exactly (narrower predicates are not added)"},
		},
		Resolve: b.api.neighborhood,
	}
}

func (b *builder) statsField(rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.stats),
		Description: "Counts of entities per type and relations per predicate.",
		Resolve: func(p graphql.ResolveParams) (any, error) {
			st, err := api.store.Stats(p.Context)
			if err != nil {
				return nil, err
			}
			return statsResult(st), nil
		},
	}
}

// statsResult lays out the store's counts for the Stats type: every entity
// type (counted or not), the predicates in order of their ids, and totals.
func statsResult(st *graph.Stats) map[string]any {
	var types []map[string]any
	totalE, totalR := 0, 0
	for _, t := range graph.EntityTypes {
		types = append(types, map[string]any{"type": t, "count": st.Entities[t]})
		totalE += st.Entities[t]
	}
	preds := make([]string, 0, len(st.Relations))
	for id := range st.Relations {
		preds = append(preds, id)
	}
	sort.Strings(preds)
	rels := []map[string]any{}
	for _, id := range preds {
		rels = append(rels, map[string]any{"predicate": id, "count": st.Relations[id]})
		totalR += st.Relations[id]
	}
	return map[string]any{"entities": types, "relations": rels, "totalEntities": totalE, "totalRelations": totalR}
}
