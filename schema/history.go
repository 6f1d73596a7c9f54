package schema

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"time"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// The history of the graph over GraphQL: Query.history (an item's
// changes), Query.changes (the writes since a time), and reads as of a
// time (entity, relation and Entity.relations take asOf). Mutations take a
// message, which the change they make records.

// historyTypes are the GraphQL types of the history, made once a schema.
type historyTypes struct {
	change, changeFile, changeConn, changeEdge *graphql.Object
	itemChange, historyConn, historyEdge       *graphql.Object
	changeKind, itemKind                       *graphql.Enum
}

func (b *builder) historyTypes() *historyTypes {
	if b.history != nil {
		return b.history
	}
	h := &historyTypes{}
	b.history = h
	h.changeKind = graphql.NewEnum(graphql.EnumConfig{Name: "ChangeKind", Description: "What a change did to an item.", Values: graphql.EnumValueConfigMap{
		"ADDED":   {Value: graph.ChangeAdded, Description: "added it (or it was there when its store was built, or when the store's history began)"},
		"UPDATED": {Value: graph.ChangeUpdated, Description: "changed it (a relation corrected, or stated again with another source; an entity renamed)"},
		"REMOVED": {Value: graph.ChangeRemoved, Description: "removed it (a relation retracted)"},
	}})
	h.itemKind = graphql.NewEnum(graphql.EnumConfig{Name: "ItemKind", Description: "What kind of item a history is of.", Values: graphql.EnumValueConfigMap{
		"ENTITY":    {Value: graph.ItemEntity, Description: "an entity: entityBefore and entityAfter"},
		"RELATION":  {Value: graph.ItemRelation, Description: "a relation: relationBefore and relationAfter"},
		"PREDICATE": {Value: graph.ItemPredicate, Description: "a predicate: predicateBefore and predicateAfter"},
	}})
	h.changeFile = graphql.NewObject(graphql.ObjectConfig{Name: "ChangeFile", Description: "A file a write loaded.", Fields: graphql.Fields{
		"name":   {Type: graphql.NewNonNull(graphql.String), Description: "the file's name, as the loader gave it"},
		"sha256": {Type: graphql.String, Description: "the SHA-256 of the file's bytes, in hex", Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(p.Source.(graph.ChangeFile).SHA256), nil }},
	}})
	commit := func(p graphql.ResolveParams) *graph.Commit { return p.Source.(*graph.Commit) }
	h.change = graphql.NewObject(graphql.ObjectConfig{Name: "Change", Description: "A write the graph recorded: when, by which load, and why.", Fields: graphql.Fields{
		"seq": {Type: graphql.NewNonNull(graphql.Int), Description: "The change's number: 1 for the first, one more for each after.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return int(commit(p).Seq), nil }},
		"time": {Type: graphql.NewNonNull(graphql.String), Description: "When it was written, in RFC 3339 (UTC, to the nanosecond): asOf takes it.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return commit(p).Time.UTC().Format(time.RFC3339Nano), nil }},
		"method": {Type: graphql.NewNonNull(graphql.String), Description: "How it was written: write (transactions: a mutation, a load), build (a new store built whole), rebuild (a store written anew with a load), baseline (what a store written before history held when its history began).",
			Resolve: func(p graphql.ResolveParams) (any, error) { return commit(p).Method, nil }},
		"files": {Type: nonNullList(h.changeFile), Description: "The files the write loaded, each with its SHA-256; empty for a mutation.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				if f := commit(p).Files; f != nil {
					return f, nil
				}
				return []graph.ChangeFile{}, nil
			}},
		"token": {Type: graphql.String, Description: "The name of the token that allowed the write (never the token); null for a write made on the server's machine.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(commit(p).Token), nil }},
		"message": {Type: graphql.String, Description: "Why: the message the writer gave (emigraph load --message, a mutation's message).",
			Resolve: func(p graphql.ResolveParams) (any, error) { return nilIfEmpty(commit(p).Message), nil }},
		"summary": {Type: graphql.NewNonNull(b.summary), Description: "What the write did.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return summaryMap(commit(p).Summary), nil }},
	}})
	h.changeEdge, h.changeConn = changePageTypes(b, "Change", "A change of a page, with its cursor.", "The change.",
		"A page of changes, oldest first (see PageInfo for reading on).", h.change,
		func(p graphql.ResolveParams) ([]*graph.Commit, []string, bool) {
			pg := p.Source.(*graph.CommitPage)
			return pg.Commits, pg.Cursors, pg.HasNextPage
		})
	b.itemChangeTypes(h)
	return h
}

// itemChangeTypes makes ItemChange and its connection.
func (b *builder) itemChangeTypes(h *historyTypes) {
	ic := func(p graphql.ResolveParams) *graph.ItemChange { return p.Source.(*graph.ItemChange) }
	orNil := func(v any, isNil bool) (any, error) {
		if isNil {
			return nil, nil
		}
		return v, nil
	}
	h.itemChange = graphql.NewObject(graphql.ObjectConfig{Name: "ItemChange", Description: "What one change did to one item: its state before and after (null where it was absent), in the fields of its kind.", Fields: graphql.Fields{
		"change": {Type: graphql.NewNonNull(h.change), Description: "The change: when, by which load, and why.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return ic(p).Commit, nil }},
		"kind": {Type: graphql.NewNonNull(h.changeKind), Description: "What it did to the item.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return ic(p).Kind, nil }},
		"item": {Type: graphql.NewNonNull(h.itemKind), Description: "What kind of item it is: which of the before and after fields it fills.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return ic(p).Item, nil }},
		"id": {Type: graphql.NewNonNull(graphql.ID), Description: "The item's id.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return ic(p).ID, nil }},
		"entityBefore": {Type: b.entityType, Description: "An entity as it was before the change.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				return orNil(ic(p).EntityBefore, ic(p).EntityBefore == nil)
			}},
		"entityAfter": {Type: b.entityType, Description: "An entity as the change left it.",
			Resolve: func(p graphql.ResolveParams) (any, error) { return orNil(ic(p).EntityAfter, ic(p).EntityAfter == nil) }},
		"relationBefore": {Type: b.relation, Description: "A relation as it was before the change.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				return orNil(ic(p).RelationBefore, ic(p).RelationBefore == nil)
			}},
		"relationAfter": {Type: b.relation, Description: "A relation as the change left it.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				return orNil(ic(p).RelationAfter, ic(p).RelationAfter == nil)
			}},
		"predicateBefore": {Type: b.predicate, Description: "A predicate as it was before the change.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				return orNil(ic(p).PredicateBefore, ic(p).PredicateBefore == nil)
			}},
		"predicateAfter": {Type: b.predicate, Description: "A predicate as the change left it.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				return orNil(ic(p).PredicateAfter, ic(p).PredicateAfter == nil)
			}},
	}})
	h.historyEdge, h.historyConn = changePageTypes(b, "ItemChange", "A change of an item's history, with its cursor.", "The change of the item.",
		"A page of an item's history, oldest first (see PageInfo for reading on).", h.itemChange,
		func(p graphql.ResolveParams) ([]*graph.ItemChange, []string, bool) {
			pg := p.Source.(*graph.HistoryPage)
			return pg.Changes, pg.Cursors, pg.HasNextPage
		})
}

// summaryMap is a summary as WriteSummary's fields read it.
func summaryMap(sum graph.Summary) map[string]any {
	return map[string]any{
		"predicatesAdded": sum.PredicatesAdded, "predicatesUpdated": sum.PredicatesUpdated, "predicatesUnchanged": sum.PredicatesUnchanged,
		"entitiesAdded": sum.EntitiesAdded, "entitiesUpdated": sum.EntitiesUpdated, "entitiesUnchanged": sum.EntitiesUnchanged,
		"relationsAdded": sum.RelationsAdded, "relationsUpdated": sum.RelationsUpdated, "relationsUnchanged": sum.RelationsUnchanged,
		"relationsRetracted": sum.RelationsRetracted, "retractionsNotFound": sum.RetractionsNotFound, "dryRun": sum.DryRun,
	}
}

// historian is the store's history, or an error saying it keeps none.
func (a *API) historian() (graph.Historian, error) {
	h, ok := a.store.(graph.Historian)
	if !ok {
		return nil, graph.Errorf(graph.EINVALID, "this store keeps no history")
	}
	return h, nil
}

func (b *builder) historyField(f rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.historyTypes().historyConn),
		Description: "The history of an entity, relation or predicate, by id, oldest change first: each change with its time, the load that made it (files, token name, message) and the item before and after. An item removed since keeps its history.",
		Args: graphql.FieldConfigArgument{
			"id":    {Type: graphql.NewNonNull(graphql.ID), Description: "the item's id: an entity's (country/georgia), a relation's (Relation.id) or a predicate's (fled-to)"},
			"first": {Type: graphql.Int, DefaultValue: f.first, Description: descFirst("changes", f.first)},
			"after": {Type: graphql.String, Description: descAfter},
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			h, err := api.historian()
			if err != nil {
				return nil, err
			}
			n, err := api.first(p.Args)
			if err != nil {
				return nil, err
			}
			return h.History(p.Context, str(p.Args, "id"), n, str(p.Args, "after"))
		},
	}
}

func (b *builder) changesField(f rootField) *graphql.Field {
	api := b.api
	return &graphql.Field{
		Type:        graphql.NewNonNull(b.historyTypes().changeConn),
		Description: "The writes made at or after a time, oldest first: when, by which load (files, token name), why (message), and what each did in counts; history(id:) has what one did to an item.",
		Args: graphql.FieldConfigArgument{
			"since": {Type: graphql.String, Description: descTime("only changes made at or after this time") + "; leave out for every change"},
			"first": {Type: graphql.Int, DefaultValue: f.first, Description: descFirst("changes", f.first)},
			"after": {Type: graphql.String, Description: descAfter},
		},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			h, err := api.historian()
			if err != nil {
				return nil, err
			}
			n, err := api.first(p.Args)
			if err != nil {
				return nil, err
			}
			since, _, err := timeArg(p.Args, "since", false)
			if err != nil {
				return nil, err
			}
			return h.Changes(p.Context, since, n, str(p.Args, "after"))
		},
	}
}

// descTime describes an argument that takes a time.
func descTime(what string) string {
	return what + ": RFC 3339 (2026-05-01T12:00:00Z, as Change.time gives it), or a day, YYYY-MM-DD, for its start (since) or its end (asOf), in UTC"
}

// asOfArg is the asOf argument of a read.
func asOfArg(what string) *graphql.ArgumentConfig {
	return &graphql.ArgumentConfig{Type: graphql.String, Description: descTime(what + " as the graph held it at this time (the changes query lists the times of the writes); before the first change, nothing")}
}

// timeArg reads a time argument (ok false when it is not given): RFC 3339,
// or a day, its start or (endOfDay) its end.
func timeArg(args map[string]any, name string, endOfDay bool) (time.Time, bool, error) {
	s := str(args, name)
	if s == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true, nil
	}
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, false, graph.Errorf(graph.EINVALID, "%s: %q is not a time in RFC 3339 (2026-05-01T12:00:00Z) or a day (2026-05-01)", name, s)
	}
	if endOfDay {
		day = day.Add(24*time.Hour - time.Nanosecond)
	}
	return day, true, nil
}

// asOf reads the asOf argument of a read.
func asOf(args map[string]any) (time.Time, bool, error) { return timeArg(args, "asOf", true) }

// entityAsOf is entity(id:, asOf:).
func (a *API) entityAsOf(ctx context.Context, id, name string, at time.Time) (any, error) {
	if id == "" || name != "" {
		return nil, graph.Errorf(graph.EINVALID, "entity: asOf reads an entity by id (names are those of now)")
	}
	h, err := a.historian()
	if err != nil {
		return nil, err
	}
	e, err := h.EntityAsOf(ctx, id, at)
	if graph.ErrorCode(err) == graph.ENOTFOUND {
		return nil, nil
	}
	return e, err
}

// relationAsOf is relation(id:, asOf:).
func (a *API) relationAsOf(ctx context.Context, id string, at time.Time) (any, error) {
	h, err := a.historian()
	if err != nil {
		return nil, err
	}
	r, err := h.RelationAsOf(ctx, id, at)
	if graph.ErrorCode(err) == graph.ENOTFOUND {
		return nil, nil
	}
	return r, err
}

// relationsAsOf is Entity.relations(asOf:).
func (a *API) relationsAsOf(ctx context.Context, f graph.RelationFilter, at time.Time) (*relationConnection, error) {
	h, err := a.historian()
	if err != nil {
		return nil, err
	}
	page, err := h.RelationsAsOf(ctx, f, at)
	if err != nil {
		return nil, err
	}
	return &relationConnection{filter: f, page: page, asOf: &at}, nil
}

// countAsOf counts the relations of a connection as of its time, a page
// of the largest size at a time (each charged to the work budget).
func (a *API) countAsOf(ctx context.Context, c *relationConnection) (int, error) {
	h, err := a.historian()
	if err != nil {
		return 0, err
	}
	f := c.filter
	f.First, f.After = graph.MaxPageSize, ""
	n := 0
	for {
		page, err := h.RelationsAsOf(ctx, f, *c.asOf)
		if err != nil {
			return 0, err
		}
		n += len(page.Relations)
		if !page.HasNextPage {
			return n, nil
		}
		f.After = page.Cursors[len(page.Cursors)-1]
	}
}

// withMessage gives every mutation a message argument, which the change
// it makes records, like a commit message.
func withMessage(fields graphql.Fields) graphql.Fields {
	for _, f := range fields {
		if f.Args == nil {
			f.Args = graphql.FieldConfigArgument{}
		}
		f.Args["message"] = &graphql.ArgumentConfig{Type: graphql.String, Description: "why: a message the change this write makes records (Change.message), like a commit message"}
		resolve := f.Resolve
		f.Resolve = func(p graphql.ResolveParams) (any, error) {
			if m := str(p.Args, "message"); m != "" {
				if err := graph.CheckChangeMessage(m); err != nil {
					return nil, err
				}
				p.Context = WithMessage(p.Context, m)
			}
			return resolve(p)
		}
	}
	return fields
}

// WithMessage returns ctx whose writes record the message (see
// graph.ChangeInfo), beside what ctx says of them already.
func WithMessage(ctx context.Context, message string) context.Context {
	info := graph.ChangeInfoOf(ctx)
	info.Message = message
	return graph.WithChangeInfo(ctx, info)
}

// WithTokenName returns ctx whose writes record the name of the token that
// allowed them.
func WithTokenName(ctx context.Context, name string) context.Context {
	info := graph.ChangeInfoOf(ctx)
	info.Token = name
	return graph.WithChangeInfo(ctx, info)
}

// hashedDocument hashes a document's body as it is read; file gives its
// name and hash once it is read whole.
func hashedDocument(d *ImportDocument) (file func() graph.ChangeFile) {
	h := sha256.New()
	body := io.TeeReader(d.Body, h)
	d.Body = body
	name := d.Name
	return func() graph.ChangeFile {
		// what a parser left unread is hashed too: the hash is the file's
		io.Copy(io.Discard, body)
		return graph.ChangeFile{Name: name, SHA256: sumHex(h)}
	}
}

func sumHex(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// withFiles returns ctx whose writes record the files.
func withFiles(ctx context.Context, files []func() graph.ChangeFile) context.Context {
	info := graph.ChangeInfoOf(ctx)
	for _, f := range files {
		info.Files = append(info.Files, f())
	}
	return graph.WithChangeInfo(ctx, info)
}

// entityRelationArgs are the arguments of Entity.relations: the filters
// of every list of an entity's relations, and asOf.
func (b *builder) entityRelationArgs() graphql.FieldConfigArgument {
	args := b.relationArgs(false, defaultPage)
	args["asOf"] = asOfArg("the entity's relations (with direction, predicate(s), first and after; no other filter)")
	return args
}

// changePageTypes makes the Edge and Connection types of a page of
// changes, named after the node's type: page gives a page's nodes, their
// cursors and whether more follow.
func changePageTypes[T any](b *builder, name, edgeDesc, nodeDesc, connDesc string, node *graphql.Object,
	page func(graphql.ResolveParams) (nodes []T, cursors []string, hasNext bool)) (edge, conn *graphql.Object) {
	edge = graphql.NewObject(graphql.ObjectConfig{Name: name + "Edge", Description: edgeDesc, Fields: graphql.Fields{
		"cursor": {Type: graphql.NewNonNull(graphql.String), Description: "An opaque position in the list: pass it as `after` to read on from this change."},
		"node":   {Type: graphql.NewNonNull(node), Description: nodeDesc},
	}})
	conn = graphql.NewObject(graphql.ObjectConfig{Name: name + "Connection", Description: connDesc, Fields: graphql.Fields{
		"nodes": {Type: nonNullList(node), Description: "The changes of this page.",
			Resolve: func(p graphql.ResolveParams) (any, error) { nodes, _, _ := page(p); return nodes, nil }},
		"edges": {Type: nonNullList(edge), Description: "The changes of this page, each with its cursor.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				nodes, cursors, _ := page(p)
				return edges(nodes, cursors), nil
			}},
		"pageInfo": {Type: graphql.NewNonNull(b.pageInfo), Description: "Whether more changes follow, and the cursor to read them from.",
			Resolve: func(p graphql.ResolveParams) (any, error) {
				_, cursors, hasNext := page(p)
				return pageInfo(hasNext, cursors), nil
			}},
	}})
	return edge, conn
}
