package schema

import (
	"fmt"
	"strings"
	"unicode"

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
	typeCount      *graphql.Object
	predicateCount *graphql.Object
	// fieldNames maps a predicate id to its typed field names: [outgoing, incoming].
	fieldNames map[string][2]string
}

// typeNames maps entity types to their GraphQL object names.
var typeNames = map[graph.EntityType]string{
	graph.Person: "Person", graph.Country: "Country", graph.Law: "Law", graph.Event: "Event",
	graph.Organization: "Organization", graph.Place: "Place", graph.Group: "Group",
}

// fieldName turns a predicate id or label into a GraphQL field name:
// "fled-to" is fledTo, "received emigrants" is receivedEmigrants.
func fieldName(s string) string {
	var b strings.Builder
	upper := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if b.Len() == 0 && r >= '0' && r <= '9' {
				b.WriteByte('_')
			}
			if upper && b.Len() > 0 {
				r = unicode.ToUpper(r)
			} else if b.Len() == 0 {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}

func (b *builder) enums() {
	values := graphql.EnumValueConfigMap{}
	for _, t := range graph.EntityTypes {
		values[string(t)] = &graphql.EnumValueConfig{Value: t}
	}
	b.entityTypeEnum = graphql.NewEnum(graphql.EnumConfig{Name: "EntityType", Values: values,
		Description: "What kind of thing an entity is. Bands and parties are organizations, cities are places, unnamed collectives are groups."})
	b.direction = graphql.NewEnum(graphql.EnumConfig{Name: "Direction", Values: graphql.EnumValueConfigMap{
		"OUT":  {Value: graph.Out, Description: "relations whose subject is the entity"},
		"IN":   {Value: graph.In, Description: "relations whose object is the entity"},
		"BOTH": {Value: graph.Both, Description: "either"},
	}})
	av := graphql.EnumValueConfigMap{}
	for _, a := range graph.Approximations {
		av[string(a)] = &graphql.EnumValueConfig{Value: a}
	}
	b.approximation = graphql.NewEnum(graphql.EnumConfig{Name: "Approximation", Values: av,
		Description: "How the stated amount relates to the true figure (\"about\", \"at least\", ...)."})
	b.relationOrder = graphql.NewEnum(graphql.EnumConfig{Name: "RelationOrder", Values: graphql.EnumValueConfigMap{
		"KEY":  {Value: "KEY", Description: "index order: by predicate, then id (the default)"},
		"DATE": {Value: "DATE", Description: "by date, earliest first (ties by id); undated relations last"},
	}})
}

// relationArgs are the filter arguments shared by every list of relations.
func (b *builder) relationArgs(withEnds bool) graphql.FieldConfigArgument {
	args := graphql.FieldConfigArgument{
		"predicate":   {Type: graphql.String, Description: "only this predicate"},
		"predicates":  {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "only these predicates"},
		"from":        {Type: graphql.String, Description: "only relations whose date overlaps the range starting here (YYYY, YYYY-MM or YYYY-MM-DD); a 2022-09 fact is inside from: \"2022-09-21\""},
		"to":          {Type: graphql.String, Description: "only relations whose date overlaps the range ending here"},
		"hasQuantity": {Type: graphql.Boolean, Description: "only relations with (true) or without (false) a quantity"},
		"otherType":   {Type: b.entityTypeEnum, Description: "only relations whose other end is of this type"},
		"exact":       {Type: graphql.Boolean, DefaultValue: false, Description: "only the predicates named, not the narrower predicates that declare them broader"},
		"orderBy":     {Type: b.relationOrder, DefaultValue: "KEY"},
		"first":       {Type: graphql.Int, DefaultValue: 50, Description: fmt.Sprintf("page size, at most %d", graph.MaxPageSize)},
		"after":       {Type: graphql.String, Description: "cursor of the last relation of the previous page"},
	}
	if withEnds {
		args["subject"] = &graphql.ArgumentConfig{Type: graphql.ID}
		args["object"] = &graphql.ArgumentConfig{Type: graphql.ID}
	} else {
		args["direction"] = &graphql.ArgumentConfig{Type: b.direction, DefaultValue: graph.Both}
	}
	return args
}

// entityFields are the fields of the Entity interface and of every object
// implementing it.
func (b *builder) entityFields() graphql.Fields {
	return graphql.Fields{
		"id":      {Type: graphql.NewNonNull(graphql.ID), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Entity).ID, nil }},
		"name":    {Type: graphql.NewNonNull(graphql.String), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Entity).Name, nil }},
		"type":    {Type: graphql.NewNonNull(b.entityTypeEnum), Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.Entity).Type, nil }},
		"aliases": {Type: nonNullList(graphql.String), Resolve: func(p graphql.ResolveParams) (any, error) { return orEmpty(p.Source.(*graph.Entity).Aliases), nil }},
		"description": {Type: graphql.String, Resolve: func(p graphql.ResolveParams) (any, error) {
			return nilIfEmpty(p.Source.(*graph.Entity).Description), nil
		}},
		"relations": {
			Type:        graphql.NewNonNull(b.relationConn),
			Args:        b.relationArgs(false),
			Description: "The relations of this entity, as subject (OUT), object (IN) or both.",
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
