package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server"
)

// seededStore opens a real Badger store in a temporary directory and loads
// the embedded seed into it.
func seededStore(t testing.TB, dir string) *badger.Store { return seedtest.OpenIn(t, dir) }

// panicLog is what OnPanic was told, and the log it wrote (as serve does).
type panicLog struct {
	mu     sync.Mutex
	values []string
	stacks []string
	buf    bytes.Buffer
}

func (p *panicLog) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

func (p *panicLog) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.values)
}

// startOver runs the real server over st (a real store, possibly wrapped),
// with OnPanic logging the way `emigraph serve` does, into logs.
func startOver(t testing.TB, st graph.Store, configure func(*server.Config)) (*httptest.Server, *panicLog) {
	t.Helper()
	logs := &panicLog{}
	log := zerolog.New(writerFunc(func(b []byte) (int, error) {
		logs.mu.Lock()
		defer logs.mu.Unlock()
		return logs.buf.Write(b)
	}))
	api, err := schema.New(context.Background(), st, schema.Options{
		Parse:  seed.Parse,
		Limits: schema.DefaultLimits(),
		OnPanic: func(v any, stack []byte) {
			logs.mu.Lock()
			logs.values = append(logs.values, fmt.Sprint(v))
			logs.stacks = append(logs.stacks, string(stack))
			logs.mu.Unlock()
			log.Error().Str("panic", fmt.Sprint(v)).Bytes("stack", stack).Msg("recovered from a panic in a resolver")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{API: api, Logger: log, Token: testToken}
	if configure != nil {
		configure(&cfg)
	}
	ts := httptest.NewServer(server.New(cfg).Handler())
	t.Cleanup(ts.Close)
	return ts, logs
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// panickyStore is the real store, except that its first calls of Stats or
// EntitiesByID panic with a Go runtime error (an index out of range), as a
// bug in the store would.
type panickyStore struct {
	*badger.Store
	statsPanics, byIDPanics atomic.Int32
}

func indexOutOfRange(n int) int {
	var s []int
	return s[n] // panics: runtime error: index out of range
}

func (s *panickyStore) Stats(ctx context.Context) (*graph.Stats, error) {
	if s.statsPanics.Add(-1) >= 0 {
		indexOutOfRange(3)
	}
	return s.Store.Stats(ctx)
}

func (s *panickyStore) EntitiesByID(ctx context.Context, ids []string) (map[string]*graph.Entity, error) {
	if s.byIDPanics.Add(-1) >= 0 {
		indexOutOfRange(len(ids))
	}
	return s.Store.EntitiesByID(ctx, ids)
}

// goInternals are strings that would show a client the innards of the
// server: a runtime error, a stack, file names.
var goInternals = []string{"runtime error", "index out of range", "goroutine", ".go:", "panic", "badger", "panickyStore", "indexOutOfRange"}

func checkInternalError(t *testing.T, r response, field string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Errorf("status %d, want 200 (a field error): %s", r.status, r.raw)
	}
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no errors in %s", r.raw)
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	if ext["code"] != "internal" {
		t.Errorf("extensions.code is %v, want internal: %s", ext["code"], r.raw)
	}
	if msg, _ := e["message"].(string); !strings.Contains(msg, field) {
		t.Errorf("the message %q does not name the field %s", msg, field)
	}
	for _, s := range goInternals {
		if strings.Contains(r.raw, s) {
			t.Errorf("the response shows Go internals (%q): %s", s, r.raw)
		}
	}
}

// A panic in a resolver is an error of that field with code "internal", the
// stack goes to the log, and the server answers the next request.
func TestPanicInResolver(t *testing.T) {
	st := &panickyStore{Store: seededStore(t, t.TempDir())}
	t.Cleanup(func() { st.Close() })
	st.statsPanics.Store(1)
	ts, logs := startOver(t, st, nil)

	r := post(t, ts.URL, "application/json", "", `{"query":"{ stats { totalEntities } }"}`)
	checkInternalError(t, r, "Query.stats")
	if data, ok := r.body["data"]; !ok || data != nil {
		t.Errorf("data is %v, want null (stats is non-null)", data)
	}
	if logs.count() != 1 {
		t.Fatalf("OnPanic was told of %d panics, want 1", logs.count())
	}
	if !strings.Contains(logs.values[0], "index out of range") || !strings.Contains(logs.stacks[0], "panickyStore).Stats") ||
		!strings.Contains(logs.stacks[0], "panic_test.go") {
		t.Errorf("OnPanic got %q with a stack that does not show where it panicked:\n%s", logs.values[0], logs.stacks[0])
	}
	var logged bool
	for _, l := range strings.Split(logs.String(), "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) == nil && line["message"] == "recovered from a panic in a resolver" {
			stack, _ := line["stack"].(string)
			logged = strings.Contains(stack, "goroutine") && strings.Contains(stack, "panickyStore).Stats")
		}
	}
	if !logged {
		t.Errorf("no log line with the stack of the panic:\n%s", logs.String())
	}

	// the server lives on: the same field, and another, answer
	r = post(t, ts.URL, "application/json", "", `{"query":"{ stats { totalEntities } entity(id: \"country/latvia\") { name } }"}`)
	if r.status != 200 || r.body["errors"] != nil || !strings.Contains(r.raw, `"name":"Latvia"`) || !strings.Contains(r.raw, `"totalEntities":`) {
		t.Errorf("the request after the panic: %d %s", r.status, r.raw)
	}
}

// A panic in a thunk (the batched entity load behind Relation.subject) is
// also an "internal" error whose stack is logged, though the thunk runs
// after the resolver that made it has returned.
func TestPanicInDeferredResolver(t *testing.T) {
	st := &panickyStore{Store: seededStore(t, t.TempDir())}
	t.Cleanup(func() { st.Close() })
	st.byIDPanics.Store(1)
	ts, logs := startOver(t, st, nil)

	r := post(t, ts.URL, "application/json", "", `{"query":"{ relations(first: 3) { nodes { id subject { name } } } }"}`)
	checkInternalError(t, r, "Relation.subject")
	if logs.count() != 1 || !strings.Contains(logs.stacks[0], "panickyStore).EntitiesByID") {
		t.Errorf("OnPanic was told of %d panics (want 1, with the stack of EntitiesByID):\n%s", logs.count(), logs.String())
	}
	r = post(t, ts.URL, "application/json", "", `{"query":"{ relations(first: 3) { nodes { id subject { name } } } }"}`)
	if r.status != 200 || r.body["errors"] != nil || !strings.Contains(r.raw, `"subject":{"name":`) {
		t.Errorf("the request after the panic: %d %s", r.status, r.raw)
	}
}

// A panic outside GraphQL (here in the readiness check, a handler's
// dependency) is turned into a 500 with the request ID by the recovery
// middleware, logged with its stack, counted, and the server lives on.
func TestPanicInHandler(t *testing.T) {
	st := seededStore(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	var panics atomic.Int32
	panics.Store(1)
	ts, logs := startOver(t, st, func(c *server.Config) {
		c.Ready = func(ctx context.Context) error {
			if panics.Add(-1) >= 0 {
				indexOutOfRange(7)
			}
			_, err := st.CountEntities(ctx, "")
			return err
		}
	})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/readyz", nil)
	req.Header.Set("X-Request-ID", "req-boom-1")
	r := send(t, req)
	if r.status != http.StatusInternalServerError || r.header.Get("X-Request-ID") != "req-boom-1" ||
		!strings.Contains(r.raw, "req-boom-1") || !strings.Contains(r.ctype, "charset=utf-8") {
		t.Errorf("a panicking handler answered %d %q %s", r.status, r.ctype, r.raw)
	}
	for _, s := range goInternals {
		if strings.Contains(r.raw, s) {
			t.Errorf("the response shows Go internals (%q): %s", s, r.raw)
		}
	}
	var recovered, requestLine bool
	for _, l := range strings.Split(logs.String(), "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) != nil || line["request_id"] != "req-boom-1" {
			continue
		}
		if line["message"] == "recovered from a panic" {
			stack, _ := line["stack"].(string)
			recovered = strings.Contains(stack, "indexOutOfRange") && strings.Contains(line["panic"].(string), "index out of range")
		}
		if line["message"] == "request" {
			requestLine = line["status"] == float64(500) && line["error"] == "panic" && line["level"] == "error"
		}
	}
	if !recovered || !requestLine {
		t.Errorf("the log lacks the stack (%v) or the request line with status 500 and error panic (%v):\n%s", recovered, requestLine, logs.String())
	}
	for path, want := range map[string]string{"/readyz": "ready", "/healthz": "ok", "/metrics": `emigraph_errors_total{kind="panic"} 1`} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if r := send(t, req); r.status != 200 || !strings.Contains(r.raw, want) {
			t.Errorf("%s after the panic: %d %s", path, r.status, r.raw)
		}
	}
	r = post(t, ts.URL, "application/json", "", `{"query":"{ entity(id: \"country/latvia\") { name } }"}`)
	if r.status != 200 || !strings.Contains(r.raw, "Latvia") {
		t.Errorf("GraphQL after the panic: %d %s", r.status, r.raw)
	}
}
