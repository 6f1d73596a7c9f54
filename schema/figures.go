package schema

import (
	"context"
	"fmt"
	"slices"
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
// instead, and a reader sums only what the sources say are separate. What a
// group counts is its figures: how many relations with a quantity it holds.
//
// The store's figures index answers without reading relations: the whole
// graph, or an object, grouped by object (or not at all), from one summary
// per object, predicate and unit; anything else (a subject, a date range,
// groups by subject or year) from the index, figure by figure, up to
// maxFigureScan. Relations are read only for what the query shows: the
// largest and latest of the groups returned, and the figures it lists.

// maxFigureScan bounds the figures (or, for a subject, the relations) one
// figures query reads when the summaries cannot answer it, so that a filter
// as wide as a graph of tens of millions of relations is an error asking
// for a narrower one rather than a scan of all of them.
const maxFigureScan = 1_000_000

// defaultListedFigures is how many figures a group lists unless asked.
const defaultListedFigures = 100

type figureGroup struct {
	key    string
	entity string // the entity grouped by, for OBJECT and SUBJECT
	year   int
	// how many figures, the largest and the latest (Latest.Relation is ""
	// when none is dated)
	sum graph.FigureSummary
	// list selects the group's figures: the query's filter narrowed to the
	// group, and keep for what a filter cannot say (the year of a date)
	list graph.FigureFilter
	keep func(graph.Figure) bool
}

func (b *builder) figuresField(f rootField) *graphql.Field {
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
			"count": {Type: graphql.NewNonNull(graphql.Int), Description: "how many figures (relations with a quantity) the group holds",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*figureGroup).sum.Count, nil }},
			"figures": {Type: nonNullList(b.relation), Description: "the figures, latest first (undated last), each with its quantity, date and sources",
				Args: graphql.FieldConfigArgument{"first": {Type: graphql.Int, DefaultValue: defaultListedFigures,
					Description: fmt.Sprintf("at most this many, the latest first (at most %d; count says how many there are)", graph.MaxPageSize)}},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					n, err := b.api.first(p.Args)
					if err != nil {
						return nil, err
					}
					return b.api.groupFigures(p.Context, p.Source.(*figureGroup), n)
				}},
			"bySource": {Type: nonNullList(b.sourceFiguresType()), Description: "the group's latest figures split by the sources that state them, each source named with its figures (a figure two sources state is under both): " +
				"who says what, side by side. It reads what figures(first) reads.",
				Args: graphql.FieldConfigArgument{"first": {Type: graphql.Int, DefaultValue: defaultSourceFigures,
					Description: fmt.Sprintf("split the latest this many figures (at most %d; count says how many the group holds)", graph.MaxPageSize)}},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					n, err := b.api.first(p.Args)
					if err != nil {
						return nil, err
					}
					return b.api.bySource(p.Context, p.Source.(*figureGroup), n)
				}},
			"latest": {Type: b.relation, Description: "the figure with the latest date (of the same date, the largest)",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					return b.api.figureRelation(p.Context, p.Source.(*figureGroup).sum.Latest)
				}},
			"largest": {Type: b.relation, Description: "the figure with the largest amount (of the same amount, the latest)",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					return b.api.figureRelation(p.Context, p.Source.(*figureGroup).sum.Largest)
				}},
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
		"first":      {Type: graphql.Int, DefaultValue: f.first, Description: fmt.Sprintf("at most this many groups, the largest figure first (at most %d)", f.max)},
	}
	return &graphql.Field{
		Type:        nonNullList(group),
		Description: "Figures (relations with a quantity) grouped by object, subject or year, ranked by each group's largest figure. Figures are never added up (see FigureGroup).",
		Args:        args,
		Resolve: func(p graphql.ResolveParams) (any, error) {
			return b.api.figures(p.Context, p.Args)
		},
	}
}

// tooManyGroups says, of a budget that ran out making a group of figures,
// that there are too many groups; other errors pass as they are.
func tooManyGroups(err error, made int) error {
	if graph.ErrorCode(err) != graph.ELIMIT {
		return err
	}
	return graph.Errorf(graph.ELIMIT, "the figures fall in more groups than one request may hold (it stopped at %s): "+
		"narrow them (a predicate, an object, a unit or a date range) or group them otherwise", graph.Thousands(made))
}

// figureRelation reads the relation of a figure (nil for none).
func (a *API) figureRelation(ctx context.Context, f graph.Figure) (any, error) {
	if f.Relation == "" {
		return nil, nil
	}
	return a.store.Relation(ctx, f.Relation)
}

// groupFigures lists the first n figures of a group, latest first: the
// index is read for the group and only those n relations are.
func (a *API) groupFigures(ctx context.Context, g *figureGroup, n int) ([]*graph.Relation, error) {
	var top []graph.Figure // the latest n so far, latest first
	err := a.store.Figures(ctx, g.list, maxFigureScan, func(f graph.Figure) error {
		if g.keep != nil && !g.keep(f) {
			return nil
		}
		i := sort.Search(len(top), func(i int) bool { return f.Later(top[i]) })
		if i < n {
			top = slices.Insert(top, i, f)
			if len(top) > n {
				top = top[:n]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(top))
	for i, f := range top {
		ids[i] = f.Relation
	}
	byID, err := a.store.RelationsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*graph.Relation, 0, len(top))
	for _, id := range ids {
		if r := byID[id]; r != nil { // a relation retracted since the index was read is left out
			out = append(out, r)
		}
	}
	return out, nil
}

func (a *API) figures(ctx context.Context, args map[string]any) ([]*figureGroup, error) {
	n, err := a.first(args)
	if err != nil {
		return nil, err
	}
	rf, err := a.relationFilter(ctx, args)
	if err != nil {
		return nil, err
	}
	f := graph.FigureFilter{Predicates: rf.Predicates, Subject: rf.Subject, Object: rf.Object, Dates: rf.Dates}
	if unit := str(args, "unit"); unit != "" {
		f.Unit, f.HasUnit = unit, true
	}
	by, _ := args["groupBy"].(string)

	groups := map[string]*figureGroup{}
	budget := graph.BudgetOf(ctx)
	group := func(fig graph.Figure) (*figureGroup, error) {
		key, entity, year := "all", "", 0
		switch by {
		case "OBJECT":
			key, entity = fig.Object, fig.Object
			if key == "" {
				key = "none"
			}
		case "SUBJECT":
			key, entity = fig.Subject, fig.Subject
		case "YEAR":
			key = "undated"
			if len(fig.Date) >= 4 {
				key = fig.Date[:4]
				year, _ = strconv.Atoi(key)
			}
		}
		g := groups[key]
		if g == nil {
			// every group is held to the end: each costs the request a record
			if err := budget.Records(1); err != nil {
				return nil, tooManyGroups(err, len(groups))
			}
			g = &figureGroup{key: key, entity: entity, year: year, list: f}
			switch by {
			case "OBJECT":
				g.list.Object = entity
				g.keep = func(x graph.Figure) bool { return x.Object == entity }
			case "SUBJECT":
				g.list.Subject = entity
			case "YEAR":
				g.keep = func(x graph.Figure) bool {
					return len(x.Date) >= 4 && x.Date[:4] == key || key == "undated" && len(x.Date) < 4
				}
			}
			groups[key] = g
		}
		return g, nil
	}
	if f.Subject == "" && f.Dates.Open() && (by == "OBJECT" || by == "NONE") {
		err := a.store.FigureSummaries(ctx, f, func(s *graph.FigureSummary) error {
			g, err := group(graph.Figure{Object: s.Object})
			if err == nil {
				g.sum.Merge(s)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	} else if err := a.store.Figures(ctx, f, maxFigureScan, func(fig graph.Figure) error {
		g, err := group(fig)
		if err == nil {
			g.sum.Add(fig)
		}
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]*figureGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if by == "YEAR" {
			return out[i].key < out[j].key
		}
		if li, lj := out[i].sum.Largest.Amount, out[j].sum.Largest.Amount; li != lj {
			return li > lj
		}
		return out[i].key < out[j].key
	})
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}
