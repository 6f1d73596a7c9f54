package schema

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// Source records (graph.SourceRecord): the sources query and field, what
// each record says (SourceRecord.relations, from the store's index of
// citations), how many facts it supports (one counter), the record of each
// citation (Source.record, read once a request per record), figures split
// by source (FigureGroup.bySource), and retractSource.

// defaultSourceFigures is how many of a group's figures bySource splits
// unless asked: as many as FigureGroup.figures lists by default, so that
// splitting them reads no more.
const defaultSourceFigures = defaultListedFigures

// kindEnumName is the GraphQL name of a kind ("official-statistics" is
// OFFICIAL_STATISTICS).
func kindEnumName(k graph.SourceKind) string {
	return strings.ToUpper(strings.ReplaceAll(string(k), "-", "_"))
}

// sourceTypes makes SourceKind and SourceRecord; Source (the citation)
// links to the record, so they come before it.
func (b *builder) sourceTypes() {
	values := graphql.EnumValueConfigMap{}
	for _, k := range graph.SourceKinds {
		values[kindEnumName(k)] = &graphql.EnumValueConfig{Value: k, Description: "a source of kind " + string(k) + " (as the fact files write it)"}
	}
	b.sourceKind = graphql.NewEnum(graphql.EnumConfig{Name: "SourceKind", Description: "What kind of text a source is.", Values: values})
	text := func(get func(*graph.SourceRecord) string) graphql.FieldResolveFn {
		return func(p graphql.ResolveParams) (any, error) {
			return nilIfEmpty(get(p.Source.(*graph.SourceRecord))), nil
		}
	}
	b.sourceRecord = graphql.NewObject(graphql.ObjectConfig{
		Name:        "SourceRecord",
		Description: "A source the graph's facts come from, as a record: what it is, who published it and when. Relations cite it (Source.record) with their own quote and section.",
		Fields: graphql.FieldsThunk(func() graphql.Fields {
			return graphql.Fields{
				"id": {Type: graphql.NewNonNull(graphql.ID), Description: "The record's id, such as source/novaya-gazeta-2023.",
					Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.SourceRecord).ID, nil }},
				"title":     {Type: graphql.String, Description: "The title of the text; null when not given.", Resolve: text(func(s *graph.SourceRecord) string { return s.Title })},
				"publisher": {Type: graphql.String, Description: "Who published it (a newspaper, a ministry, Wikipedia); null when not given.", Resolve: text(func(s *graph.SourceRecord) string { return s.Publisher })},
				"author":    {Type: graphql.String, Description: "Who wrote it; null when not given.", Resolve: text(func(s *graph.SourceRecord) string { return s.Author })},
				"published": {Type: graphql.String, Description: "When it was published: YYYY, YYYY-MM or YYYY-MM-DD; null when not given.", Resolve: text(func(s *graph.SourceRecord) string { return s.Published })},
				"retrieved": {Type: graphql.String, Description: "When the text quoted was read (for a page that changes); null when not given.", Resolve: text(func(s *graph.SourceRecord) string { return s.Retrieved })},
				"url":       {Type: graphql.String, Description: "Where the text is; null when not given. One record a URL.", Resolve: text(func(s *graph.SourceRecord) string { return s.URL })},
				"language":  {Type: graphql.String, Description: "The language of the text, a BCP 47 tag (en, ru, ka); null when not given.", Resolve: text(func(s *graph.SourceRecord) string { return s.Language })},
				"kind": {Type: b.sourceKind, Description: "What kind of text it is; null when not given.", Resolve: func(p graphql.ResolveParams) (any, error) {
					if k := p.Source.(*graph.SourceRecord).Kind; k != "" {
						return k, nil
					}
					return nil, nil
				}},
				"note": {Type: graphql.String, Description: "A remark on the source (how reliable, what it counts); null when none.", Resolve: text(func(s *graph.SourceRecord) string { return s.Note })},
				"facts": {Type: graphql.NewNonNull(graphql.Int), Description: "How many relations cite it (read from a counter, not counted).",
					Resolve: func(p graphql.ResolveParams) (any, error) {
						id := p.Source.(*graph.SourceRecord).ID
						n, err := b.api.store.CountCitations(p.Context, []string{id})
						return n[id], err
					}},
				"relations": {Type: graphql.NewNonNull(b.relationConn), Description: "What the source says: the relations that cite it, in id order, a page at a time.",
					Args: graphql.FieldConfigArgument{
						"first": {Type: graphql.Int, DefaultValue: defaultPage, Description: fmt.Sprintf("at most this many (default %d, at most %d)", defaultPage, graph.MaxPageSize)},
						"after": {Type: graphql.String, Description: "the endCursor of the previous page"},
					},
					Resolve: func(p graphql.ResolveParams) (any, error) {
						n, err := b.api.first(p.Args)
						if err != nil {
							return nil, err
						}
						id := p.Source.(*graph.SourceRecord).ID
						page, err := b.api.store.CitingRelations(p.Context, id, n, str(p.Args, "after"))
						if err != nil {
							return nil, err
						}
						return &relationConnection{filter: graph.RelationFilter{First: n, After: str(p.Args, "after")}, page: page, citing: id}, nil
					}},
			}
		}),
	})
	b.sourceRecordEdge = graphql.NewObject(graphql.ObjectConfig{Name: "SourceRecordEdge", Description: "A source record of a page, with its cursor.", Fields: graphql.Fields{
		"cursor": {Type: graphql.NewNonNull(graphql.String), Description: "An opaque position in the list: pass it as `after` to read on from this record."},
		"node":   {Type: graphql.NewNonNull(b.sourceRecord), Description: "The record."},
	}})
	b.sourceRecordConn = graphql.NewObject(graphql.ObjectConfig{Name: "SourceRecordConnection", Description: "A page of source records (see PageInfo for reading on).", Fields: graphql.FieldsThunk(func() graphql.Fields {
		return graphql.Fields{
			"nodes": {Type: nonNullList(b.sourceRecord), Description: "The records of this page.",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*graph.SourcePage).Sources, nil }},
			"edges": {Type: nonNullList(b.sourceRecordEdge), Description: "The records of this page, each with its cursor.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					page := p.Source.(*graph.SourcePage)
					return edges(page.Sources, page.Cursors), nil
				}},
			"pageInfo": {Type: graphql.NewNonNull(b.pageInfo), Description: "Whether more records follow, and the cursor to read them from.",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					page := p.Source.(*graph.SourcePage)
					return pageInfo(page.HasNextPage, page.Cursors), nil
				}},
		}
	})})
}

// sourcesField is Query.sources.
func (b *builder) sourcesField(f rootField) *graphql.Field {
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.sourceRecordConn),
		Description: "The source records, in id order: what the graph's facts come from. Each says how many facts it supports (facts) and what they are (relations).",
		Args: graphql.FieldConfigArgument{
			"kind":  {Type: b.sourceKind, Description: "only records of this kind"},
			"first": {Type: graphql.Int, DefaultValue: f.first, Description: fmt.Sprintf("at most this many (default %d, at most %d)", f.first, f.max)},
			"after": {Type: graphql.String, Description: "the endCursor of the previous page"},
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			n, err := b.api.first(p.Args)
			if err != nil {
				return nil, err
			}
			kind, _ := p.Args["kind"].(graph.SourceKind)
			return b.api.store.SourceRecords(p.Context, graph.SourceFilter{Kind: kind, First: n, After: str(p.Args, "after")})
		},
	}
}

// sourceField is Query.source.
func (b *builder) sourceField(rootField) *graphql.Field {
	return &graphql.Field{
		Type:        b.sourceRecord,
		Description: "The source record with this id; null when there is none.",
		Args:        graphql.FieldConfigArgument{"id": {Type: graphql.NewNonNull(graphql.ID), Description: "the record's id, such as source/novaya-gazeta-2023"}},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			rec, err := b.api.store.SourceRecord(p.Context, str(p.Args, "id"))
			if graph.ErrorCode(err) == graph.ENOTFOUND {
				return nil, nil
			}
			return rec, err
		},
	}
}

// citationRecord resolves Source.record: the records of a request's
// citations are read once each (a page of relations citing one source
// reads its record once).
func (b *builder) citationRecord(ctx context.Context, s *graph.Source) (*graph.SourceRecord, error) {
	if s.SourceID == "" {
		return nil, nil
	}
	c := recordCacheFrom(ctx)
	if c == nil {
		rec, err := b.api.store.SourceRecord(ctx, s.SourceID)
		if graph.ErrorCode(err) == graph.ENOTFOUND {
			return nil, nil
		}
		return rec, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if rec, ok := c.records[s.SourceID]; ok {
		return rec, nil
	}
	found, err := b.api.store.SourceRecordsByID(ctx, []string{s.SourceID})
	if err != nil {
		return nil, err
	}
	c.records[s.SourceID] = found[s.SourceID]
	return found[s.SourceID], nil
}

// recordCache holds the source records one request has read.
type recordCache struct {
	mu      sync.Mutex
	records map[string]*graph.SourceRecord
}

func recordCacheFrom(ctx context.Context) *recordCache {
	if l, ok := ctx.Value(loaderKey{}).(*loader); ok {
		return &l.records
	}
	return nil
}

// citationText is a citation's title or URL: its own (a citation stored
// before source records), else its record's.
func (b *builder) citationText(get func(*graph.Source) string, ofRecord func(*graph.SourceRecord) string) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		s := p.Source.(*graph.Source)
		if v := get(s); v != "" {
			return v, nil
		}
		rec, err := b.citationRecord(p.Context, s)
		if err != nil || rec == nil {
			return nil, err
		}
		return nilIfEmpty(ofRecord(rec)), nil
	}
}

// sourceFigures is one source's figures in a group (FigureGroup.bySource).
type sourceFigures struct {
	source  string // the record's id; "" for citations without one
	figures []*graph.Relation
}

// sourceFiguresType is SourceFigures.
func (b *builder) sourceFiguresType() *graphql.Object {
	return graphql.NewObject(graphql.ObjectConfig{Name: "SourceFigures",
		Description: "The figures of a group that one source states: who says what, side by side with the other sources.",
		Fields: graphql.Fields{
			"source": {Type: b.sourceRecord, Description: "the source; null for the figures whose citations name no source record",
				Resolve: func(p graphql.ResolveParams) (any, error) {
					id := p.Source.(*sourceFigures).source
					if id == "" {
						return nil, nil
					}
					return b.citationRecord(p.Context, &graph.Source{SourceID: id})
				}},
			"count": {Type: graphql.NewNonNull(graphql.Int), Description: "how many of the figures split it states",
				Resolve: func(p graphql.ResolveParams) (any, error) { return len(p.Source.(*sourceFigures).figures), nil }},
			"figures": {Type: nonNullList(b.relation), Description: "its figures, latest first",
				Resolve: func(p graphql.ResolveParams) (any, error) { return p.Source.(*sourceFigures).figures, nil }},
		}})
}

// bySource splits the latest n figures of a group by the sources that
// state them: a figure two sources state is under both. It reads what
// FigureGroup.figures(first: n) reads (the group's index entries and n
// relations); the sources come in the order of their latest figure.
func (a *API) bySource(ctx context.Context, g *figureGroup, n int) ([]*sourceFigures, error) {
	rels, err := a.groupFigures(ctx, g, n)
	if err != nil {
		return nil, err
	}
	byID := map[string]*sourceFigures{}
	var out []*sourceFigures
	for _, r := range rels {
		ids := r.SourceIDs()
		for _, s := range r.Sources {
			if s.SourceID == "" { // cited without a record: among the unnamed
				ids = append(ids, "")
				break
			}
		}
		for _, id := range ids {
			sf := byID[id]
			if sf == nil {
				sf = &sourceFigures{source: id}
				byID[id] = sf
				out = append(out, sf)
			}
			sf.figures = append(sf.figures, r)
		}
	}
	// uncited figures last; the sources otherwise as their latest figure ranks
	sort.SliceStable(out, func(i, j int) bool { return out[i].source != "" && out[j].source == "" })
	return out, nil
}

// retractSourceField is Mutation.retractSource.
func (b *builder) retractSourceField(dry *graphql.ArgumentConfig) *graphql.Field {
	return &graphql.Field{
		Type: graphql.NewNonNull(b.writeResult),
		Description: "Take back a source: retract every relation only it supports, remove its citations from the relations other sources support too, and remove its record; all or nothing. " +
			"A dry run lists what it would change (changes).",
		Args: graphql.FieldConfigArgument{
			"id":     {Type: graphql.NewNonNull(graphql.ID), Description: "the source record's id (SourceRecord.id)"},
			"dryRun": dry,
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			if err := checkWrite(p.Context); err != nil {
				return nil, err
			}
			c := &graph.Changeset{SourceRetractions: []graph.SourceRetraction{{Where: "id", ID: str(p.Args, "id")}}}
			if planner, ok := b.api.store.(graph.Planner); ok && p.Args["dryRun"] == true {
				plan, err := planner.Plan(p.Context, c)
				if err != nil {
					return writeResult(p.Context, graph.Summary{}, err)
				}
				plan.Summary.DryRun = true
				res, err := writeResult(p.Context, plan.Summary, nil)
				if m, ok := res.(map[string]any); ok {
					m["changes"] = changeLines(plan.Changes())
				}
				return res, err
			}
			return b.api.apply(p.Context, c, p.Args["dryRun"] == true)
		},
	}
}

// changeLines writes a plan's changes as diff lines (graph.Change.String).
func changeLines(cs []graph.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}
