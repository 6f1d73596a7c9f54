package schema

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// build makes the GraphQL schema for a predicate registry. Every predicate
// adds a typed field on the entity types it allows: `fledTo` on Person for
// the outgoing side, `receivedEmigrants` on Country for the incoming side.
func build(api *API, predicates []*graph.Predicate) (graphql.Schema, error) {
	b := &builder{api: api, predicates: predicates, objects: map[graph.EntityType]*graphql.Object{}, byID: map[string]*graph.Predicate{}}
	for _, p := range predicates {
		b.byID[p.ID] = p // the schema is rebuilt when predicates change, so this stays current
	}
	b.enums()
	b.leafTypes()
	b.entityType = graphql.NewInterface(graphql.InterfaceConfig{
		Name:        "Entity",
		Description: "A person, country, law, event, organization, place or group.",
		Fields:      graphql.FieldsThunk(func() graphql.Fields { return b.entityFields() }),
		ResolveType: func(p graphql.ResolveTypeParams) *graphql.Object {
			if e, ok := p.Value.(*graph.Entity); ok {
				return b.objects[e.Type]
			}
			return nil
		},
	})
	b.connections()
	typed := b.typedFields()
	for _, t := range graph.EntityTypes {
		t := t
		b.objects[t] = graphql.NewObject(graphql.ObjectConfig{
			Name:       typeNames[t],
			Interfaces: []*graphql.Interface{b.entityType},
			IsTypeOf: func(p graphql.IsTypeOfParams) bool {
				e, ok := p.Value.(*graph.Entity)
				return ok && e.Type == t
			},
			Fields: graphql.FieldsThunk(func() graphql.Fields {
				fs := b.entityFields()
				for name, f := range typed[t] {
					fs[name] = f
				}
				return fs
			}),
		})
	}
	b.relationTypes()
	b.writeTypes()
	types := make([]graphql.Type, 0, len(b.objects))
	for _, t := range graph.EntityTypes {
		types = append(types, b.objects[t])
	}
	s, err := graphql.NewSchema(graphql.SchemaConfig{
		Query:    b.query(),
		Mutation: b.mutation(),
		Types:    types,
	})
	if err != nil {
		return s, err
	}
	guardResolvers(&s, api.opts.OnPanic)
	warmEnums(&s)
	return s, nil
}

// warmEnums fills the lookup tables graphql-go's enums build on first use:
// built lazily by concurrent requests, they are a data race.
func warmEnums(s *graphql.Schema) {
	for _, t := range s.TypeMap() {
		if e, ok := t.(*graphql.Enum); ok && len(e.Values()) > 0 {
			e.ParseValue(e.Values()[0].Name)
			e.ParseLiteral(nil)
			e.Serialize(e.Values()[0].Value)
		}
	}
}

// guardResolvers wraps every resolver so that a panic becomes an error for
// that field, reported to onPanic with its stack, and the server lives on.
// A resolver that returns a thunk (the batched entity loads) has the thunk
// guarded too: graphql-go runs it after the resolver returned, and would
// otherwise send the panic's own message to the client and log nothing.
func guardResolvers(s *graphql.Schema, onPanic func(v any, stack []byte)) {
	for _, t := range s.TypeMap() {
		obj, ok := t.(*graphql.Object)
		if !ok || strings.HasPrefix(obj.Name(), "__") {
			continue
		}
		for _, f := range obj.Fields() {
			if f.Resolve == nil {
				continue
			}
			inner, name := f.Resolve, obj.Name()+"."+f.Name
			f.Resolve = func(p graphql.ResolveParams) (out any, err error) {
				defer recoverField(name, onPanic, &out, &err)
				if err := p.Context.Err(); err != nil {
					return nil, err // the request timed out or was cancelled: stop resolving
				}
				out, err = inner(p)
				if thunk, ok := out.(func() (any, error)); ok && err == nil {
					out = func() (v any, err error) {
						defer recoverField(name, onPanic, &v, &err)
						return thunk()
					}
				}
				return out, err
			}
		}
	}
}

// recoverField turns a panic of the resolver of field name into an
// "internal" error of that field, and tells onPanic with the stack.
func recoverField(name string, onPanic func(v any, stack []byte), out *any, err *error) {
	if v := recover(); v != nil {
		if onPanic != nil {
			onPanic(v, debug.Stack())
		}
		*out, *err = nil, graph.Errorf(graph.EINTERNAL, "internal error in %s", name)
	}
}

func (b *builder) leafTypes() {
	b.quantity = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Quantity",
		Description: "A figure: \"approximately 50,000–70,000 IT workers\" is amount 50000, lowerBound 50000, upperBound 70000, approximation ABOUT.",
		Fields: graphql.Fields{
			"amount": {Type: graphql.NewNonNull(graphql.Float), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Quantity).Amount, nil }},
			"lowerBound": {Type: graphql.Float, Resolve: func(p graphql.ResolveParams) (any, error) {
				return floatOrNil(p.Source.(*graph.Quantity).LowerBound), nil
			}},
			"upperBound": {Type: graphql.Float, Resolve: func(p graphql.ResolveParams) (any, error) {
				return floatOrNil(p.Source.(*graph.Quantity).UpperBound), nil
			}},
			"unit":          {Type: graphql.String, Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(p.Source.(*graph.Quantity).Unit), nil }},
			"approximation": {Type: graphql.NewNonNull(b.approximation), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Quantity).Approximation, nil }},
		},
	})
	str := func(get func(s *graph.Source) string) graphql.FieldResolveFn {
		return func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(get(p.Source.(*graph.Source))), nil }
	}
	b.source = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Source",
		Description: "Where a fact comes from: a verbatim quote, and the section, title and URL of the text it is quoted from.",
		Fields: graphql.Fields{
			"quote":   {Type: graphql.NewNonNull(graphql.String), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Source).Quote, nil }},
			"section": {Type: graphql.String, Resolve: str(func(s *graph.Source) string { return s.Section })},
			"title":   {Type: graphql.String, Resolve: str(func(s *graph.Source) string { return s.Title })},
			"url":     {Type: graphql.String, Resolve: str(func(s *graph.Source) string { return s.URL })},
		},
	})
	types := func(get func(p *graph.Predicate) []graph.EntityType) graphql.FieldResolveFn {
		return func(p graphql.ResolveParams) (any, error) {
			ts := get(p.Source.(*graph.Predicate))
			if ts == nil {
				ts = []graph.EntityType{}
			}
			return ts, nil
		}
	}
	b.predicate = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Predicate",
		Description: "A kind of relation. Predicates are data: loading a new one adds it here and as typed fields on the entity types, with no code change.",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			return graphql.Fields{
				"id":             {Type: graphql.NewNonNull(graphql.ID), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).ID, nil }},
				"label":          {Type: graphql.NewNonNull(graphql.String), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).Label, nil }},
				"inverseLabel":   {Type: graphql.NewNonNull(graphql.String), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).InverseLabel, nil }},
				"subjectTypes":   {Type: nonNullList(b.entityTypeEnum), Resolve: types(func(p *graph.Predicate) []graph.EntityType { return p.SubjectTypes })},
				"objectTypes":    {Type: nonNullList(b.entityTypeEnum), Resolve: types(func(p *graph.Predicate) []graph.EntityType { return p.ObjectTypes })},
				"objectOptional": {Type: graphql.NewNonNull(graphql.Boolean), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).ObjectOptional, nil }},
				"description": {Type: graphql.String, Resolve: func(p graphql.ResolveParams) (any, error) {
					return nilIfEmpty(p.Source.(*graph.Predicate).Description), nil
				}},
				"outField": {Type: graphql.String, Description: "the typed field listing these relations on subject types", Resolve: func(p graphql.ResolveParams) (any, error) {
					return b.fieldNames[p.Source.(*graph.Predicate).ID][0], nil
				}},
				"inField": {Type: graphql.String, Description: "the typed field listing these relations on object types", Resolve: func(p graphql.ResolveParams) (any, error) {
					return nilIfEmpty(b.fieldNames[p.Source.(*graph.Predicate).ID][1]), nil
				}},
				"broader": {Type: b.predicate, Description: "the predicate this one is a kind of: asking for that one includes this one's relations", Resolve: func(p graphql.ResolveParams) (any, error) {
					if q := b.byID[p.Source.(*graph.Predicate).Broader]; q != nil {
						return q, nil
					}
					return nil, nil
				}},
				"narrower": {Type: nonNullList(b.predicate), Description: "the predicates that are kinds of this one", Resolve: func(p graphql.ResolveParams) (any, error) {
					out := []*graph.Predicate{}
					for _, q := range b.predicates {
						if q.Broader == p.Source.(*graph.Predicate).ID {
							out = append(out, q)
						}
					}
					return out, nil
				}},
			}
		}),
	})
	b.pageInfo = graphql.NewObject(graphql.ObjectConfig{
		Name: "PageInfo",
		Fields: graphql.Fields{
			"hasNextPage": {Type: graphql.NewNonNull(graphql.Boolean)},
			"endCursor":   {Type: graphql.String},
		},
	})
}

func floatOrNil(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func (b *builder) connections() {
	b.entityEdge = graphql.NewObject(graphql.ObjectConfig{
		Name: "EntityEdge",
		Fields: graphql.Fields{
			"cursor": {Type: graphql.NewNonNull(graphql.String)},
			"node":   {Type: graphql.NewNonNull(b.entityType)},
		},
	})
	b.entityConn = graphql.NewObject(graphql.ObjectConfig{
		Name: "EntityConnection",
		Fields: graphql.Fields{
			"totalCount": {Type: graphql.NewNonNull(graphql.Int), Resolve: b.api.entityTotal},
			"nodes":      {Type: nonNullList(b.entityType), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*entityConnection).page.Entities, nil }},
			"edges":      {Type: nonNullList(b.entityEdge), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*entityConnection).edges(), nil }},
			"pageInfo":   {Type: graphql.NewNonNull(b.pageInfo), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*entityConnection).pageInfo(), nil }},
		},
	})
	b.relationEdge = graphql.NewObject(graphql.ObjectConfig{
		Name: "RelationEdge",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			return graphql.Fields{
				"cursor": {Type: graphql.NewNonNull(graphql.String)},
				"node":   {Type: graphql.NewNonNull(b.relation)},
			}
		}),
	})
	b.relationConn = graphql.NewObject(graphql.ObjectConfig{
		Name: "RelationConnection",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			return graphql.Fields{
				"totalCount": {Type: graphql.NewNonNull(graphql.Int), Resolve: b.api.relationTotal},
				"nodes":      {Type: nonNullList(b.relation), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*relationConnection).page.Relations, nil }},
				"edges":      {Type: nonNullList(b.relationEdge), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*relationConnection).edges(), nil }},
				"pageInfo":   {Type: graphql.NewNonNull(b.pageInfo), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*relationConnection).pageInfo(), nil }},
			}
		}),
	})
}

// typedFields makes, for each entity type, one field per predicate end it
// may take. Names come from the predicate id (outgoing) and inverse label
// (incoming); a name that is taken gets a suffix rather than shadowing.
func (b *builder) typedFields() map[graph.EntityType]graphql.Fields {
	out := map[graph.EntityType]graphql.Fields{}
	reserved := map[string]bool{"id": true, "name": true, "type": true, "aliases": true, "description": true, "relations": true}
	b.fieldNames = map[string][2]string{}
	taken := map[graph.EntityType]map[string]bool{}
	claim := func(t graph.EntityType, name string) bool {
		if name == "" || reserved[name] || taken[t][name] {
			return false
		}
		if taken[t] == nil {
			taken[t] = map[string]bool{}
		}
		taken[t][name] = true
		return true
	}
	preds := append([]*graph.Predicate(nil), b.predicates...)
	sort.Slice(preds, func(i, j int) bool { return preds[i].ID < preds[j].ID })
	for _, pred := range preds {
		pred := pred
		outName := fieldName(pred.ID)
		inName := fieldName(pred.InverseLabel)
		if inName == outName {
			inName = outName + "Inverse"
		}
		names := [2]string{}
		ends := []struct {
			types         []graph.EntityType
			dir           graph.Direction
			name, another string
			desc          func(t graph.EntityType) string
		}{
			{pred.SubjectTypes, graph.Out, outName, outName + "Out", func(t graph.EntityType) string {
				return fmt.Sprintf("Relations %s: this %s %s ...", pred.ID, typeNames[t], pred.Label)
			}},
			{pred.ObjectTypes, graph.In, inName, outName + "In", func(t graph.EntityType) string {
				return fmt.Sprintf("Relations %s where this %s is the object: ... %s this %s", pred.ID, typeNames[t], pred.Label, typeNames[t])
			}},
		}
		for end, e := range ends {
			for _, t := range e.types {
				name := e.name
				if !claim(t, name) {
					if name = e.another; !claim(t, name) {
						continue
					}
				}
				names[end] = name
				if out[t] == nil {
					out[t] = graphql.Fields{}
				}
				out[t][name] = b.typedField(pred, e.dir, e.desc(t))
			}
		}
		if names[0] == "" {
			names[0] = outName
		}
		b.fieldNames[pred.ID] = names
	}
	return out
}

func (b *builder) typedField(pred *graph.Predicate, dir graph.Direction, desc string) *graphql.Field {
	args := b.relationArgs(false)
	delete(args, "predicate")
	delete(args, "predicates")
	delete(args, "direction")
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.relationConn),
		Args:        args,
		Description: desc,
		Resolve: func(p graphql.ResolveParams) (any, error) {
			p.Args["predicate"] = pred.ID
			p.Args["direction"] = dir
			return b.api.entityRelations(p)
		},
	}
}

func (b *builder) relationTypes() {
	rel := func(p graphql.ResolveParams) *graph.Relation { return p.Source.(*graph.Relation) }
	b.relation = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Relation",
		Description: "A statement: subject, predicate, optional object, when, how many, and the sources that say so.",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			return graphql.Fields{
				"id":        {Type: graphql.NewNonNull(graphql.ID), Resolve: func(p graphql.ResolveParams) (any, error) { return rel(p).ID, nil }},
				"predicate": {Type: graphql.NewNonNull(graphql.String), Resolve: func(p graphql.ResolveParams) (any, error) { return rel(p).Predicate, nil }},
				"predicateInfo": {Type: b.predicate, Description: "the predicate's definition, with its labels",
					Resolve: func(p graphql.ResolveParams) (any, error) { return b.byID[rel(p).Predicate], nil }},
				"subject": {Type: graphql.NewNonNull(b.entityType), Resolve: func(p graphql.ResolveParams) (any, error) {
					return loaderFrom(p.Context, b.api.store).entity(rel(p).Subject), nil
				}},
				"object": {Type: b.entityType, Resolve: func(p graphql.ResolveParams) (any, error) {
					if rel(p).Object == "" {
						return nil, nil
					}
					return loaderFrom(p.Context, b.api.store).entity(rel(p).Object), nil
				}},
				"date":    {Type: graphql.String, Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(rel(p).Date), nil }},
				"endDate": {Type: graphql.String, Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(rel(p).EndDate), nil }},
				"quantity": {Type: b.quantity, Resolve: func(p graphql.ResolveParams) (any, error) {
					if q := rel(p).Quantity; q != nil {
						return q, nil
					}
					return nil, nil
				}},
				"note": {Type: graphql.String, Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(rel(p).Note), nil }},
				"sources": {Type: nonNullList(b.source), Resolve: func(p graphql.ResolveParams) (any, error) {
					r := rel(p)
					out := make([]*graph.Source, len(r.Sources))
					for i := range r.Sources {
						out[i] = &r.Sources[i]
					}
					return out, nil
				}},
			}
		}),
	})
	b.searchHit = graphql.NewObject(graphql.ObjectConfig{
		Name:        "SearchHit",
		Description: "An entity found by search, with how well it matched.",
		Fields: graphql.Fields{
			"entity":      {Type: graphql.NewNonNull(b.entityType), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Entity, nil }},
			"score":       {Type: graphql.NewNonNull(graphql.Float), Description: "1 for an exact match; prefix, word and fuzzy matches score less, in that order", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Score, nil }},
			"matchedText": {Type: graphql.NewNonNull(graphql.String), Description: "the name or alias that matched", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Matched, nil }},
			"kind":        {Type: graphql.NewNonNull(graphql.String), Description: "EXACT, PREFIX, WORD or FUZZY", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Kind, nil }},
		},
	})
	b.typeCount = graphql.NewObject(graphql.ObjectConfig{Name: "TypeCount", Fields: graphql.Fields{
		"type":  {Type: graphql.NewNonNull(b.entityTypeEnum)},
		"count": {Type: graphql.NewNonNull(graphql.Int)},
	}})
	b.predicateCount = graphql.NewObject(graphql.ObjectConfig{Name: "PredicateCount", Fields: graphql.Fields{
		"predicate": {Type: graphql.NewNonNull(graphql.String)},
		"count":     {Type: graphql.NewNonNull(graphql.Int)},
	}})
	b.stats = graphql.NewObject(graphql.ObjectConfig{Name: "Stats", Fields: graphql.Fields{
		"entities":       {Type: nonNullList(b.typeCount)},
		"relations":      {Type: nonNullList(b.predicateCount)},
		"totalEntities":  {Type: graphql.NewNonNull(graphql.Int)},
		"totalRelations": {Type: graphql.NewNonNull(graphql.Int)},
	}})
	b.path = graphql.NewObject(graphql.ObjectConfig{Name: "Path",
		Description: "The shortest connection between two entities: entities[0] is `from`, relations[i] joins entities[i] and entities[i+1].",
		Fields: graphql.Fields{
			"hops":      {Type: graphql.NewNonNull(graphql.Int)},
			"entities":  {Type: nonNullList(b.entityType)},
			"relations": {Type: nonNullList(b.relation)},
		}})
	b.subgraph = graphql.NewObject(graphql.ObjectConfig{Name: "Subgraph",
		Description: "Entities and the relations between them, for a graph view.",
		Fields: graphql.Fields{
			"entities":  {Type: nonNullList(b.entityType)},
			"relations": {Type: nonNullList(b.relation)},
			"truncated": {Type: graphql.NewNonNull(graphql.Boolean), Description: "true when `first` cut the neighbourhood short"},
		}})
}
