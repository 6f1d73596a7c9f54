package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server"
)

const testToken = "s3cret-token"

// start runs the real server over a real store holding the seed, on
// 127.0.0.1 with a random port.
func start(t testing.TB, configure func(*server.Config)) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	st := seedtest.Open(t)
	logs := &bytes.Buffer{}
	log := zerolog.New(&lockedWriter{w: logs})
	api, err := schema.New(context.Background(), st, schema.Options{Parse: seed.Parse, Limits: schema.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{API: api, Logger: log, Token: testToken,
		Ready: func(ctx context.Context) error { _, err := st.CountEntities(ctx, ""); return err }}
	if configure != nil {
		configure(&cfg)
	}
	ts := httptest.NewServer(server.New(cfg).Handler())
	t.Cleanup(ts.Close)
	return ts, logs
}

type response struct {
	status int
	ctype  string
	body   map[string]any
	raw    string
	header http.Header
}

func send(t testing.TB, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: string(raw), header: resp.Header}
	json.Unmarshal(raw, &r.body)
	return r
}

func post(t testing.TB, base, ctype, accept, body string, headers ...string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, req)
}

func get(t testing.TB, base, accept string, params url.Values) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/graphql?"+params.Encode(), nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return send(t, req)
}

const (
	gqlResp = "application/graphql-response+json; charset=utf-8"
	jsonCT  = "application/json; charset=utf-8"
)

func TestGraphQLOverHTTP(t *testing.T) {
	ts, _ := start(t, nil)
	q := `{"query":"{ entity(id: \"country/latvia\") { name } }"}`
	bad := `{"query":"{ entity(id: \"country/latvia\") { nam } }"}`
	tests := []struct {
		name       string
		do         func() response
		status     int
		ctype      string
		wantInBody string
	}{
		{"POST json, accept graphql-response", func() response { return post(t, ts.URL, "application/json", "application/graphql-response+json", q) }, 200, gqlResp, "Latvia"},
		{"POST json, accept json", func() response { return post(t, ts.URL, "application/json", "application/json", q) }, 200, jsonCT, "Latvia"},
		{"POST with charset", func() response { return post(t, ts.URL, "application/json; charset=utf-8", "", q) }, 200, gqlResp, "Latvia"},
		{"no Accept means graphql-response", func() response { return post(t, ts.URL, "application/json", "", q) }, 200, gqlResp, "Latvia"},
		{"Accept */*", func() response { return post(t, ts.URL, "application/json", "*/*", q) }, 200, gqlResp, "Latvia"},
		{"Accept prefers json by q", func() response {
			return post(t, ts.URL, "application/json", "application/graphql-response+json;q=0.5, application/json", q)
		}, 200, jsonCT, "Latvia"},
		{"Accept nothing we speak", func() response { return post(t, ts.URL, "application/json", "text/html", q) }, 406, jsonCT, "Accept"},
		{"GET query", func() response {
			return get(t, ts.URL, "", url.Values{"query": {`{ entity(id: "country/latvia") { name } }`}})
		}, 200, gqlResp, "Latvia"},
		{"GET with variables", func() response {
			return get(t, ts.URL, "application/json", url.Values{"query": {`query($id: ID) { entity(id: $id) { name } }`}, "variables": {`{"id":"country/latvia"}`}})
		}, 200, jsonCT, "Latvia"},
		{"GET mutation is 405 and not executed", func() response {
			return get(t, ts.URL, "", url.Values{"query": {`mutation { retractRelation(id: "rel/x") { ok } }`}})
		}, 405, gqlResp, "POST"},
		{"GET without query", func() response { return get(t, ts.URL, "", url.Values{}) }, 400, gqlResp, "no query"},
		{"GET with malformed variables", func() response {
			return get(t, ts.URL, "", url.Values{"query": {`{ predicates { id } }`}, "variables": {`{`}})
		}, 400, gqlResp, "variables"},
		{"malformed JSON", func() response { return post(t, ts.URL, "application/json", "", `{"query":`) }, 400, gqlResp, "not valid JSON"},
		{"body not an object", func() response { return post(t, ts.URL, "application/json", "", `["{ predicates { id } }"]`) }, 400, gqlResp, "JSON object"},
		{"query not a string", func() response { return post(t, ts.URL, "application/json", "", `{"query": 1}`) }, 400, gqlResp, "query must be a string"},
		{"variables not an object", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"{ predicates { id } }","variables":[1]}`)
		}, 400, gqlResp, "variables must be an object"},
		{"operationName not a string", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"{ predicates { id } }","operationName":3}`)
		}, 400, gqlResp, "operationName must be a string"},
		{"extensions not an object", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"{ predicates { id } }","extensions":"x"}`)
		}, 400, gqlResp, "extensions must be an object"},
		{"unsupported content type", func() response { return post(t, ts.URL, "text/plain", "", q) }, 415, gqlResp, "Content-Type"},
		{"form content type", func() response { return post(t, ts.URL, "application/x-www-form-urlencoded", "", "query=x") }, 415, gqlResp, "Content-Type"},
		{"missing content type", func() response { return post(t, ts.URL, "", "", q) }, 415, gqlResp, "Content-Type"},
		{"unsupported charset", func() response { return post(t, ts.URL, "application/json; charset=latin1", "", q) }, 415, gqlResp, "charset"},
		{"parse error, graphql-response", func() response { return post(t, ts.URL, "application/json", "", `{"query":"{ entity("}`) }, 400, gqlResp, "Syntax Error"},
		{"parse error, legacy json is 200", func() response {
			return post(t, ts.URL, "application/json", "application/json", `{"query":"{ entity("}`)
		}, 200, jsonCT, "Syntax Error"},
		{"validation error, graphql-response", func() response { return post(t, ts.URL, "application/json", "", bad) }, 400, gqlResp, "Cannot query field"},
		{"validation error, legacy json is 200", func() response { return post(t, ts.URL, "application/json", "application/json", bad) }, 200, jsonCT, "Cannot query field"},
		{"unknown operation name", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"query A { predicates { id } }","operationName":"B"}`)
		}, 400, gqlResp, "no operation named"},
		{"field error keeps 200", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"{ entities(first: 501) { totalCount } }"}`)
		}, 200, gqlResp, "above the cap"},
		{"2 MiB body is 413", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"{ predicates { id } }","variables":{"x":"`+strings.Repeat("a", 2<<20)+`"}}`)
		}, 413, gqlResp, "larger than 1 MiB"},
		{"PUT is 405", func() response {
			req, _ := http.NewRequest(http.MethodPut, ts.URL+"/graphql", strings.NewReader(q))
			return send(t, req)
		}, 405, jsonCT, "GET or POST"},
		{"mutation without token is 401", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok } }"}`)
		}, 401, gqlResp, "Bearer"},
		{"mutation with a wrong token is 401", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok } }"}`, "Authorization", "Bearer nope")
		}, 401, gqlResp, "not valid"},
		{"mutation with the token runs", func() response {
			return post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok summary { relationsUnchanged } } }"}`, "Authorization", "Bearer "+testToken)
		}, 200, gqlResp, `"ok":true`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if r.status != tc.status || r.ctype != tc.ctype || !strings.Contains(r.raw, tc.wantInBody) {
				t.Errorf("got %d %q %.300s\nwant %d %q containing %q", r.status, r.ctype, r.raw, tc.status, tc.ctype, tc.wantInBody)
			}
		})
	}
}

func TestReadOnlyWithoutToken(t *testing.T) {
	ts, _ := start(t, func(c *server.Config) { c.Token = "" })
	r := post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok } }"}`, "Authorization", "Bearer anything")
	if r.status != 403 || !strings.Contains(r.raw, "read-only") {
		t.Errorf("got %d %s, want 403 saying read-only", r.status, r.raw)
	}
}

func TestTokenNeverLogged(t *testing.T) {
	ts, logs := start(t, nil)
	post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok } }"}`, "Authorization", "Bearer "+testToken)
	post(t, ts.URL, "application/json", "", `{"query":"query Named { predicates { id } }"}`)
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("the token appears in the logs")
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		json.Unmarshal([]byte(l), &line)
		if line["operation"] == "Named" {
			break
		}
	}
	for _, field := range []string{"method", "path", "status", "duration_ms", "operation", "request_id"} {
		if _, ok := line[field]; !ok {
			t.Errorf("request log line %v lacks %s", line, field)
		}
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	ts, _ := start(t, nil)
	post(t, ts.URL, "application/json", "", `{"query":"query Q { predicates { id } }"}`)
	for path, want := range map[string]string{
		"/healthz": "ok", "/readyz": "ready",
		"/metrics": `emigraph_http_requests_total{path="/graphql",operation="Q",type="query",status="200"} 1`,
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		r := send(t, req)
		if r.status != 200 || !strings.Contains(r.raw, want) || !strings.Contains(r.ctype, "charset=utf-8") {
			t.Errorf("%s: %d %q %s", path, r.status, r.ctype, r.raw)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/", nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/explore" {
		t.Errorf("/ answered %d to %q, want a redirect to /explore", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCORS(t *testing.T) {
	off, _ := start(t, nil)
	r := post(t, off.URL, "application/json", "", `{"query":"{ predicates { id } }"}`, "Origin", "https://example.org")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS is on by default")
	}
	on, _ := start(t, func(c *server.Config) { c.CORSOrigins = []string{"https://example.org"} })
	r = post(t, on.URL, "application/json", "", `{"query":"{ predicates { id } }"}`, "Origin", "https://example.org")
	if r.header.Get("Access-Control-Allow-Origin") != "https://example.org" {
		t.Errorf("allowed origin got no CORS header")
	}
	r = post(t, on.URL, "application/json", "", `{"query":"{ predicates { id } }"}`, "Origin", "https://evil.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin got a CORS header")
	}
}

func TestTimeoutStopsWork(t *testing.T) {
	ts, _ := start(t, func(c *server.Config) { c.RequestTimeout = time.Nanosecond })
	r := post(t, ts.URL, "application/json", "", `{"query":"{ relations(first: 500) { nodes { subject { name } } totalCount } }"}`)
	if !strings.Contains(r.raw, "timeout") && !strings.Contains(r.raw, "deadline") {
		t.Errorf("a request past its timeout answered %d %s", r.status, r.raw)
	}
}

// lockedWriter lets the server's goroutines log into one buffer safely.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
