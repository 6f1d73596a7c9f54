package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server"
)

// bodyLimit is the server's default --max-body.
const bodyLimit = 1 << 20

// nearLimit repeats unit between head and tail until the JSON request body
// is just under the body limit.
func nearLimit(head, unit, tail string) string {
	room := bodyLimit - 64 - len(head) - len(tail) // the JSON envelope and escapes
	enc, _ := json.Marshal(unit)
	n := room / (len(enc) - 2)
	return head + strings.Repeat(unit, n) + tail
}

// fanOut is a fragment fan-out: each fragment spreads the next `width`
// times, `depth` levels deep, so the document expands to width^depth
// fields.
func fanOut(width, depth int) string {
	var b strings.Builder
	b.WriteString("{...F0}")
	for d := 0; d < depth; d++ {
		fmt.Fprintf(&b, " fragment F%d on Query{", d)
		for w := 0; w < width; w++ {
			fmt.Fprintf(&b, "...F%d ", d+1)
		}
		b.WriteString("}")
	}
	fmt.Fprintf(&b, " fragment F%d on Query{__typename}", depth)
	return b.String()
}

func numbered(n int, format string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

// hostileDocuments are the classes of issue 10, each at a size just under
// the body limit where size is what makes them hostile.
func hostileDocuments() []struct{ name, query string } {
	return []struct{ name, query string }{
		{"fragment cycle (42 bytes)", `{__typename} fragment A on Query{...A}`},
		{"fragment cycle of two, unused", `{__typename} fragment A on Query{...B} fragment B on Query{...A}`},
		{"fragment cycle, used", `{...A} fragment A on Query{...A}`},
		{"fragment cycle through an inline fragment", `{__typename} fragment A on Query{... on Query{...A}}`},
		{"fragment cycle through a field", `{__typename} fragment A on Query{entity(id:"x"){...B}} fragment B on Entity{relations{nodes{subject{...B}}}}`},
		{"600,000 nested [ unterminated", `{search(text:"a",types:` + strings.Repeat("[", 600_000) + `}`},
		{"nested [ to the limit, terminated", nearLimit(`{search(text:"a",types:`, "[]", `){id}}`)},
		{"nested { to the limit", nearLimit("", "{a", "")},
		{"nested input objects", nearLimit(`{search(text:"a",types:`, "{a:", `1}){id}}`)},
		{"nested inline fragments", nearLimit("{", "... on Query{", "__typename}")},
		{"300 copies of a search (7 KB)", "{" + strings.Repeat(`search(text:"N"){id} `, 300) + "}"},
		{"copies of a search to the limit", nearLimit("{", `search(text:"N"){id} `, "}")},
		{"conflicting fields", "{" + numbered(150, `search(text:"N%d"){id} `) + "}"},
		{"repeated fields through fragments", "{...A ...B ...C} " +
			"fragment A on Query{" + strings.Repeat("__typename ", 15) + "} fragment B on Query{" + strings.Repeat("__typename ", 15) +
			"} fragment C on Query{" + strings.Repeat("__typename ", 15) + "}"},
		{"unused fragments", "{__typename} " + numbered(10_000, "fragment F%d on Query{__typename} ")},
		{"unused fragments to the limit", nearLimit("{__typename} ", "fragment F on Query{__typename} ", "")},
		{"unknown directives", nearLimit("{__typename ", "@a ", "}")},
		{"directives with arguments", nearLimit("{__typename ", "@a(b:1) ", "}")},
		{"fragment fan-out, width 10, depth 8 (300 bytes)", fanOut(10, 8)},
		{"fragment fan-out, width 3, depth 30", fanOut(3, 30)},
		{"many arguments", nearLimit(`{search(text:"a"`, ",a:1", `){id}}`)},
		{"many operations", nearLimit("", "query{__typename} ", "")},
		{"many variables", nearLimit("query(", "$a:Int ", "){__typename}")},
		{"25 aliased introspections", "{" + numbered(25, "s%d: __schema{types{name fields{name args{name type{name}} type{name ofType{name}}}}} ") + "}"},
		{"a variable without a type", `query($a:) {a}`},
	}
}

// TestHostileDocuments sends every class of hostile document of issue 10 to
// the real server: each is refused with a 4xx within the request deadline,
// the server answers normally afterwards, and its memory stays bounded.
func TestHostileDocuments(t *testing.T) {
	const deadline = 10 * time.Second
	ts, _ := start(t, func(c *server.Config) { c.RequestTimeout = deadline })
	client := &http.Client{Timeout: deadline}
	before := settledRSS()
	for _, doc := range hostileDocuments() {
		t.Run(doc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"query": doc.query})
			if len(body) >= bodyLimit {
				t.Fatalf("the document is %d bytes, over the body limit: the test is wrong", len(body))
			}
			req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/graphql-response+json")
			began := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("no answer within the %v deadline: %v", deadline, err)
			}
			defer resp.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatalf("status %d, the body is not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("status %d, want a 4xx: %v", resp.StatusCode, out)
			}
			if _, ok := out["data"]; ok {
				t.Errorf("a refused document has a data entry: %v", out)
			}
			errs, _ := out["errors"].([]any)
			if len(errs) == 0 || len(errs) > 21 {
				t.Errorf("%d errors, want 1 to 21", len(errs))
			}
			msg, _ := json.Marshal(errs)
			for _, leak := range []string{"runtime error", "goroutine", "panic", "invalid memory"} {
				if strings.Contains(string(msg), leak) {
					t.Errorf("the error shows Go internals (%q): %s", leak, msg)
				}
			}
			t.Logf("%d bytes: %d in %v: %.200s", len(body), resp.StatusCode, time.Since(began).Round(time.Millisecond), msg)
		})
	}
	// alive and well
	r := post(t, ts.URL, "application/json", "", `{"query":"{ entity(id: \"country/georgia\") { name } }"}`)
	if r.status != http.StatusOK || !strings.Contains(r.raw, "Georgia") {
		t.Fatalf("after the hostile documents: %d %s", r.status, r.raw)
	}
	growth := settledRSS() - before
	t.Logf("resident memory: %d MiB before, grew by %d MiB (bound %d MiB)", before>>20, growth>>20, maxRSSGrowth>>20)
	if before > 0 && growth > maxRSSGrowth {
		t.Errorf("resident memory grew by %d MiB, over the bound of %d MiB", growth>>20, maxRSSGrowth>>20)
	}
}

// maxRSSGrowth bounds how much resident memory a hostile run may leave
// behind: the parsed-document cache (32 MiB) and the allocator's slack.
const maxRSSGrowth = 160 << 20

// settledRSS is this process's resident memory after a collection returned
// what it could to the system; 0 where /proc is not there.
func settledRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestUniqueLargeQueriesDoNotGrowTheCache sends hundreds of distinct large
// documents that all pass (a long comment makes each big and unique): the
// document cache stays within its byte budget and the process's memory
// with it.
func TestUniqueLargeQueriesDoNotGrowTheCache(t *testing.T) {
	var api *schema.API
	ts, _ := start(t, func(c *server.Config) { api = c.API })
	before := settledRSS()
	pad := strings.Repeat("x", 300<<10)
	for i := 0; i < 300; i++ {
		q := fmt.Sprintf("# %d %s\n{ predicates { id } }", i, pad)
		body, _ := json.Marshal(map[string]string{"query": q})
		r := post(t, ts.URL, "application/json", "", string(body))
		if r.status != http.StatusOK || r.body["data"] == nil {
			t.Fatalf("request %d: %d %.300s", i, r.status, r.raw)
		}
	}
	growth := settledRSS() - before
	entries, bytes := api.CacheStats()
	t.Logf("after 300 unique 300 KB queries: resident memory grew by %d MiB (bound %d MiB); the cache holds %d documents, %d MiB by its estimate", growth>>20, maxRSSGrowth>>20, entries, bytes>>20)
	if before > 0 && growth > maxRSSGrowth {
		t.Errorf("resident memory grew by %d MiB, over the bound of %d MiB", growth>>20, maxRSSGrowth>>20)
	}
	if bytes > 32<<20 {
		t.Errorf("the cache holds %d bytes by its estimate, over its 32 MiB budget", bytes)
	}
}

// TestVariablesAreCoercedStrictly: a variable that is not a value of its
// type is a request error (400, no data), as the GraphQL spec sets; Int
// takes whole numbers only.
func TestVariablesAreCoercedStrictly(t *testing.T) {
	ts, _ := start(t, nil)
	const q = `query($n: Int, $t: [EntityType!], $id: ID) { entities(first: $n, type: null) { totalCount } search(text: "Georgia", types: $t) { id } entity(id: $id) { id } }`
	for _, tc := range []struct {
		vars string
		ok   bool
	}{
		{`{"n": 3}`, true},
		{`{"n": 3.0}`, true},
		{`{"t": "COUNTRY"}`, true}, // a single value stands for a list of one
		{`{"t": ["COUNTRY", "PERSON"]}`, true},
		{`{"id": 12}`, true},
		{`{"n": "abc"}`, false},
		{`{"n": "10"}`, false},
		{`{"n": 1.5}`, false},
		{`{"n": true}`, false},
		{`{"n": 3000000000}`, false},
		{`{"t": ["COUNTRY", "PLANET"]}`, false},
		{`{"t": [null]}`, false},
		{`{"id": 1.5}`, false},
		{`{"id": {"a": 1}}`, false},
	} {
		body := fmt.Sprintf(`{"query": %q, "variables": %s}`, strings.Replace(q, "type: null", "", 1), tc.vars)
		r := post(t, ts.URL, "application/json", "application/graphql-response+json", body)
		_, hasData := r.body["data"]
		switch {
		case tc.ok && (r.status != http.StatusOK || !hasData):
			t.Errorf("%s: %d %s, want 200 with data", tc.vars, r.status, r.raw)
		case !tc.ok && (r.status != http.StatusBadRequest || hasData || !strings.Contains(r.raw, "invalid_variables")):
			t.Errorf("%s: %d %s, want 400, code invalid_variables and no data", tc.vars, r.status, r.raw)
		}
	}
}

// A body that stops arriving is answered 408 once the server's read timeout
// passes, and the answer names no socket address (Go's error text for it
// holds both the server's and the client's).
func TestSlowBodyIs408WithoutAddresses(t *testing.T) {
	st := seedtest.Open(t)
	api, err := schema.New(context.Background(), st, schema.Options{Limits: schema.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{API: api, Logger: zerolog.Nop(), ReadTimeout: 300 * time.Millisecond})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408: %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "127.0.0.1") || !strings.Contains(string(body), "read timeout") {
		t.Errorf("the answer should say what happened and name no address: %s", body)
	}
}
