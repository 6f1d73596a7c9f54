package schema

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/location"
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
	// Formats names the formats Parse reads, in the order the schema's
	// descriptions list them (the server gives its registry's).
	Formats []string
	// CacheBytes bounds the memory of the cache of parsed and validated
	// documents (an estimate from the queries' lengths); 0 means 32 MiB.
	CacheBytes int64
	// MaxPreparing bounds how many documents are parsed and validated at
	// once (that work cannot be interrupted; the others wait, within their
	// deadline); 0 means twice the number of CPUs.
	MaxPreparing int
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
	// sizes are the schema's lists without `first`, for the cost limit.
	sizes atomic.Pointer[schemaSizes]
	// registry is the predicate registry the schema was built from.
	registry atomic.Pointer[registry]
	// writeMu serialises mutations with schema rebuilds.
	writeMu sync.Mutex
	cache   *docCache
	// preparing holds a token for each document being prepared.
	preparing chan struct{}
	// heavy holds a token for each heavy request running.
	heavy chan struct{}
}

// New builds the schema from the store's predicates.
func New(ctx context.Context, store graph.Store, opts Options) (*API, error) {
	if opts.CacheBytes == 0 {
		opts.CacheBytes = 32 << 20
	}
	if opts.MaxPreparing == 0 {
		opts.MaxPreparing = 2 * runtime.GOMAXPROCS(0)
	}
	a := &API{store: store, opts: opts, cache: newDocCache(opts.CacheBytes), preparing: make(chan struct{}, opts.MaxPreparing)}
	if opts.Limits.MaxHeavy > 0 {
		a.heavy = make(chan struct{}, opts.Limits.MaxHeavy)
	}
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
	sizes := sizesOf(&s, len(preds))
	a.sizes.Store(&sizes)
	a.registry.Store(newRegistry(preds))
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
	sizes  schemaSizes
}

// Operation returns the type ("query", "mutation" or "subscription") and
// name of the operation a request will run, or an error when the name
// matches no operation or several operations need a name.
func (d *Document) Operation(name string) (kind, opName string, err error) {
	if op := d.operation(name); op != nil {
		if op.Name != nil {
			opName = op.Name.Value
		}
		return op.Operation, opName, nil
	}
	if name == "" {
		n := 0
		for _, def := range d.ast.Definitions {
			if _, ok := def.(*ast.OperationDefinition); ok {
				n++
			}
		}
		return "", "", fmt.Errorf("the document has %d operations: name one with operationName", n)
	}
	return "", "", fmt.Errorf("no operation named %q in the document", name)
}

// operation is the operation a request runs: the one named, or the only one.
func (d *Document) operation(name string) *ast.OperationDefinition {
	var only *ast.OperationDefinition
	count := 0
	for _, def := range d.ast.Definitions {
		op, ok := def.(*ast.OperationDefinition)
		if !ok {
			continue
		}
		count++
		only = op
		if name != "" && op.Name != nil && op.Name.Value == name {
			return op
		}
	}
	if name == "" && count == 1 {
		return only
	}
	return nil
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
// was prepared before against the current schema. It waits for ctx: a
// document that is not ready by the deadline gives ctx's error (the work
// goes on in the background, made small by the gate, and its result is
// cached).
func (a *API) Prepare(ctx context.Context, query string) (*Document, error) {
	key := sha256.Sum256([]byte(query))
	s := a.schema.Load()
	if d, ok := a.cache.get(key); ok && d.schema == s {
		return d, nil
	}
	select {
	case a.preparing <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	type result struct {
		d   *Document
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-a.preparing }()
		d, err := a.prepare(s, query)
		if err == nil {
			a.cache.put(key, docCost(query), d)
		}
		done <- result{d, err}
	}()
	select {
	case r := <-done:
		return r.d, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// prepare parses and validates query against s: the gate's scan, the
// parse, the gate's shape checks, graphql-go's validation, then the limits.
func (a *API) prepare(s *graphql.Schema, query string) (*Document, error) {
	query, pe := withoutNulls(query)
	if pe != nil {
		return nil, pe
	}
	if pe := a.opts.Limits.scan(query); pe != nil {
		return nil, pe
	}
	src := source.NewSource(&source.Source{Body: []byte(query), Name: "GraphQL request"})
	doc, err := parse(src)
	if err != nil {
		return nil, &PrepareError{Stage: "parse", Errors: gqlerrors.FormatErrors(err)}
	}
	if pe := a.opts.Limits.checkShape(doc); pe != nil {
		return nil, pe
	}
	// graphql-go locates every validation error by scanning the whole
	// document with a regular expression compiled anew (thousands of errors
	// times a large document took seconds): the rules see an empty body, and
	// the errors kept are located here, once, from their positions.
	body := src.Body
	src.Body = nil
	res := validate(s, doc)
	src.Body = body
	if !res.IsValid {
		return nil, &PrepareError{Stage: "validation", Errors: locate(capErrors(res.Errors, maxErrors), body)}
	}
	if errs := a.opts.Limits.check(doc); len(errs) > 0 {
		return nil, &PrepareError{Stage: "validation", Errors: errs}
	}
	return &Document{ast: doc, schema: s, sizes: *a.sizes.Load()}, nil
}

// Admit applies the limits that depend on the request's variables (the cost
// estimate). It returns a *PrepareError of stage "validation" when refused.
func (a *API) Admit(d *Document, req Request) error {
	if op := d.operation(req.OperationName); op != nil {
		if op.Operation == ast.OperationTypeSubscription {
			return &PrepareError{Stage: "validation", Errors: []gqlerrors.FormattedError{unsupportedOperation(op)}}
		}
		if errs := a.opts.Limits.checkListVariables(d.schema, op, req.Variables); len(errs) > 0 {
			return &PrepareError{Stage: "validation", Errors: errs}
		}
		if errs := checkVariables(d.schema, op, req.Variables); len(errs) > 0 {
			return &PrepareError{Stage: "variables", Errors: errs}
		}
	}
	if errs := a.opts.Limits.checkCost(d.ast, req.OperationName, req.Variables, d.sizes); len(errs) > 0 {
		return &PrepareError{Stage: "validation", Errors: errs}
	}
	return nil
}

// unsupportedOperation refuses a subscription, a request error (as
// graphql-js refuses an operation whose root type the schema lacks): the
// schema has no Subscription type, and a subscription's stream of results
// needs a transport that GraphQL over HTTP is not.
func unsupportedOperation(op *ast.OperationDefinition) gqlerrors.FormattedError {
	fe := gqlerrors.NewFormattedError("this server has no subscriptions (its schema has no Subscription type): send a query, and ask again for what changed")
	if op.Loc != nil && op.Loc.Source != nil {
		fe.Locations = []location.SourceLocation{location.GetLocation(op.Loc.Source, op.Loc.Start)}
	}
	fe.Extensions = map[string]any{"code": EUNSUPPORTED}
	return fe
}

// parse parses a document. Should graphql-go's parser panic on some
// malformed input, that is a syntax error of the request, not a fault of the
// server; the message does not repeat the Go panic.
func parse(src *source.Source) (doc *ast.Document, err error) {
	defer func() {
		if v := recover(); v != nil {
			doc, err = nil, errors.New("Syntax Error: the document could not be parsed")
		}
	}()
	return parser.Parse(parser.ParseParams{Source: src})
}

// validate validates a document, turning a panic of the validator on a
// malformed document into a validation error that does not repeat the Go
// panic. (The gate refuses the malformed documents known to panic, such as
// a variable without a type, with a clearer message.)
func validate(s *graphql.Schema, doc *ast.Document) (res graphql.ValidationResult) {
	defer func() {
		if v := recover(); v != nil {
			res = graphql.ValidationResult{Errors: gqlerrors.FormatErrors(errors.New("the document could not be validated: it is malformed"))}
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
	budget := graph.NewBudget(a.opts.Limits.MaxWork)
	if a.heavy != nil {
		turn := a.turn(ctx)
		defer turn.done()
		if a.opts.Limits.estimate(d.ast, req.OperationName, req.Variables, d.sizes, heavyItems) > heavyItems {
			if err := turn.take(); err != nil {
				return &graphql.Result{Errors: []gqlerrors.FormattedError{withCode(gqlerrors.FormatError(err))}}
			}
		} else {
			budget.Gate(heavyRecords, turn.take)
		}
	}
	ctx = graph.WithBudget(ctx, budget)
	ctx = withLoader(ctx, a.store)
	res := graphql.Execute(graphql.ExecuteParams{
		Schema:        *d.schema,
		AST:           d.ast,
		OperationName: req.OperationName,
		Args:          req.Variables,
		Context:       ctx,
	})
	res.Errors = capErrors(res.Errors, maxErrors)
	for i, fe := range res.Errors {
		res.Errors[i] = withCode(fe)
	}
	return res
}

// Do prepares and executes a request in one call.
func (a *API) Do(ctx context.Context, req Request) *graphql.Result {
	d, err := a.Prepare(ctx, req.Query)
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

// maxErrors is the most errors a response lists: past it, one more error
// says how many were left out, so that a request cannot make the server
// format and send megabytes of them.
const maxErrors = 20

func capErrors(errs []gqlerrors.FormattedError, max int) []gqlerrors.FormattedError {
	if len(errs) <= max {
		return errs
	}
	more := gqlerrors.NewFormattedError(fmt.Sprintf("... and %d more errors", len(errs)-max))
	more.Extensions = map[string]any{"code": ETOOMANYERRORS}
	return append(errs[:max:max], more)
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
		fe.Extensions["code"] = ETIMEOUT
	case errors.Is(orig, context.Canceled):
		fe.Extensions["code"] = ECANCELED
	default:
		var fb *forbidden
		if errors.As(orig, &fb) {
			fe.Extensions["code"] = EFORBIDDEN
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

// docCache is a least-recently-used cache of prepared documents, keyed by
// the SHA-256 of the query text and bounded by an estimate of the memory the
// documents hold (graphql-go's AST takes several bytes per byte of query).
type docCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	order    *list.List
	items    map[[sha256.Size]byte]*list.Element
}

type cacheEntry struct {
	key  [sha256.Size]byte
	cost int64
	doc  *Document
}

// docCost estimates the memory of a prepared document from its query's
// length: measured at about five bytes of AST per byte of query, plus the
// fixed part of an entry.
func docCost(query string) int64 { return 6*int64(len(query)) + 1024 }

func newDocCache(maxBytes int64) *docCache {
	return &docCache{maxBytes: maxBytes, order: list.New(), items: map[[sha256.Size]byte]*list.Element{}}
}

func (c *docCache) get(key [sha256.Size]byte) (*Document, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*cacheEntry).doc, true
	}
	return nil, false
}

// put keeps d unless it alone would take more than a sixteenth of the
// budget: one huge document should not push out hundreds of everyday ones.
func (c *docCache) put(key [sha256.Size]byte, cost int64, d *Document) {
	if cost > c.maxBytes/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*cacheEntry).doc = d
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, cost: cost, doc: d})
	c.bytes += cost
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, e.key)
		c.bytes -= e.cost
	}
}

func (c *docCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	c.items = map[[sha256.Size]byte]*list.Element{}
	c.bytes = 0
}

// CacheStats reports the document cache's entries and estimated bytes (for tests and
// metrics).
func (a *API) CacheStats() (entries int, bytes int64) {
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	return a.cache.order.Len(), a.cache.bytes
}
