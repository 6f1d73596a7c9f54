package schema

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"

	"github.com/emigraph/emigraph/graph"
)

// ParseFunc reads a fact document in a named format into a changeset; the
// server wires in the seed package's parsers.
type ParseFunc func(format, name string, r io.Reader) (*graph.Changeset, error)

// Options configures New.
type Options struct {
	// Parse reads documents for the importFacts mutation. Without it,
	// importFacts is refused.
	Parse ParseFunc
	// CacheSize is how many parsed and validated query documents are kept;
	// 0 means 1000.
	CacheSize int
	// Limits are checked on every document before execution.
	Limits Limits
	// OnPanic is told of every panic in a resolver, with its stack; the
	// panic becomes an error of that field.
	OnPanic func(v any, stack []byte)
}

// API is the GraphQL schema over a store, rebuilt whenever the predicate
// registry changes, with a cache of parsed and validated documents.
type API struct {
	store  graph.Store
	opts   Options
	schema atomic.Pointer[graphql.Schema]
	// writeMu serialises mutations with schema rebuilds.
	writeMu sync.Mutex
	cache   *docCache
}

// New builds the schema from the store's predicates.
func New(ctx context.Context, store graph.Store, opts Options) (*API, error) {
	if opts.CacheSize == 0 {
		opts.CacheSize = 1000
	}
	a := &API{store: store, opts: opts, cache: newDocCache(opts.CacheSize)}
	if err := a.Rebuild(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Rebuild makes the schema anew from the store's predicates, so that a newly
// loaded predicate shows up as typed fields.
func (a *API) Rebuild(ctx context.Context) error {
	preds, err := a.store.Predicates(ctx)
	if err != nil {
		return err
	}
	s, err := build(a, preds)
	if err != nil {
		return fmt.Errorf("building the GraphQL schema: %w", err)
	}
	a.schema.Store(&s)
	a.cache.clear()
	return nil
}

// Schema returns the current schema.
func (a *API) Schema() graphql.Schema { return *a.schema.Load() }

// Document is a parsed and validated request document.
type Document struct {
	ast    *ast.Document
	schema *graphql.Schema
}

// Operation returns the type ("query", "mutation" or "subscription") and
// name of the operation a request will run, or an error when the name
// matches no operation or several operations need a name.
func (d *Document) Operation(name string) (kind, opName string, err error) {
	var ops []*ast.OperationDefinition
	for _, def := range d.ast.Definitions {
		if op, ok := def.(*ast.OperationDefinition); ok {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		opName := ""
		if op.Name != nil {
			opName = op.Name.Value
		}
		if name == "" && len(ops) == 1 || name != "" && opName == name {
			return op.Operation, opName, nil
		}
	}
	if name == "" {
		return "", "", fmt.Errorf("the document has %d operations: name one with operationName", len(ops))
	}
	return "", "", fmt.Errorf("no operation named %q in the document", name)
}

// PrepareError is a request that failed before execution: it did not parse
// (Parse), or it did not validate or broke a limit (Validation).
type PrepareError struct {
	Stage  string // "parse" or "validation"
	Errors []gqlerrors.FormattedError
}

func (e *PrepareError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Message
	}
	return e.Stage + ": " + strings.Join(msgs, "; ")
}

// Prepare parses and validates a query, from the cache when the same text
// was prepared before against the current schema.
func (a *API) Prepare(query string) (*Document, error) {
	s := a.schema.Load()
	if d, ok := a.cache.get(query); ok && d.schema == s {
		return d, nil
	}
	doc, err := parse(query)
	if err != nil {
		return nil, &PrepareError{Stage: "parse", Errors: gqlerrors.FormatErrors(err)}
	}
	if res := validate(s, doc); !res.IsValid {
		return nil, &PrepareError{Stage: "validation", Errors: res.Errors}
	}
	if errs := a.opts.Limits.check(doc); len(errs) > 0 {
		return nil, &PrepareError{Stage: "validation", Errors: errs}
	}
	d := &Document{ast: doc, schema: s}
	a.cache.put(query, d)
	return d, nil
}

// Admit applies the limits that depend on the request's variables (the cost
// estimate). It returns a *PrepareError of stage "validation" when refused.
func (a *API) Admit(d *Document, req Request) error {
	if errs := a.opts.Limits.checkCost(d.ast, req.OperationName, req.Variables); len(errs) > 0 {
		return &PrepareError{Stage: "validation", Errors: errs}
	}
	return nil
}

// parse parses a document. graphql-go's parser panics on some malformed
// input ("query($a:) {a}"); that is a syntax error of the request, not a
// fault of the server.
func parse(query string) (doc *ast.Document, err error) {
	defer func() {
		if v := recover(); v != nil {
			doc, err = nil, fmt.Errorf("Syntax Error: the document could not be parsed (%v)", v)
		}
	}()
	return parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(query), Name: "GraphQL request"})})
}

// validate validates a document, turning a panic of the validator on a
// malformed document into a validation error.
func validate(s *graphql.Schema, doc *ast.Document) (res graphql.ValidationResult) {
	defer func() {
		if v := recover(); v != nil {
			res = graphql.ValidationResult{Errors: gqlerrors.FormatErrors(fmt.Errorf("the document could not be validated (%v)", v))}
		}
	}()
	return graphql.ValidateDocument(s, doc, nil)
}

// Request is one GraphQL request.
type Request struct {
	Query         string
	OperationName string
	Variables     map[string]any
}

// Execute runs a prepared document. Domain errors come back with an
// extensions.code ("invalid", "not_found", "forbidden", ...) and, for refused
// writes, extensions.problems naming each field.
func (a *API) Execute(ctx context.Context, d *Document, req Request) *graphql.Result {
	ctx = withLoader(ctx, a.store)
	res := graphql.Execute(graphql.ExecuteParams{
		Schema:        *d.schema,
		AST:           d.ast,
		OperationName: req.OperationName,
		Args:          req.Variables,
		Context:       ctx,
	})
	for i, fe := range res.Errors {
		res.Errors[i] = withCode(fe)
	}
	return res
}

// Do prepares and executes a request in one call.
func (a *API) Do(ctx context.Context, req Request) *graphql.Result {
	d, err := a.Prepare(req.Query)
	if err != nil {
		var pe *PrepareError
		if errors.As(err, &pe) {
			return &graphql.Result{Errors: pe.Errors}
		}
		return &graphql.Result{Errors: gqlerrors.FormatErrors(err)}
	}
	if err := a.Admit(d, req); err != nil {
		return &graphql.Result{Errors: err.(*PrepareError).Errors}
	}
	return a.Execute(ctx, d, req)
}

// withCode adds extensions.code (and problems) from the domain error behind
// a GraphQL error.
func withCode(fe gqlerrors.FormattedError) gqlerrors.FormattedError {
	orig := fe.OriginalError()
	for {
		var ge *gqlerrors.Error
		if errors.As(orig, &ge) && ge.OriginalError != nil && ge.OriginalError != orig {
			orig = ge.OriginalError
			continue
		}
		break
	}
	if orig == nil {
		return fe
	}
	if fe.Extensions == nil {
		fe.Extensions = map[string]any{}
	}
	var ve *graph.ValidationError
	switch {
	case errors.As(orig, &ve):
		fe.Extensions["code"] = graph.EINVALID
		fe.Extensions["problems"] = problemList(ve)
	case errors.Is(orig, context.DeadlineExceeded):
		fe.Extensions["code"] = "timeout"
	case errors.Is(orig, context.Canceled):
		fe.Extensions["code"] = "canceled"
	default:
		var fb *forbidden
		if errors.As(orig, &fb) {
			fe.Extensions["code"] = "forbidden"
		} else {
			fe.Extensions["code"] = graph.ErrorCode(orig)
		}
	}
	return fe
}

func problemList(ve *graph.ValidationError) []map[string]any {
	var out []map[string]any
	for _, it := range ve.Items {
		for _, p := range it.Problems {
			out = append(out, map[string]any{"where": it.Where, "field": p.Field, "message": p.Message})
		}
	}
	return out
}

// docCache is a least-recently-used cache of prepared documents.
type docCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[string]*list.Element
}

type cacheEntry struct {
	query string
	doc   *Document
}

func newDocCache(max int) *docCache {
	return &docCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *docCache) get(q string) (*Document, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[q]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*cacheEntry).doc, true
	}
	return nil, false
}

func (c *docCache) put(q string, d *Document) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[q]; ok {
		el.Value.(*cacheEntry).doc = d
		c.order.MoveToFront(el)
		return
	}
	c.items[q] = c.order.PushFront(&cacheEntry{query: q, doc: d})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).query)
	}
}

func (c *docCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	c.items = map[string]*list.Element{}
}
