package schema

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/graph"
)

// forbidden is the error of a write without write access.
type forbidden struct{ reason string }

func (f *forbidden) Error() string { return f.reason }

type writeAccessKey struct{}

// WithWriteAccess marks a request's context as allowed to write (reason ""),
// or refused with the reason given ("no token configured: the server is
// read-only"). The server decides; the schema only obeys.
func WithWriteAccess(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, writeAccessKey{}, reason)
}

func checkWrite(ctx context.Context) error {
	reason, ok := ctx.Value(writeAccessKey{}).(string)
	if !ok {
		return &forbidden{"writes need an Authorization: Bearer <token> header"}
	}
	if reason != "" {
		return &forbidden{reason}
	}
	return nil
}

func (b *builder) writeTypes() {
	summaryFields := graphql.Fields{}
	for _, name := range []string{"predicatesAdded", "predicatesUpdated", "predicatesUnchanged",
		"entitiesAdded", "entitiesUpdated", "entitiesUnchanged",
		"relationsAdded", "relationsUpdated", "relationsUnchanged", "relationsRetracted"} {
		summaryFields[name] = &graphql.Field{Type: graphql.NewNonNull(graphql.Int)}
	}
	summaryFields["dryRun"] = &graphql.Field{Type: graphql.NewNonNull(graphql.Boolean)}
	b.summary = graphql.NewObject(graphql.ObjectConfig{Name: "WriteSummary", Description: "What a write did, or for a dry run would do.", Fields: summaryFields})
	b.itemError = graphql.NewObject(graphql.ObjectConfig{Name: "ItemError", Description: "One problem of one input item.", Fields: graphql.Fields{
		"where":   {Type: graphql.NewNonNull(graphql.String), Description: "where the item came from, as file:line or an argument path"},
		"field":   {Type: graphql.NewNonNull(graphql.String)},
		"message": {Type: graphql.NewNonNull(graphql.String)},
	}})
	b.writeResult = graphql.NewObject(graphql.ObjectConfig{Name: "WriteResult",
		Description: "A write is all or nothing: ok is false and errors list every problem when anything was refused, and then nothing was written.",
		Fields: graphql.Fields{
			"ok":      {Type: graphql.NewNonNull(graphql.Boolean)},
			"summary": {Type: graphql.NewNonNull(b.summary)},
			"errors":  {Type: nonNullList(b.itemError)},
		}})
	b.quantityInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "QuantityInput", Fields: graphql.InputObjectConfigFieldMap{
		"amount":        {Type: graphql.NewNonNull(graphql.Float)},
		"lowerBound":    {Type: graphql.Float},
		"upperBound":    {Type: graphql.Float},
		"unit":          {Type: graphql.String},
		"approximation": {Type: b.approximation, DefaultValue: graph.Exact},
	}})
	b.sourceInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "SourceInput", Fields: graphql.InputObjectConfigFieldMap{
		"quote":   {Type: graphql.NewNonNull(graphql.String)},
		"section": {Type: graphql.String},
		"title":   {Type: graphql.String},
		"url":     {Type: graphql.String},
	}})
	b.documentInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "DocumentInput", Fields: graphql.InputObjectConfigFieldMap{
		"name":     {Type: graphql.String, Description: "a file name for error positions"},
		"format":   {Type: graphql.NewNonNull(graphql.String), Description: "native, csv, jsonl or nquads"},
		"document": {Type: graphql.NewNonNull(graphql.String)},
	}})
	b.entityInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "EntityInput",
		Description: "An entity to add, or a correction of one: for an existing id, fields given replace the stored ones, aliases are added and removeAliases taken away.",
		Fields: graphql.InputObjectConfigFieldMap{
			"id":            {Type: graphql.NewNonNull(graphql.ID)},
			"name":          {Type: graphql.String},
			"type":          {Type: b.entityTypeEnum},
			"aliases":       {Type: graphql.NewList(graphql.NewNonNull(graphql.String))},
			"removeAliases": {Type: graphql.NewList(graphql.NewNonNull(graphql.String))},
			"description":   {Type: graphql.String},
		}})
	b.relationInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "RelationInput",
		Description: "A relation to state. subject and object are entity ids or names.",
		Fields: graphql.InputObjectConfigFieldMap{
			"id":        {Type: graphql.ID},
			"subject":   {Type: graphql.NewNonNull(graphql.String)},
			"predicate": {Type: graphql.NewNonNull(graphql.String)},
			"object":    {Type: graphql.String},
			"date":      {Type: graphql.String},
			"endDate":   {Type: graphql.String},
			"quantity":  {Type: b.quantityInput},
			"note":      {Type: graphql.String},
			"sources":   {Type: graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(b.sourceInput)))},
		}})
}

func (b *builder) mutation() *graphql.Object {
	api := b.api
	dry := &graphql.ArgumentConfig{Type: graphql.Boolean, DefaultValue: false, Description: "check and count, write nothing"}
	return graphql.NewObject(graphql.ObjectConfig{
		Name:        "Mutation",
		Description: "Writes. Each needs an Authorization: Bearer <token> header; a server without a token is read-only.",
		Fields: graphql.Fields{
			"importFacts": {
				Type:        graphql.NewNonNull(b.writeResult),
				Description: "Load a fact document (format: native, csv, jsonl or nquads), all or nothing.",
				Args: graphql.FieldConfigArgument{
					"format":   {Type: graphql.NewNonNull(graphql.String)},
					"document": {Type: graphql.NewNonNull(graphql.String)},
					"dryRun":   dry,
				},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if api.opts.Parse == nil {
						return nil, graph.Errorf(graph.EINVALID, "importFacts is not available on this server")
					}
					if err := checkWrite(p.Context); err != nil {
						return nil, err
					}
					// a GraphQL string arrives whole (its JSON framing says where it
					// ends), so the native format's guard against cut-off files (a
					// last line must end with a newline) does not apply to it
					doc := str(p.Args, "document")
					if !strings.HasSuffix(doc, "\n") {
						doc += "\n"
					}
					c, err := api.opts.Parse(str(p.Args, "format"), "document", strings.NewReader(doc))
					if err != nil {
						var ve *graph.ValidationError
						if !errors.As(err, &ve) {
							err = &graph.ValidationError{Items: []graph.ItemError{{Where: "document", Problems: graph.Problems{{Field: "document", Message: err.Error()}}}}}
						}
						refused(p.Context, err)
						return writeResult(graph.Summary{}, err)
					}
					return api.apply(p.Context, c, p.Args["dryRun"] == true)
				},
			},
			"importDocuments": {
				Type:        graphql.NewNonNull(b.writeResult),
				Description: "Load several fact documents as one all-or-nothing write (what `emigraph load --server` sends).",
				Args: graphql.FieldConfigArgument{
					"documents": {Type: graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(b.documentInput)))},
					"dryRun":    dry,
				},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if api.opts.Parse == nil {
						return nil, graph.Errorf(graph.EINVALID, "importDocuments is not available on this server")
					}
					if err := checkWrite(p.Context); err != nil {
						return nil, err
					}
					raw, _ := p.Args["documents"].([]any)
					docs := make([]ImportDocument, len(raw))
					for i, d := range raw {
						m, _ := d.(map[string]any)
						docs[i] = ImportDocument{Name: str(m, "name"), Format: str(m, "format"), Body: strings.NewReader(str(m, "document"))}
					}
					sum, err := api.Import(p.Context, docs, p.Args["dryRun"] == true)
					refused(p.Context, err)
					return writeResult(sum, err)
				},
			},
			"upsertEntity": {
				Type: graphql.NewNonNull(b.writeResult),
				Args: graphql.FieldConfigArgument{"entity": {Type: graphql.NewNonNull(b.entityInput)}, "dryRun": dry},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if err := checkWrite(p.Context); err != nil {
						return nil, err
					}
					in, _ := p.Args["entity"].(map[string]any)
					e := graph.Entity{ID: str(in, "id"), Name: str(in, "name"), Description: str(in, "description"), Aliases: strList(in, "aliases")}
					e.Type, _ = in["type"].(graph.EntityType)
					c := &graph.Changeset{Entities: []graph.EntityChange{{Where: "entity", Entity: e, RemoveAliases: strList(in, "removeAliases")}}}
					return api.apply(p.Context, c, p.Args["dryRun"] == true)
				},
			},
			"addRelation": {
				Type: graphql.NewNonNull(b.writeResult),
				Args: graphql.FieldConfigArgument{"relation": {Type: graphql.NewNonNull(b.relationInput)}, "dryRun": dry},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if err := checkWrite(p.Context); err != nil {
						return nil, err
					}
					in, _ := p.Args["relation"].(map[string]any)
					c := &graph.Changeset{Relations: []graph.RelationChange{{Where: "relation", Relation: relationFromInput(in)}}}
					return api.apply(p.Context, c, p.Args["dryRun"] == true)
				},
			},
			"retractRelation": {
				Type: graphql.NewNonNull(b.writeResult),
				Args: graphql.FieldConfigArgument{"id": {Type: graphql.NewNonNull(graphql.ID)}, "dryRun": dry},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if err := checkWrite(p.Context); err != nil {
						return nil, err
					}
					c := &graph.Changeset{Retractions: []graph.Retraction{{Where: "id", Relation: graph.Relation{ID: str(p.Args, "id")}}}}
					return api.apply(p.Context, c, p.Args["dryRun"] == true)
				},
			},
		},
	})
}

func relationFromInput(in map[string]any) graph.Relation {
	r := graph.Relation{ID: str(in, "id"), Subject: str(in, "subject"), Predicate: str(in, "predicate"),
		Object: str(in, "object"), Date: str(in, "date"), EndDate: str(in, "endDate"), Note: str(in, "note")}
	if q, ok := in["quantity"].(map[string]any); ok {
		qt := &graph.Quantity{Unit: str(q, "unit")}
		qt.Amount, _ = q["amount"].(float64)
		if v, ok := q["lowerBound"].(float64); ok {
			qt.LowerBound = &v
		}
		if v, ok := q["upperBound"].(float64); ok {
			qt.UpperBound = &v
		}
		qt.Approximation, _ = q["approximation"].(graph.Approximation)
		r.Quantity = qt
	}
	if srcs, ok := in["sources"].([]any); ok {
		for _, s := range srcs {
			if m, ok := s.(map[string]any); ok {
				r.Sources = append(r.Sources, graph.Source{Quote: str(m, "quote"), Section: str(m, "section"), Title: str(m, "title"), URL: str(m, "url")})
			}
		}
	}
	return r
}

// apply writes a changeset and rebuilds the schema when predicates changed.
func (a *API) apply(ctx context.Context, c *graph.Changeset, dryRun bool) (any, error) {
	sum, err := a.write(ctx, c, dryRun)
	refused(ctx, err)
	return writeResult(sum, err)
}

// write applies a changeset, serialised with the other writes, and rebuilds
// the schema when it added or changed predicates.
func (a *API) write(ctx context.Context, c *graph.Changeset, dryRun bool) (graph.Summary, error) {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	sum, err := a.store.Apply(ctx, c, dryRun)
	if err == nil && !dryRun && sum.PredicatesAdded+sum.PredicatesUpdated > 0 {
		err = a.Rebuild(ctx)
	}
	return sum, err
}

// ImportDocument is one fact document of an import: its name (for error
// locations), its format (a name or extension the Parse option knows) and
// its text, read once.
type ImportDocument struct {
	Name, Format string
	Body         io.Reader
}

// Import parses documents and writes them as one all-or-nothing load (what
// importDocuments does). Problems in any document refuse the whole import
// as a *graph.ValidationError naming each document's places; nothing is
// written. The caller checks write access.
func (a *API) Import(ctx context.Context, docs []ImportDocument, dryRun bool) (graph.Summary, error) {
	i := 0
	return a.ImportStream(ctx, func() (ImportDocument, bool, error) {
		if i == len(docs) {
			return ImportDocument{}, false, nil
		}
		i++
		return docs[i-1], true, nil
	}, dryRun)
}

// ImportStream is Import over documents that arrive one after another (the
// parts of an upload): next returns the next document, false after the
// last, or the error that ends the stream (which ends the import with
// nothing written). Each document is parsed before the next is asked for.
func (a *API) ImportStream(ctx context.Context, next func() (ImportDocument, bool, error), dryRun bool) (graph.Summary, error) {
	if a.opts.Parse == nil {
		return graph.Summary{}, graph.Errorf(graph.EINVALID, "imports are not available on this server")
	}
	all := &graph.Changeset{}
	var problems []graph.ItemError
	for i := 0; ; i++ {
		d, ok, err := next()
		if err != nil {
			return graph.Summary{}, err
		}
		if !ok {
			break
		}
		if d.Name == "" {
			d.Name = "documents[" + strconv.Itoa(i) + "]"
		}
		c, err := a.opts.Parse(d.Format, d.Name, d.Body)
		var ve *graph.ValidationError
		switch {
		case errors.As(err, &ve):
			problems = append(problems, ve.Items...)
		case err != nil:
			problems = append(problems, graph.ItemError{Where: d.Name, Problems: graph.Problems{{Field: "document", Message: err.Error()}}})
		default:
			all.Append(c)
		}
		if err := ctx.Err(); err != nil {
			return graph.Summary{}, err
		}
	}
	if len(problems) > 0 {
		return graph.Summary{}, &graph.ValidationError{Items: problems}
	}
	return a.write(ctx, all, dryRun)
}

type refusalKey struct{}

// WithRefusalHook returns a context in which a write refused for its
// content (ok: false, with problems) calls fn with the problems' code, so
// that the HTTP layer can log and count a refusal it otherwise sees only
// as a 200 with data.
func WithRefusalHook(ctx context.Context, fn func(code string)) context.Context {
	return context.WithValue(ctx, refusalKey{}, fn)
}

func refused(ctx context.Context, err error) {
	if fn, ok := ctx.Value(refusalKey{}).(func(string)); ok && err != nil {
		fn(graph.ErrorCode(err))
	}
}

func writeResult(sum graph.Summary, err error) (any, error) {
	var ve *graph.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return nil, err
	}
	errs := []map[string]any{}
	if ve != nil {
		errs = problemList(ve)
	}
	return map[string]any{
		"ok": err == nil,
		"summary": map[string]any{
			"predicatesAdded": sum.PredicatesAdded, "predicatesUpdated": sum.PredicatesUpdated, "predicatesUnchanged": sum.PredicatesUnchanged,
			"entitiesAdded": sum.EntitiesAdded, "entitiesUpdated": sum.EntitiesUpdated, "entitiesUnchanged": sum.EntitiesUnchanged,
			"relationsAdded": sum.RelationsAdded, "relationsUpdated": sum.RelationsUpdated, "relationsUnchanged": sum.RelationsUnchanged,
			"relationsRetracted": sum.RelationsRetracted, "dryRun": sum.DryRun,
		},
		"errors": errs,
	}, nil
}
