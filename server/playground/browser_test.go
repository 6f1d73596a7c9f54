package playground_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/graphql-go/graphql"

	"github.com/emigraph/emigraph/server/internal/browsertest"
	"github.com/emigraph/emigraph/server/playground"
)

// TestGraphiQLInBrowser loads the playground in a real headless Chromium
// against a local server, runs the default query with the run button, and
// checks the response in the result pane and that the page asked nothing of
// any host but the test server. Skipped without Chromium, except under CI.
func TestGraphiQLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}

	var (
		mu   sync.Mutex
		seen []string // "METHOD path" of every request the server got
	)
	mux := http.NewServeMux()
	h := playground.Handler()
	mux.Handle(playground.Path, h)
	mux.Handle(playground.Path+"/", h)
	mux.Handle("/graphql", graphqlHandler(t, tinySchema(t)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	b := browsertest.Start(t)
	res, err := b.RunGraphiQL(srv.URL, "")
	shot := filepath.Join(os.TempDir(), "graphiql.png")
	if serr := b.Screenshot(shot); serr != nil {
		t.Errorf("screenshot: %v", serr)
	} else {
		t.Logf("screenshot: %s", shot)
	}
	for _, r := range res.Requests {
		t.Logf("request: %s", r)
	}
	if err != nil {
		t.Fatalf("GraphiQL: %v (errors in the page: %q)", err, res.Errors)
	}
	t.Logf("navigation to response in the pane: %v", res.Elapsed)

	// The result pane shows the server's answer to the default query.
	var got struct {
		Data struct {
			Entity struct {
				ID, Name, Type string
				Relations      struct {
					TotalCount int
					Nodes      []struct {
						Predicate string
						Object    struct{ Name string }
						Date      string
						Sources   []struct{ Quote string }
					}
				}
			}
		}
		Errors []any
	}
	if err := res.Decode(&got); err != nil {
		t.Fatalf("result pane is not JSON: %v\n%s", err, res.Text)
	}
	e := got.Data.Entity
	if len(got.Errors) > 0 || e.Name != "Chulpan Khamatova" || e.Type != "Person" ||
		e.Relations.TotalCount != 2 || len(e.Relations.Nodes) != 2 ||
		e.Relations.Nodes[0].Object.Name != "Riga" || len(e.Relations.Nodes[0].Sources) != 1 {
		t.Errorf("result pane does not show the expected data:\n%s", res.Text)
	}

	// Every request went to the test server, and no other host at all.
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, u := range res.URLs {
		p, err := url.Parse(u)
		if err != nil {
			t.Errorf("unparsable URL requested: %q", u)
			continue
		}
		if p.Scheme == "data" { // inline data (the stylesheet's fonts): no network
			continue
		}
		if p.Scheme != "http" || p.Host != host {
			t.Errorf("page requested %q: not the test server %s", u, host)
		}
	}
	if f := browsertest.ForeignURLs(res.URLs, srv.URL); len(f) > 0 {
		t.Errorf("foreign requests: %q", f)
	}
	// ... and the ones that matter were made and answered.
	mu.Lock()
	server := slices.Clone(seen)
	mu.Unlock()
	for _, want := range []string{"GET /graphiql", "POST /graphql"} {
		if !slices.Contains(server, want) {
			t.Errorf("server never got %q; it got %q", want, server)
		}
	}
	for _, r := range res.Requests {
		if r.Failed != "" || (r.Status != 0 && r.Status != http.StatusOK) {
			t.Errorf("request not answered with 200: %s", r)
		}
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors in the page (console, exceptions, CSP): %q", res.Errors)
	}
}

// graphqlHandler is a minimal GraphQL-over-HTTP endpoint: POST with a JSON
// body, as GraphiQL's fetcher sends (its schema introspection included).
func graphqlHandler(t *testing.T, schema graphql.Schema) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var req struct {
			Query         string         `json:"query"`
			OperationName string         `json:"operationName"`
			Variables     map[string]any `json:"variables"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		result := graphql.Do(graphql.Params{
			Schema:         schema,
			RequestString:  req.Query,
			OperationName:  req.OperationName,
			VariableValues: req.Variables,
			Context:        r.Context(),
		})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if err := json.NewEncoder(w).Encode(result); err != nil {
			t.Errorf("graphql: encode: %v", err)
		}
	})
}

// tinySchema answers the shape of the playground's default query from two
// fixed entities. It stands in for the real emigraph schema.
func tinySchema(t *testing.T) graphql.Schema {
	t.Helper()
	type source struct{ Quote string }
	type relation struct {
		Predicate, Object, Date string
		Sources                 []source
	}
	type entity struct {
		ID, Name, Type string
		Relations      []relation
	}
	entities := map[string]entity{
		"Chulpan Khamatova": {ID: "e1", Name: "Chulpan Khamatova", Type: "Person", Relations: []relation{
			{Predicate: "moved_to", Object: "Riga", Date: "2022-03", Sources: []source{{Quote: "test fixture quote"}}},
			{Predicate: "occupation", Object: "Actor"},
		}},
	}

	field := func(typ graphql.Output, get func(any) any) *graphql.Field {
		return &graphql.Field{Type: typ, Resolve: func(p graphql.ResolveParams) (any, error) { return get(p.Source), nil }}
	}
	sourceType := graphql.NewObject(graphql.ObjectConfig{Name: "Source", Fields: graphql.Fields{
		"quote": field(graphql.String, func(s any) any { return s.(source).Quote }),
	}})
	entityType := graphql.NewObject(graphql.ObjectConfig{Name: "Entity", Fields: graphql.Fields{}})
	relationType := graphql.NewObject(graphql.ObjectConfig{Name: "Relation", Fields: graphql.Fields{
		"predicate": field(graphql.String, func(s any) any { return s.(relation).Predicate }),
		"object": field(entityType, func(s any) any {
			name := s.(relation).Object
			if e, ok := entities[name]; ok {
				return e
			}
			return entity{ID: "x-" + name, Name: name, Type: "Thing"}
		}),
		"date":    field(graphql.String, func(s any) any { return s.(relation).Date }),
		"sources": field(graphql.NewList(sourceType), func(s any) any { return s.(relation).Sources }),
	}})
	connType := graphql.NewObject(graphql.ObjectConfig{Name: "RelationConnection", Fields: graphql.Fields{
		"totalCount": field(graphql.Int, func(s any) any { return s.(map[string]any)["totalCount"] }),
		"nodes":      field(graphql.NewList(relationType), func(s any) any { return s.(map[string]any)["nodes"] }),
	}})
	entityType.AddFieldConfig("id", field(graphql.ID, func(s any) any { return s.(entity).ID }))
	entityType.AddFieldConfig("name", field(graphql.String, func(s any) any { return s.(entity).Name }))
	entityType.AddFieldConfig("type", field(graphql.String, func(s any) any { return s.(entity).Type }))
	entityType.AddFieldConfig("relations", &graphql.Field{
		Type: connType,
		Args: graphql.FieldConfigArgument{"first": {Type: graphql.Int, DefaultValue: 10}},
		Resolve: func(p graphql.ResolveParams) (any, error) {
			rels := p.Source.(entity).Relations
			first, _ := p.Args["first"].(int)
			return map[string]any{"totalCount": len(rels), "nodes": rels[:min(first, len(rels))]}, nil
		},
	})

	query := graphql.NewObject(graphql.ObjectConfig{Name: "Query", Fields: graphql.Fields{
		"entity": &graphql.Field{
			Type: entityType,
			Args: graphql.FieldConfigArgument{"name": {Type: graphql.NewNonNull(graphql.String)}},
			Resolve: func(p graphql.ResolveParams) (any, error) {
				if e, ok := entities[p.Args["name"].(string)]; ok {
					return e, nil
				}
				return nil, nil
			},
		},
	}})
	schema, err := graphql.NewSchema(graphql.SchemaConfig{Query: query})
	if err != nil {
		t.Fatal(err)
	}
	return schema
}
