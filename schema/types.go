package schema

import (
	"fmt"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// builder holds the GraphQL types while a schema is built from a predicate
// registry. Types refer to each other, so fields are thunks.
type builder struct {
	api        *API
	predicates []*graph.Predicate
	byID       map[string]*graph.Predicate

	entityType     *graphql.Interface
	entityTypeEnum *graphql.Enum
	direction      *graphql.Enum
	approximation  *graphql.Enum
	timing         *graphql.Enum
	hedge          *graphql.Enum
	datePrecision  *graphql.Enum
	relationOrder  *graphql.Enum
	objects        map[graph.EntityType]*graphql.Object
	relation       *graphql.Object
	quantity       *graphql.Object
	source         *graphql.Object
	predicate      *graphql.Object
	pageInfo       *graphql.Object
	entityConn     *graphql.Object
	entityEdge     *graphql.Object
	relationConn   *graphql.Object
	relationEdge   *graphql.Object
	searchHit      *graphql.Object
	stats          *graphql.Object
	path           *graphql.Object
	subgraph       *graphql.Object
	summary        *graphql.Object
	itemError      *graphql.Object
	writeResult    *graphql.Object
	entityInput    *graphql.InputObject
	documentInput  *graphql.InputObject
	relationInput  *graphql.InputObject
	quantityInput  *graphql.InputObject
	sourceInput    *graphql.InputObject
	// source records (sources.go)
	sourceKind       *graphql.Enum
	sourceRecord     *graphql.Object
	sourceRecordEdge *graphql.Object
	sourceRecordConn *graphql.Object
	typeCount        *graphql.Object
	predicateCount   *graphql.Object
	// fieldNames maps a predicate id to its typed field names: [outgoing, incoming].
	fieldNames map[string][2]string
	history    *historyTypes // history.go
}

// typeNames maps entity types to their GraphQL object names.
var typeNames = map[graph.EntityType]string{
	graph.Person: "Person", graph.Country: "Country", graph.Law: "Law", graph.Event: "Event",
	graph.Organization: "Organization", graph.Place: "Place", graph.Group: "Group",
}

func (b *builder) enums() {
	values := graphql.EnumValueConfigMap{}
	for _, t := range graph.EntityTypes {
		values[string(t)] = &graphql.EnumValueConfig{Value: t, Description: entityTypeDescriptions[t]}
	}
	b.entityTypeEnum = graphql.NewEnum(graphql.EnumConfig{Name: "EntityType", Values: values,
		Description: "What kind of thing an entity is. Bands and parties are organizations, cities are places, unnamed collectives are groups."})
	b.direction = graphql.NewEnum(graphql.EnumConfig{Name: "Direction",
		Description: "Which end of a relation an entity is: its subject (OUT), its object (IN), or either (BOTH).",
		Values: graphql.EnumValueConfigMap{
			"OUT":  {Value: graph.Out, Description: "relations whose subject is the entity"},
			"IN":   {Value: graph.In, Description: "relations whose object is the entity"},
			"BOTH": {Value: graph.Both, Description: "either"},
		}})
	av := graphql.EnumValueConfigMap{}
	for _, a := range graph.Approximations {
		av[string(a)] = &graphql.EnumValueConfig{Value: a, Description: approximationDescriptions[a]}
	}
	b.approximation = graphql.NewEnum(graphql.EnumConfig{Name: "Approximation", Values: av,
		Description: "How the stated amount relates to the true figure (\"about\", \"at least\", ...)."})
	tv := graphql.EnumValueConfigMap{}
	for _, t := range graph.Timings {
		tv[string(t)] = &graphql.EnumValueConfig{Value: t, Description: timingDescriptions[t]}
	}
	b.timing = graphql.NewEnum(graphql.EnumConfig{Name: "Timing", Values: tv,
		Description: "How a relation's dates bound the fact: at a point, over a period, or from a date on (Wikidata's point in time, start time and end time)."})
	hv := graphql.EnumValueConfigMap{}
	for _, h := range graph.Hedges {
		hv[string(h)] = &graphql.EnumValueConfig{Value: h, Description: hedgeDescriptions[h]}
	}
	b.hedge = graphql.NewEnum(graphql.EnumConfig{Name: "Hedge", Values: hv,
		Description: "A reserve the source states a fact with (Wikidata's sourcing circumstances): the relation says exactly that the source reports it so."})
	b.datePrecision = graphql.NewEnum(graphql.EnumConfig{Name: "DatePrecision",
		Description: "How precise a date is: a year, a month or a day.",
		Values: graphql.EnumValueConfigMap{
			"YEAR":  {Value: "YEAR", Description: "a year only (\"2022\"): some time in that year"},
			"MONTH": {Value: "MONTH", Description: "a month (\"2022-09\"): some time in that month"},
			"DAY":   {Value: "DAY", Description: "a day (\"2022-09-21\")"},
		}})
	b.relationOrder = graphql.NewEnum(graphql.EnumConfig{Name: "RelationOrder",
		Description: "The order of a list of relations.",
		Values: graphql.EnumValueConfigMap{
			"KEY":  {Value: "KEY", Description: "index order: by predicate, then id (the default)"},
			"DATE": {Value: "DATE", Description: "by date, earliest first (ties by id); undated relations last"},
		}})
}

// entityTypeDescriptions describe the values of the EntityType enum.
var entityTypeDescriptions = map[graph.EntityType]string{
	graph.Person:       "a named person (ids like person/chulpan-khamatova)",
	graph.Country:      "a country (ids like country/georgia)",
	graph.Law:          "a law, decree, article of a code or official measure (ids like law/...)",
	graph.Event:        "an event: a mobilization, a protest, a concert, a wave of departures (ids like event/...)",
	graph.Organization: "an organization: a company, a party, a band, a media outlet, an authority (ids like organization/...)",
	graph.Place:        "a city, region, border crossing or other place that is not a country (ids like place/...)",
	graph.Group:        "an unnamed collective the sources speak of, such as \"eight Russian nationals\" or IT workers (ids like group/...)",
}

// objectDescriptions describe the object type of each entity type.
var objectDescriptions = map[graph.EntityType]string{
	graph.Person:       "A named person.",
	graph.Country:      "A country.",
	graph.Law:          "A law, decree, article of a code or official measure.",
	graph.Event:        "An event: a mobilization, a protest, a concert, a wave of departures.",
	graph.Organization: "An organization: a company, party, band, media outlet or authority.",
	graph.Place:        "A city, region, border crossing or other place that is not a country.",
	graph.Group:        "An unnamed collective the sources speak of (\"eight Russian nationals\", IT workers).",
}

// timingDescriptions describe the values of the Timing enum.
var timingDescriptions = map[graph.Timing]string{
	graph.Point:  "at some time within date, at its precision (\"2022-09\" is some time in September 2022); a figure at a point is a level at that time",
	graph.Period: "throughout, or (a figure) counted over, date to endDate: \"by early April, 100,000 had fled\" runs from the invasion to April",
	graph.Since:  "from date on, with no end stated (\"since the outbreak\", \"after 28 October\"); a figure counts what happened from date until the source's own time",
}

// hedgeDescriptions describe the values of the Hedge enum.
var hedgeDescriptions = map[graph.Hedge]string{
	graph.Alleged:   "the source reports it as alleged, claimed or said by others (\"alleged\", \"some experts said\", \"reportedly\"), not as established",
	graph.Estimated: "an estimate (\"an estimated 100,000\", \"are estimated to have left\")",
	graph.Expected:  "expected, planned, forecast or announced as future (\"was expected to\", \"would extradite\", \"will not offer\")",
	graph.Disputed:  "the source reports it as disputed or contradicted",
	graph.Partial:   "it holds for some of the subject only (\"some of the detainees\"): the subject is the group the part belongs to",
}

// approximationDescriptions describe the values of the Approximation enum.
var approximationDescriptions = map[graph.Approximation]string{
	graph.Exact:    "the amount is the figure the source states, with no qualifier",
	graph.About:    "about, approximately, some, roughly: the true figure may be above or below",
	graph.AtLeast:  "at least: the true figure is the amount or more",
	graph.MoreThan: "more than, over: the true figure is above the amount",
	graph.Nearly:   "nearly, almost: the true figure is just below the amount",
	graph.UpTo:     "up to, as many as: the true figure is the amount or less",
}

// descAfter describes the `after` argument of a paged list.
const descAfter = "the cursor to read on from: pageInfo.endCursor of the previous page (leave out for the first page)"

// descFrom and descTo describe the date range arguments of a list of what
// ("relations", "figures").
func descFrom(what string) string {
	return "only " + what + " whose date overlaps the range starting here: YYYY, YYYY-MM or YYYY-MM-DD (from: \"2022\" starts on 2022-01-01); " +
		"a 2022-09 fact is inside from: \"2022-09-21\", since it may have happened on or after that day"
}

// descWithin describes the within argument of the lists with a date range.
const descWithin = "true: only relations whose whole period lies within from and to (a 2022-09-24 fact, or one dated 2022-09, within September; not one dated only 2022, a longer period, or one open at its end), " +
	"not those that only overlap the range; without from and to, every dated relation"

func descTo(what string) string {
	return "only " + what + " whose date overlaps the range ending here: YYYY, YYYY-MM or YYYY-MM-DD (to: \"2022\" ends on 2022-12-31)"
}

// descFirst describes a `first` argument of a paged list: its default and cap.
func descFirst(what string, def int) string {
	return fmt.Sprintf("how many %s a page holds (default %d, at most %d)", what, def, graph.MaxPageSize)
}

// relationArgs are the filter arguments shared by every list of relations.
// first is the default of `first`.
func (b *builder) relationArgs(withEnds bool, first int) graphql.FieldConfigArgument {
	otherType := "only relations whose other end (the end that is not this entity) is an entity of this type"
	if withEnds {
		otherType = "only relations whose object is an entity of this type"
	}
	args := graphql.FieldConfigArgument{
		"predicate":   {Type: graphql.String, Description: "only relations of this predicate id (fled-to, charged-under: the predicates query lists them), and of its narrower predicates unless exact: true"},
		"predicates":  {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "only relations of any of these predicate ids, and of their narrower predicates unless exact: true"},
		"from":        {Type: graphql.String, Description: descFrom("relations")},
		"to":          {Type: graphql.String, Description: descTo("relations")},
		"hasQuantity": {Type: graphql.Boolean, Description: "only relations with (true) or without (false) a quantity, a figure such as a number of people; leave out for both"},
		"otherType":   {Type: b.entityTypeEnum, Description: otherType},
		"exact":       {Type: graphql.Boolean, DefaultValue: false, Description: "true: only the predicates named, not the narrower predicates that declare them broader (asking for migration-to includes fled-to unless exact: true)"},
		"within":      {Type: graphql.Boolean, DefaultValue: false, Description: descWithin},
		"orderBy":     {Type: b.relationOrder, DefaultValue: "KEY", Description: "KEY (the default): by predicate, then id; DATE: earliest first, undated relations last; with from or to, the relations within the range first, then those that only overlap it"},
		"first":       {Type: graphql.Int, DefaultValue: first, Description: descFirst("relations", first)},
		"after":       {Type: graphql.String, Description: descAfter},
	}
	if withEnds {
		args["subject"] = &graphql.ArgumentConfig{Type: graphql.ID, Description: "only relations whose subject is this entity: an id (person/chulpan-khamatova), a name or an alias"}
		args["object"] = &graphql.ArgumentConfig{Type: graphql.ID, Description: "only relations whose object is this entity: an id (country/georgia), a name or an alias"}
	} else {
		args["direction"] = &graphql.ArgumentConfig{Type: b.direction, DefaultValue: graph.Both, Description: "OUT: relations with this entity as subject; IN: as object; BOTH (the default): either"}
	}
	return args
}

// entityFields are the fields of the Entity interface and of every object
// implementing it.
func (b *builder) entityFields() graphql.Fields {
	return graphql.Fields{
		"id": {Type: graphql.NewNonNull(graphql.ID), Description: "The entity's stable id: its type and a slug of its name, such as country/georgia or person/chulpan-khamatova.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Entity).ID, nil }},
		"name": {Type: graphql.NewNonNull(graphql.String), Description: "The entity's main name.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Entity).Name, nil }},
		"type": {Type: graphql.NewNonNull(b.entityTypeEnum), Description: "What kind of thing the entity is.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Entity).Type, nil }},
		"aliases": {Type: nonNullList(graphql.String), Description: "Other names and spellings (Cyrillic, transliterations, short forms); search and every argument that takes an entity match them as they match the name. Empty when there are none.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return orEmpty(p.Source.(*graph.Entity).Aliases), nil }},
		"description": {Type: graphql.String, Description: "A short note on who or what the entity is; null when there is none.", Resolve: func(p graphql.ResolveParams) (any, error) {
			return nilIfEmpty(p.Source.(*graph.Entity).Description), nil
		}},
		"relations": {
			Type:        graphql.NewNonNull(b.relationConn),
			Args:        b.entityRelationArgs(),
			Description: "The relations of this entity, as subject (OUT), object (IN) or both, of every predicate or of those asked for. The typed fields (one per predicate end, such as fledTo) list the same relations one predicate at a time.",
			Resolve:     b.api.entityRelations,
		},
	}
}

func nonNullList(t graphql.Type) graphql.Type {
	return graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(t)))
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
