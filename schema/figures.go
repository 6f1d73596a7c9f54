package schema

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// Figures answer "how many went where, according to whom". The relations
// with a quantity that match a filter are grouped (by object, subject or
// year), and each group lists its figures with their bounds, dates and
// sources, and says which is the latest and which the largest.
//
// Figures are never added up. Two figures about one destination are as a
// rule estimates of overlapping populations (200,000 by March, 100,000 by
// April), or the same people counted by different sources, so their sum
// counts people twice or more; the groups rank by their largest figure
// instead, and a reader sums only what the sources say are separate. The
// one thing merged is a figure stated twice: the same amount, date and quote
// (under predicates of one hierarchy, say) counts once.

// maxFigureScan bounds the relations one figures query reads, so that a
// filter as wide as the whole graph is an error asking for a narrower one
// rather than a scan of millions.
const maxFigureScan = 100_000

type figureGroup struct {
	key     string
	entity  string // the entity grouped by, for OBJECT and SUBJECT
	year    int
	figures []*graph.Relation
}

func (g *figureGroup) latest() *graph.Relation {
	var best *graph.Relation
	for _, r := range g.figures {
		if r.Date != "" && (best == nil || r.Date > best.Date) {
			best = r
		}
	}
	return best
}

func (g *figureGroup) largest() *graph.Relation {
	var best *graph.Relation
	for _, r := range g.figures {
		if best == nil || r.Quantity.Amount > best.Quantity.Amount {
			best = r
		}
	}
	return best
}

func (b *builder) figuresField() *graphql.Field {
	grouping := graphql.NewEnum(graphql.EnumConfig{Name: "FigureGrouping", Description: "How figures are grouped.", Values: graphql.EnumValueConfigMap{
		"OBJECT":  {Value: "OBJECT", Description: "by the relation's object: where people went, whom a figure is about"},
		"SUBJECT": {Value: "SUBJECT", Description: "by the relation's subject: who went"},
		"YEAR":    {Value: "YEAR", Description: "by the year of the figure's date (undated figures form a group of their own)"},
		"NONE":    {Value: "NONE", Description: "one group of every figure"},
	}})
	group := graphql.NewObject(graphql.ObjectConfig{Name: "FigureGroup",
		Description: "The figures of one group. They are not added up: figures about one place are as a rule estimates of overlapping populations, or the same people counted by different sources.",
		Fields: graphql.Fields{
			"key": {Type: graphql.NewNonNull(graphql.String), Description: "the entity id or the year grouped by (\"undated\", \"all\")",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*figureGroup).key, nil }},
			"entity": {Type: b.entityType, Description: "the entity grouped by (OBJECT or SUBJECT)", Resolve: func(p graphql.ResolveParams) (any, error) {
				g := p.Source.(*figureGroup)
				if g.entity == "" {
					return nil, nil
				}
				return loaderFrom(p.Context, b.api.store).entity(g.entity), nil
			}},
			"year": {Type: graphql.Int, Description: "the year grouped by (YEAR)", Resolve: func(p graphql.ResolveParams) (any, error) {
				if y := p.Source.(*figureGroup).year; y > 0 {
					return y, nil
				}
				return nil, nil
			}},
			"count": {Type: graphql.NewNonNull(graphql.Int), Description: "how many distinct figures the group holds",
				Resolve: func(p graphql.ResolveParams) (any, error) { return len(p.Source.(*figureGroup).figures), nil }},
			"figures": {Type: nonNullList(b.relation), Description: "the figures, latest first (undated last), each with its quantity, date and sources",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*figureGroup).figures, nil }},
			"latest": {Type: b.relation, Description: "the figure with the latest date",
				Resolve: func(p graphql.ResolveParams) (any, error) { return nilRelation(p.Source.(*figureGroup).latest()), nil }},
			"largest": {Type: b.relation, Description: "the figure with the largest amount",
				Resolve: func(p graphql.ResolveParams) (any, error) { return nilRelation(p.Source.(*figureGroup).largest()), nil }},
		}})
	args := graphql.FieldConfigArgument{
		"predicate":  {Type: graphql.String, Description: "only figures of this predicate (and the narrower ones, unless exact)"},
		"predicates": {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "only figures of any of these predicates (and their narrower ones, unless exact)"},
		"exact":      {Type: graphql.Boolean, DefaultValue: false, Description: "only the predicates named, not the narrower ones"},
		"subject":    {Type: graphql.ID, Description: "only figures whose subject is this entity (id or name)"},
		"object":     {Type: graphql.ID, Description: "only figures whose object is this entity (id or name)"},
		"from":       {Type: graphql.String, Description: "only figures whose date overlaps the range starting here (YYYY, YYYY-MM or YYYY-MM-DD)"},
		"to":         {Type: graphql.String, Description: "only figures whose date overlaps the range ending here"},
		"unit":       {Type: graphql.String, Description: "only figures in this unit (\"people\", \"percent\"); by default every unit"},
		"groupBy":    {Type: grouping, DefaultValue: "OBJECT", Description: "how to group the figures"},
		"first":      {Type: graphql.Int, DefaultValue: 50, Description: fmt.Sprintf("at most this many groups, the largest figure first (at most %d)", graph.MaxPageSize)},
	}
	return &graphql.Field{
		Type:        nonNullList(group),
		Description: "Figures (relations with a quantity) grouped by object, subject or year, ranked by each group's largest figure. Figures are never added up (see FigureGroup); a figure stated twice with the same amount, date and quote counts once.",
		Args:        args,
		Resolve: func(p graphql.ResolveParams) (any, error) {
			return b.api.figures(p.Context, p.Args)
		},
	}
}

func nilRelation(r *graph.Relation) any {
	if r == nil {
		return nil
	}
	return r
}

func (a *API) figures(ctx context.Context, args map[string]any) ([]*figureGroup, error) {
	n, err := a.first(args)
	if err != nil {
		return nil, err
	}
	args["first"] = graph.MaxPageSize
	f, err := a.relationFilter(ctx, args)
	if err != nil {
		return nil, err
	}
	yes := true
	f.HasQuantity = &yes
	unit := str(args, "unit")
	by, _ := args["groupBy"].(string)

	groups := map[string]*figureGroup{}
	seen := map[string]bool{} // amount, date and quote of a figure already kept
	scanned := 0
	for {
		page, err := a.store.Relations(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Relations {
			if scanned++; scanned > maxFigureScan {
				return nil, graph.Errorf(graph.EINVALID, "the filter matches more than %d figures: narrow it (a predicate, a subject or object, a date range)", maxFigureScan)
			}
			if r.Quantity == nil || (unit != "" && r.Quantity.Unit != unit) {
				continue
			}
			quote := ""
			if len(r.Sources) > 0 {
				quote = r.Sources[0].Quote
			}
			same := strconv.FormatFloat(r.Quantity.Amount, 'g', -1, 64) + "\x00" + r.Date + "\x00" + r.Object + "\x00" + quote
			if seen[same] {
				continue
			}
			seen[same] = true
			key, entity, year := "all", "", 0
			switch by {
			case "OBJECT":
				key, entity = r.Object, r.Object
				if key == "" {
					key = "none"
				}
			case "SUBJECT":
				key, entity = r.Subject, r.Subject
			case "YEAR":
				key = "undated"
				if len(r.Date) >= 4 {
					key = r.Date[:4]
					year, _ = strconv.Atoi(key)
				}
			}
			g := groups[key]
			if g == nil {
				g = &figureGroup{key: key, entity: entity, year: year}
				groups[key] = g
			}
			g.figures = append(g.figures, r)
		}
		if !page.HasNextPage {
			break
		}
		f.After = page.Cursors[len(page.Cursors)-1]
	}
	out := make([]*figureGroup, 0, len(groups))
	for _, g := range groups {
		sort.SliceStable(g.figures, func(i, j int) bool {
			a, b := g.figures[i], g.figures[j]
			if (a.Date == "") != (b.Date == "") {
				return b.Date == ""
			}
			if a.Date != b.Date {
				return a.Date > b.Date
			}
			return a.Quantity.Amount > b.Quantity.Amount
		})
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if by == "YEAR" {
			return out[i].key < out[j].key
		}
		li, lj := out[i].largest().Quantity.Amount, out[j].largest().Quantity.Amount
		if li != lj {
			return li > lj
		}
		return out[i].key < out[j].key
	})
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}
