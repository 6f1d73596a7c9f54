package schema

import (
	"context"
	"errors"
	"fmt"
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
	for _, kind := range []string{"predicates", "entities", "relations", "sources"} {
		for _, c := range []struct{ suffix, what string }{
			{"Added", "new ones the write added"},
			{"Updated", "stored ones the write changed (a relation stated again with a new source is updated)"},
			{"Unchanged", "ones the write stated that were already stored as stated"},
		} {
			summaryFields[kind+c.suffix] = &graphql.Field{Type: graphql.NewNonNull(graphql.Int), Description: "How many " + kind + ": " + c.what + "."}
		}
	}
	summaryFields["sourcesRetracted"] = &graphql.Field{Type: graphql.NewNonNull(graphql.Int), Description: "How many source records the write retracted (retractSource)."}
	summaryFields["relationsRetracted"] = &graphql.Field{Type: graphql.NewNonNull(graphql.Int), Description: "How many relations the write retracted (removed)."}
	summaryFields["retractionsNotFound"] = &graphql.Field{Type: graphql.NewNonNull(graphql.Int), Description: "How many retractions matched no relation: already retracted, or a wrong id (not an error: retracting twice changes nothing)."}
	summaryFields["dryRun"] = &graphql.Field{Type: graphql.NewNonNull(graphql.Boolean), Description: "True when this was a dry run: the counts say what the write would do, and nothing was written."}
	b.summary = graphql.NewObject(graphql.ObjectConfig{Name: "WriteSummary", Description: "What a write did, or for a dry run would do.", Fields: summaryFields})
	b.itemError = graphql.NewObject(graphql.ObjectConfig{Name: "ItemError", Description: "One problem of one input item.", Fields: graphql.Fields{
		"where":   {Type: graphql.NewNonNull(graphql.String), Description: "where the item came from, as file:line or an argument path"},
		"field":   {Type: graphql.NewNonNull(graphql.String), Description: "the field of the item at fault, such as date or quantity.unit"},
		"message": {Type: graphql.NewNonNull(graphql.String), Description: "what is wrong with it, and as a rule what to do instead"},
	}})
	b.writeResult = graphql.NewObject(graphql.ObjectConfig{Name: "WriteResult",
		Description: "A write is all or nothing: ok is false and errors list every problem when anything was refused, and then nothing was written.",
		Fields: graphql.Fields{
			"ok":      {Type: graphql.NewNonNull(graphql.Boolean), Description: "true when the write was accepted whole (or, for a dry run, would be)"},
			"summary": {Type: graphql.NewNonNull(b.summary), Description: "what the write did, or for a dry run would do; when ok is false nothing was written"},
			"errors":  {Type: nonNullList(b.itemError), Description: "every problem found, one per problem of each item; empty when ok"},
			"changes": {Type: nonNullList(graphql.String), Description: "for a dry run of retractSource, what it would change, a diff line each (+ added, ~ changed, - retracted); empty otherwise"},
		}})
	b.quantityInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "QuantityInput",
		Description: "A figure a relation states, as the source words it (see Quantity).",
		Fields: graphql.InputObjectConfigFieldMap{
			"amount":        {Type: graphql.NewNonNull(graphql.Float), Description: "the figure, a finite number in unit; within lowerBound and upperBound when they are given"},
			"lowerBound":    {Type: graphql.Float, Description: "the low end of a range the source gives (\"50,000–70,000\"); not above amount"},
			"upperBound":    {Type: graphql.Float, Description: "the high end of a range the source gives; not below amount"},
			"unit":          {Type: graphql.String, Description: fmt.Sprintf("what is counted: \"people\", \"percent\", \"years\", ... (at most %d bytes)", graph.MaxUnitLength)},
			"approximation": {Type: b.approximation, DefaultValue: graph.Exact, Description: "how the amount relates to the true figure (\"about\", \"at least\", ...); EXACT by default"},
		}})
	b.sourceInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "SourceInput",
		Description: "Where a fact comes from (see Source).",
		Fields: graphql.InputObjectConfigFieldMap{
			"quote":   {Type: graphql.NewNonNull(graphql.String), Description: fmt.Sprintf("the words of the source that state the fact, verbatim (at most %d bytes)", graph.MaxQuoteLength)},
			"section": {Type: graphql.String, Description: "where in the source the quote is, such as \"Reactions > Kyrgyzstan\""},
			"title":   {Type: graphql.String, Description: "the title of the source text (names the source inline: the record with this url, or one made of title and url)"},
			"url":     {Type: graphql.String, Description: "the URL of the source text"},
			"source":  {Type: graphql.ID, Description: "the id of the source record the quote is from (SourceRecord.id), instead of title and url"},
		}})
	b.documentInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "DocumentInput",
		Description: "One fact document of an importDocuments write.",
		Fields: graphql.InputObjectConfigFieldMap{
			"name":     {Type: graphql.String, Description: "a file name for error positions"},
			"format":   {Type: graphql.NewNonNull(graphql.String), Description: b.formats()},
			"document": {Type: graphql.NewNonNull(graphql.String), Description: "the document's text, in that format"},
		}})
	b.entityInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "EntityInput",
		Description: "An entity to add, or a correction of one: for an existing id, fields given replace the stored ones, aliases are added and removeAliases taken away.",
		Fields: graphql.InputObjectConfigFieldMap{
			"id":            {Type: graphql.NewNonNull(graphql.ID), Description: "the entity's id, such as person/chulpan-khamatova: lower-case letters (by convention the type), a slash, then lower-case letters, digits and hyphens (by convention the name)"},
			"name":          {Type: graphql.String, Description: "the main name; required for a new entity, and replaces the stored one when given"},
			"type":          {Type: b.entityTypeEnum, Description: "what kind of thing it is; required for a new entity, and cannot change for a stored one"},
			"aliases":       {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "other names and spellings to add to the stored ones"},
			"removeAliases": {Type: graphql.NewList(graphql.NewNonNull(graphql.String)), Description: "aliases to take away from the stored ones"},
			"description":   {Type: graphql.String, Description: "a short note on who or what it is; replaces the stored one when given"},
		}})
	b.relationInput = graphql.NewInputObject(graphql.InputObjectConfig{Name: "RelationInput",
		Description: "A relation to state. subject and object are entity ids or names.",
		Fields: graphql.InputObjectConfigFieldMap{
			"id": {Type: graphql.ID, Description: "an id of your choosing, such as rel/georgia-visa-2022, to refer to the relation by; leave out to have one derived from subject, predicate, object, dates and quantity, " +
				"so that stating the same fact again adds its sources to the stored relation"},
			"subject":   {Type: graphql.NewNonNull(graphql.String), Description: "the entity the statement is about: an id, a name or an alias"},
			"predicate": {Type: graphql.NewNonNull(graphql.String), Description: "the predicate's id, such as fled-to (the predicates query lists them)"},
			"object":    {Type: graphql.String, Description: "the other end: an id, a name or an alias; leave out only for a predicate whose objectOptional is true"},
			"date":      {Type: graphql.String, Description: "when it happened, or began: YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source"},
			"endDate":   {Type: graphql.String, Description: "when it ended, for a period: YYYY, YYYY-MM or YYYY-MM-DD, not before date (which it needs)"},
			"timing":    {Type: b.timing, Description: "how the dates bound the fact: leave out for what they say (a point, or a period with endDate); SINCE for a period open at its end (\"since the outbreak\")"},
			"quantity":  {Type: b.quantityInput, Description: "the figure the statement gives, if any"},
			"hedges":    {Type: graphql.NewList(graphql.NewNonNull(b.hedge)), Description: "the reserves the source states it with, if any (ALLEGED, ESTIMATED, EXPECTED, DISPUTED, PARTIAL)"},
			"note":      {Type: graphql.String, Description: fmt.Sprintf("a remark on the statement (at most %d bytes)", graph.MaxNoteLength)},
			"sources":   {Type: graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(b.sourceInput))), Description: fmt.Sprintf("the sources that state it, at least one, each with a verbatim quote (at most %d)", graph.MaxSources)},
		}})
}

func (b *builder) mutation() *graphql.Object {
	api := b.api
	dry := &graphql.ArgumentConfig{Type: graphql.Boolean, DefaultValue: false, Description: "check and count, write nothing"}
	return graphql.NewObject(graphql.ObjectConfig{
		Name:        "Mutation",
		Description: "Writes. Each needs an Authorization: Bearer <token> header; a server without a token is read-only.",
		Fields: withMessage(graphql.Fields{
			"importFacts": {
				Type:        graphql.NewNonNull(b.writeResult),
				Description: "Load a fact document (format: " + b.formats() + "), all or nothing.",
				Args: graphql.FieldConfigArgument{
					"format":   {Type: graphql.NewNonNull(graphql.String), Description: b.formats()},
					"document": {Type: graphql.NewNonNull(graphql.String), Description: "the document's text, in that format"},
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
						return writeResult(p.Context, graph.Summary{}, err)
					}
					return api.apply(p.Context, c, p.Args["dryRun"] == true)
				},
			},
			"importDocuments": {
				Type:        graphql.NewNonNull(b.writeResult),
				Description: "Load several fact documents as one all-or-nothing write (what `emigraph load --server` sends).",
				Args: graphql.FieldConfigArgument{
					"documents": {Type: graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(b.documentInput))), Description: "the documents, each with its format"},
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
					return writeResult(p.Context, sum, err)
				},
			},
			"upsertEntity": {
				Type:        graphql.NewNonNull(b.writeResult),
				Description: "Add an entity, or correct a stored one (rename it, add or remove aliases, replace its description).",
				Args: graphql.FieldConfigArgument{
					"entity": {Type: graphql.NewNonNull(b.entityInput), Description: "the entity, by id; for a stored one, only the fields given change"},
					"dryRun": dry,
				},
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
				Type:        graphql.NewNonNull(b.writeResult),
				Description: "State a relation. The same fact stated again adds its sources (and a note) to the stored relation; an id of a stored relation given with different content replaces it.",
				Args: graphql.FieldConfigArgument{
					"relation": {Type: graphql.NewNonNull(b.relationInput), Description: "the relation, with at least one source"},
					"dryRun":   dry,
				},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if err := checkWrite(p.Context); err != nil {
						return nil, err
					}
					in, _ := p.Args["relation"].(map[string]any)
					c := &graph.Changeset{Relations: []graph.RelationChange{{Where: "relation", Relation: relationFromInput(in)}}}
					return api.apply(p.Context, c, p.Args["dryRun"] == true)
				},
			},
			"retractSource": b.retractSourceField(dry),
			"retractRelation": {
				Type:        graphql.NewNonNull(b.writeResult),
				Description: "Remove a relation, by id.",
				Args: graphql.FieldConfigArgument{
					"id":     {Type: graphql.NewNonNull(graphql.ID), Description: "the relation's id (Relation.id)"},
					"dryRun": dry,
				},
				Resolve: func(p graphql.ResolveParams) (any, error) {
					if err := checkWrite(p.Context); err != nil {
						return nil, err
					}
					c := &graph.Changeset{Retractions: []graph.Retraction{{Where: "id", Relation: graph.Relation{ID: str(p.Args, "id")}}}}
					return api.apply(p.Context, c, p.Args["dryRun"] == true)
				},
			},
		}),
	})
}

// formats lists the formats importFacts reads, for its descriptions:
// "native, csv, jsonl or nquads".
func (b *builder) formats() string {
	names := b.api.opts.Formats
	switch len(names) {
	case 0:
		return "a format this server reads"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func relationFromInput(in map[string]any) graph.Relation {
	r := graph.Relation{ID: str(in, "id"), Subject: str(in, "subject"), Predicate: str(in, "predicate"),
		Object: str(in, "object"), Date: str(in, "date"), EndDate: str(in, "endDate"), Note: str(in, "note")}
	r.Timing, _ = in["timing"].(graph.Timing)
	if hs, ok := in["hedges"].([]any); ok {
		for _, h := range hs {
			if h, ok := h.(graph.Hedge); ok {
				r.Hedges = append(r.Hedges, h)
			}
		}
	}
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
				r.Sources = append(r.Sources, graph.Source{SourceID: str(m, "source"), Quote: str(m, "quote"), Section: str(m, "section"), Title: str(m, "title"), URL: str(m, "url")})
			}
		}
	}
	return r
}

// apply writes a changeset and rebuilds the schema when predicates changed.
func (a *API) apply(ctx context.Context, c *graph.Changeset, dryRun bool) (any, error) {
	sum, err := a.write(ctx, c, dryRun)
	return writeResult(ctx, sum, err)
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
	res, err := a.ImportStream(ctx, func() (ImportDocument, bool, error) {
		if i == len(docs) {
			return ImportDocument{}, false, nil
		}
		i++
		return docs[i-1], true, nil
	}, dryRun)
	return res.Summary, err
}

// ImportResult is what an import did, and for a dry run over a store that
// can tell, every change it would make and its warnings.
type ImportResult struct {
	Summary  graph.Summary
	Changes  []graph.Change
	Warnings []string
}

// ImportStream is Import over documents that arrive one after another (the
// parts of an upload): next returns the next document, false after the
// last, or the error that ends the stream (which ends the import with
// nothing written). Each document is parsed before the next is asked for.
func (a *API) ImportStream(ctx context.Context, next func() (ImportDocument, bool, error), dryRun bool) (ImportResult, error) {
	if a.opts.Parse == nil {
		return ImportResult{}, graph.Errorf(graph.EINVALID, "imports are not available on this server")
	}
	all := &graph.Changeset{}
	var problems []graph.ItemError
	var files []func() graph.ChangeFile // what the change records (history.go)
	for i := 0; ; i++ {
		d, ok, err := next()
		if err != nil {
			return ImportResult{}, err
		}
		if !ok {
			break
		}
		if d.Name == "" {
			d.Name = "documents[" + strconv.Itoa(i) + "]"
		}
		files = append(files, hashedDocument(&d))
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
			return ImportResult{}, err
		}
	}
	if len(problems) > 0 {
		return ImportResult{}, &graph.ValidationError{Items: problems}
	}
	if p, ok := a.store.(graph.Planner); ok && dryRun {
		plan, err := p.Plan(ctx, all)
		if err != nil {
			return ImportResult{}, err
		}
		plan.Summary.DryRun = true
		return ImportResult{Summary: plan.Summary, Changes: plan.Changes(), Warnings: plan.Warnings}, nil
	}
	sum, err := a.write(withFiles(ctx, files), all, dryRun)
	return ImportResult{Summary: sum}, err
}

type refusalKey struct{}

// WithRefusalHook returns a context in which a write refused for its
// content (ok: false, with problems) calls fn with the problems' code, so
// that the HTTP layer can log and count a refusal it otherwise sees only
// as a 200 with data.
func WithRefusalHook(ctx context.Context, fn func(code string)) context.Context {
	return context.WithValue(ctx, refusalKey{}, fn)
}

// writeResult is a write's answer: ok, the summary and the problems of a
// refused write, which the refusal hook is also told of.
func writeResult(ctx context.Context, sum graph.Summary, err error) (any, error) {
	if fn, ok := ctx.Value(refusalKey{}).(func(string)); ok && err != nil {
		fn(graph.ErrorCode(err))
	}
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
			"relationsRetracted": sum.RelationsRetracted, "retractionsNotFound": sum.RetractionsNotFound, "dryRun": sum.DryRun,
			"sourcesAdded": sum.SourcesAdded, "sourcesUpdated": sum.SourcesUpdated, "sourcesUnchanged": sum.SourcesUnchanged, "sourcesRetracted": sum.SourcesRetracted,
		},
		"errors":  errs,
		"changes": []string{},
	}, nil
}
