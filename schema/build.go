package schema

import (
	"fmt"
	"runtime/debug"
	"slices"
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
	b.sourceTypes() // before Source, which links to its record
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
			Name: typeNames[t],
			Description: objectDescriptions[t] + " Besides the fields of every entity, it has a typed field for each predicate it may be the subject or object of, " +
				"listing those relations alone; the predicates query gives each predicate's typed field names (outField, inField).",
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

// datePrecision names the precision of a date (YEAR, MONTH, DAY), or nil.
func datePrecision(date string) any {
	switch len(date) {
	case 4:
		return "YEAR"
	case 7:
		return "MONTH"
	case 10:
		return "DAY"
	}
	return nil
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
			"amount": {Type: graphql.NewNonNull(graphql.Float), Description: "The figure, in unit. For a range (\"50,000–70,000\") lowerBound and upperBound give its ends, and amount lies between them.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Quantity).Amount, nil }},
			"lowerBound": {Type: graphql.Float, Description: "The lowest value the source gives, for a range; null when it gives none.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return floatOrNil(p.Source.(*graph.Quantity).LowerBound), nil
			}},
			"upperBound": {Type: graphql.Float, Description: "The highest value the source gives, for a range; null when it gives none.", Resolve: func(p graphql.ResolveParams) (any, error) {
				return floatOrNil(p.Source.(*graph.Quantity).UpperBound), nil
			}},
			"unit":          {Type: graphql.String, Description: "What is counted: \"people\", \"percent\", \"years\", ...; null for a bare number.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(p.Source.(*graph.Quantity).Unit), nil }},
			"approximation": {Type: graphql.NewNonNull(b.approximation), Description: "How the amount relates to the true figure, as the source words it (EXACT when it states no qualifier).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Quantity).Approximation, nil }},
		},
	})
	str := func(get func(s *graph.Source) string) graphql.FieldResolveFn {
		return func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(get(p.Source.(*graph.Source))), nil }
	}
	b.source = graphql.NewObject(graphql.ObjectConfig{
		Name:        "Source",
		Description: "Where a fact comes from: a verbatim quote, and the section, title and URL of the text it is quoted from.",
		Fields: graphql.Fields{
			"quote":   {Type: graphql.NewNonNull(graphql.String), Description: "The words of the source that state the fact, verbatim.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Source).Quote, nil }},
			"section": {Type: graphql.String, Description: "Where in the source the quote is, such as \"Reactions > Kyrgyzstan\"; null when not given.", Resolve: str(func(s *graph.Source) string { return s.Section })},
			"title": {Type: graphql.String, Description: "The title of the source text (its record's); null when not given.",
				Resolve: b.citationText(func(s *graph.Source) string { return s.Title }, func(r *graph.SourceRecord) string { return r.Title })},
			"url": {Type: graphql.String, Description: "The URL of the source text (its record's); null when not given.",
				Resolve: b.citationText(func(s *graph.Source) string { return s.URL }, func(r *graph.SourceRecord) string { return r.URL })},
			"record": {Type: b.sourceRecord, Description: "The source record cited: who published the text, when, in which language; null for a citation that names none.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					rec, err := b.citationRecord(p.Context, p.Source.(*graph.Source))
					if rec == nil || err != nil {
						return nil, err
					}
					return rec, nil
				}},
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
				"id":             {Type: graphql.NewNonNull(graphql.ID), Description: "The predicate's id, such as fled-to: what every predicate argument takes.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).ID, nil }},
				"label":          {Type: graphql.NewNonNull(graphql.String), Description: "How the relation reads from subject to object: \"fled to\" (a person fled to a country).", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).Label, nil }},
				"inverseLabel":   {Type: graphql.NewNonNull(graphql.String), Description: "How the relation reads from object to subject: \"received emigrants\" (a country received emigrants); the incoming typed field (inField) is named after it.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).InverseLabel, nil }},
				"subjectTypes":   {Type: nonNullList(b.entityTypeEnum), Description: "The entity types a subject of this predicate may have; each has the typed field outField.", Resolve: types(func(p *graph.Predicate) []graph.EntityType { return p.SubjectTypes })},
				"objectTypes":    {Type: nonNullList(b.entityTypeEnum), Description: "The entity types an object of this predicate may have; each has the typed field inField.", Resolve: types(func(p *graph.Predicate) []graph.EntityType { return p.ObjectTypes })},
				"objectOptional": {Type: graphql.NewNonNull(graphql.Boolean), Description: "Whether a relation of this predicate may have no object: a statement that is only a figure about its subject.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Predicate).ObjectOptional, nil }},
				"description": {Type: graphql.String, Description: "What the predicate means and when it is used; null when there is no description.", Resolve: func(p graphql.ResolveParams) (any, error) {
					return nilIfEmpty(p.Source.(*graph.Predicate).Description), nil
				}},
				"outField": {Type: graphql.String, Description: "The name of the typed field that lists this predicate's relations with the entity as subject (OUT), on each of subjectTypes: fledTo on Person for fled-to.", Resolve: func(p graphql.ResolveParams) (any, error) {
					return b.fieldNames[p.Source.(*graph.Predicate).ID][0], nil
				}},
				"inField": {Type: graphql.String, Description: "The name of the typed field that lists this predicate's relations with the entity as object (IN), on each of objectTypes, named after inverseLabel: receivedEmigrants on Country for fled-to. Null when no object type has one.", Resolve: func(p graphql.ResolveParams) (any, error) {
					return nilIfEmpty(b.fieldNames[p.Source.(*graph.Predicate).ID][1]), nil
				}},
				"broader": {Type: b.predicate, Description: "The predicate this one is a kind of (migration-to for fled-to): asking for that one includes this one's relations unless exact: true. Null for none.", Resolve: func(p graphql.ResolveParams) (any, error) {
					if q := b.byID[p.Source.(*graph.Predicate).Broader]; q != nil {
						return q, nil
					}
					return nil, nil
				}},
				"narrower": {Type: nonNullList(b.predicate), Description: "The predicates that are kinds of this one, whose relations asking for this one includes unless exact: true. Empty for none.", Resolve: func(p graphql.ResolveParams) (any, error) {
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
		Name:        "PageInfo",
		Description: "Where a page ends: pass endCursor as `after` to read the next page while hasNextPage is true.",
		Fields: graphql.Fields{
			"hasNextPage": {Type: graphql.NewNonNull(graphql.Boolean), Description: "Whether more items follow this page."},
			"endCursor":   {Type: graphql.String, Description: "The cursor of the page's last item, for `after`; null for an empty page."},
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
		Name:        "EntityEdge",
		Description: "An entity of a page, with its cursor.",
		Fields: graphql.Fields{
			"cursor": {Type: graphql.NewNonNull(graphql.String), Description: "An opaque position in the list: pass it as `after` to read on from this entity."},
			"node":   {Type: graphql.NewNonNull(b.entityType), Description: "The entity."},
		},
	})
	b.entityConn = graphql.NewObject(graphql.ObjectConfig{
		Name:        "EntityConnection",
		Description: "A page of entities (see PageInfo for reading on).",
		Fields: graphql.Fields{
			"totalCount": {Type: graphql.NewNonNull(graphql.Int), Description: "How many entities the whole list holds, across all its pages.", Resolve: b.api.entityTotal},
			"nodes":      {Type: nonNullList(b.entityType), Description: "The entities of this page.", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*entityConnection).page.Entities, nil }},
			"edges": {Type: nonNullList(b.entityEdge), Description: "The entities of this page, each with its cursor.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*entityConnection).edges(), nil }},
			"pageInfo": {Type: graphql.NewNonNull(b.pageInfo), Description: "Whether more entities follow, and the cursor to read them from.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*entityConnection).pageInfo(), nil }},
		},
	})
	b.relationEdge = graphql.NewObject(graphql.ObjectConfig{
		Name:        "RelationEdge",
		Description: "A relation of a page, with its cursor.",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			return graphql.Fields{
				"cursor": {Type: graphql.NewNonNull(graphql.String), Description: "An opaque position in the list: pass it as `after` to read on from this relation."},
				"node":   {Type: graphql.NewNonNull(b.relation), Description: "The relation."},
			}
		}),
	})
	b.relationConn = graphql.NewObject(graphql.ObjectConfig{
		Name:        "RelationConnection",
		Description: "A page of relations (see PageInfo for reading on).",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			return graphql.Fields{
				"totalCount": {Type: graphql.NewNonNull(graphql.Int), Description: "How many relations match the filter, across all pages.", Resolve: b.api.relationTotal},
				"nodes": {Type: nonNullList(b.relation), Description: "The relations of this page.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*relationConnection).page.Relations, nil }},
				"edges": {Type: nonNullList(b.relationEdge), Description: "The relations of this page, each with its cursor.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*relationConnection).edges(), nil }},
				"pageInfo": {Type: graphql.NewNonNull(b.pageInfo), Description: "Whether more relations follow, and the cursor to read them from.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*relationConnection).pageInfo(), nil }},
			}
		}),
	})
}

// typedFields makes, for each entity type, one field per predicate end it
// may take, named by graph's rule (Predicate.TypedFields): from the
// predicate id (outgoing) and inverse label (incoming). Planning a write
// refuses a predicate whose names are taken; a store written before that
// check may hold one, and its taken name gets a suffix rather than
// shadowing.
func (b *builder) typedFields() map[graph.EntityType]graphql.Fields {
	out := map[graph.EntityType]graphql.Fields{}
	reserved := map[string]bool{}
	for _, name := range graph.EntityFields {
		reserved[name] = true
	}
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
		outName, inName := pred.TypedFields()
		names := [2]string{}
		ends := []struct {
			types         []graph.EntityType
			dir           graph.Direction
			name, another string
			desc          func(t graph.EntityType) string
		}{
			{pred.SubjectTypes, graph.Out, outName, outName + "Out", func(t graph.EntityType) string {
				return b.typedFieldDescription(pred, graph.Out, t)
			}},
			{pred.ObjectTypes, graph.In, inName, outName + "In", func(t graph.EntityType) string {
				return b.typedFieldDescription(pred, graph.In, t)
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

// typedFieldDescription describes the typed field of pred's end dir on
// entity type t: the predicate and direction it stands for, how it reads, the
// narrower predicates it includes, and the predicate's own description.
func (b *builder) typedFieldDescription(pred *graph.Predicate, dir graph.Direction, t graph.EntityType) string {
	this := "this " + strings.ToLower(typeNames[t])
	var d strings.Builder
	if dir == graph.Out {
		fmt.Fprintf(&d, "Relations of predicate %s (%q) with %s as subject (direction OUT); the same as relations(predicate: %q, direction: OUT).",
			pred.ID, pred.Label, this, pred.ID)
	} else {
		fmt.Fprintf(&d, "Relations of predicate %s (%q, inversely %q) with %s as object (direction IN); the same as relations(predicate: %q, direction: IN).",
			pred.ID, pred.Label, pred.InverseLabel, this, pred.ID)
	}
	var narrower []string // at any depth, as asking for pred includes them
	for i, kinds := 0, []string{pred.ID}; i < len(kinds); i++ {
		for _, q := range b.predicates {
			if q.Broader == kinds[i] && q.ID != pred.ID && !slices.Contains(narrower, q.ID) {
				narrower = append(narrower, q.ID)
				kinds = append(kinds, q.ID)
			}
		}
	}
	if len(narrower) > 0 {
		sort.Strings(narrower)
		fmt.Fprintf(&d, " Includes the relations of its narrower predicates (%s) unless exact: true.", strings.Join(narrower, ", "))
	}
	if pred.Description != "" {
		d.WriteString(" " + pred.Description)
	}
	return d.String()
}

func (b *builder) typedField(pred *graph.Predicate, dir graph.Direction, desc string) *graphql.Field {
	args := b.relationArgs(false, defaultPage)
	delete(args, "predicate")
	delete(args, "predicates")
	delete(args, "direction")
	args["exact"].Description = "true: only relations of " + pred.ID + " itself, not of the narrower predicates that declare it broader"
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
				"id": {Type: graphql.NewNonNull(graphql.ID), Description: "The relation's stable id, for relation(id:) and retractRelation.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return rel(p).ID, nil }},
				"predicate": {Type: graphql.NewNonNull(graphql.String), Description: "The predicate's id, such as fled-to.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return rel(p).Predicate, nil }},
				"predicateInfo": {Type: b.predicate, Description: "The predicate's definition, with its labels and description.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return b.byID[rel(p).Predicate], nil }},
				"subject": {Type: graphql.NewNonNull(b.entityType), Description: "Who or what the statement is about: the person who fled, the country that denied entry.", Resolve: func(p graphql.ResolveParams) (any, error) {
					return loaderFrom(p.Context, b.api.store).entity(rel(p).Subject), nil
				}},
				"object": {Type: b.entityType, Description: "The other end: the country fled to, the law charged under; null for a statement that is only a figure about its subject (see Predicate.objectOptional).", Resolve: func(p graphql.ResolveParams) (any, error) {
					if rel(p).Object == "" {
						return nil, nil
					}
					return loaderFrom(p.Context, b.api.store).entity(rel(p).Object), nil
				}},
				"date": {Type: graphql.String, Description: "When it happened, or began: YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source; null when undated.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(rel(p).Date), nil }},
				"endDate": {Type: graphql.String, Description: "When it ended, for a period: YYYY, YYYY-MM or YYYY-MM-DD; null for a single date, a period open at its end (timing SINCE), or none.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(rel(p).EndDate), nil }},
				"timing": {Type: b.timing, Description: "How the dates bound the fact: POINT (at some time within date), PERIOD (date to endDate; a figure counted over it), SINCE (from date on, no end stated); null when undated.",
					Resolve: func(p graphql.ResolveParams) (any, error) {
						if t := rel(p).TimingOf(); t != "" {
							return t, nil // the enum's own type: graphql-go serializes no plain string as a Timing
						}
						return nil, nil
					}},
				"precision": {Type: b.datePrecision, Description: "How precise date is: YEAR, MONTH or DAY; null when undated. A timeline shows a fact dated only by its year apart from those of a day.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return datePrecision(rel(p).Date), nil }},
				"hedges": {Type: nonNullList(b.hedge), Description: "The reserves the source states it with (ALLEGED, ESTIMATED, EXPECTED, DISPUTED, PARTIAL); empty when it states it plainly.",
					Resolve: func(p graphql.ResolveParams) (any, error) {
						hs := rel(p).Hedges
						if hs == nil {
							hs = []graph.Hedge{}
						}
						return hs, nil
					}},
				"quantity": {Type: b.quantity, Description: "The figure the statement gives (how many people, what percentage, how many years); null when none.", Resolve: func(p graphql.ResolveParams) (any, error) {
					if q := rel(p).Quantity; q != nil {
						return q, nil
					}
					return nil, nil
				}},
				"note": {Type: graphql.String, Description: "A remark on the statement (a qualification, \"in absentia\"); null when none.", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(rel(p).Note), nil }},
				"sources": {Type: nonNullList(b.source), Description: "The sources that state it, each with a verbatim quote.", Resolve: func(p graphql.ResolveParams) (any, error) {
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
			"entity":      {Type: graphql.NewNonNull(b.entityType), Description: "the entity found", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Entity, nil }},
			"score":       {Type: graphql.NewNonNull(graphql.Float), Description: "1 for an exact match; prefix, word and fuzzy matches score less, in that order", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Score, nil }},
			"matchedText": {Type: graphql.NewNonNull(graphql.String), Description: "the name or alias that matched", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Matched, nil }},
			"kind":        {Type: graphql.NewNonNull(graphql.String), Description: "EXACT, PREFIX, WORD or FUZZY", Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(graph.SearchHit).Kind, nil }},
		},
	})
	b.typeCount = graphql.NewObject(graphql.ObjectConfig{Name: "TypeCount", Description: "How many entities one type has.", Fields: graphql.Fields{
		"type":  {Type: graphql.NewNonNull(b.entityTypeEnum), Description: "the entity type"},
		"count": {Type: graphql.NewNonNull(graphql.Int), Description: "how many entities of the type the graph holds"},
	}})
	b.predicateCount = graphql.NewObject(graphql.ObjectConfig{Name: "PredicateCount", Description: "How many relations one predicate has.", Fields: graphql.Fields{
		"predicate": {Type: graphql.NewNonNull(graphql.String), Description: "the predicate's id"},
		"count":     {Type: graphql.NewNonNull(graphql.Int), Description: "how many relations state this predicate itself (those of its narrower predicates are counted under theirs)"},
	}})
	b.stats = graphql.NewObject(graphql.ObjectConfig{Name: "Stats", Description: "The size of the graph.", Fields: graphql.Fields{
		"entities":       {Type: nonNullList(b.typeCount), Description: "entities per type, every type listed (count 0 included)"},
		"relations":      {Type: nonNullList(b.predicateCount), Description: "relations per predicate, in order of predicate id"},
		"totalEntities":  {Type: graphql.NewNonNull(graphql.Int), Description: "how many entities the graph holds"},
		"totalRelations": {Type: graphql.NewNonNull(graphql.Int), Description: "how many relations the graph holds"},
	}})
	b.path = graphql.NewObject(graphql.ObjectConfig{Name: "Path",
		Description: "The shortest connection between two entities: entities[0] is `from`, relations[i] joins entities[i] and entities[i+1].",
		Fields: graphql.Fields{
			"hops":      {Type: graphql.NewNonNull(graphql.Int), Description: "how many relations the path follows"},
			"entities":  {Type: nonNullList(b.entityType), Description: "the entities along the path, from `from` to `to` (hops + 1 of them)"},
			"relations": {Type: nonNullList(b.relation), Description: "the relations along the path (hops of them), each followed in whichever direction joins its two entities"},
		}})
	b.subgraph = graphql.NewObject(graphql.ObjectConfig{Name: "Subgraph",
		Description: "Entities and the relations between them, for a graph view.",
		Fields: graphql.Fields{
			"entities":  {Type: nonNullList(b.entityType), Description: "the entity asked for, then the entities the relations join it to, nearest first"},
			"relations": {Type: nonNullList(b.relation), Description: "the relations found, nearest first"},
			"truncated": {Type: graphql.NewNonNull(graphql.Boolean), Description: "true when `first` cut the neighbourhood short"},
		}})
}
