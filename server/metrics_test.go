package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/emigraph/emigraph/server"
)

// /metrics stays bounded whatever clients send: 5,000 requests with
// distinct operation names (valid GraphQL names, and junk), random
// /graphiql/ paths and random other paths make at most
// metricsSeriesBound series and a /metrics of at most metricsBytesBound.
func TestMetricsStayBounded(t *testing.T) {
	const (
		maxOps             = 100 // the default of Config.MaxOperationLabels
		requests           = 5000
		metricsSeriesBound = 300      // request series: (100 names + "other" + "") × a few statuses and types, plus the other routes
		metricsBytesBound  = 64 << 10 // 300 series of ~130 bytes, the histogram and the errors
	)
	ts, _ := start(t, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	letters := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"
	randName := func() string {
		b := make([]byte, 1+rng.IntN(20))
		for i := range b {
			b[i] = letters[rng.IntN(52)]
		}
		return string(b) + fmt.Sprint(rng.Uint64())
	}
	junk := func() string {
		b := make([]byte, 1+rng.IntN(100))
		for i := range b {
			b[i] = byte(' ' + rng.IntN(95))
		}
		return string(b)
	}
	reqs := make([]*http.Request, 0, requests)
	for i := 0; i < requests; i++ {
		var req *http.Request
		switch i % 5 {
		case 0, 1: // a valid operation with a new name each time
			name := randName()
			body := fmt.Sprintf(`{"query":"query %s { __typename }","operationName":%q}`, name, name)
			req, _ = http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(body))
		case 2: // a junk operation name, refused
			body := fmt.Sprintf(`{"query":"{ __typename }","operationName":%q}`, junk()+strings.Repeat("x", rng.IntN(200)))
			req, _ = http.NewRequest(http.MethodPost, ts.URL+"/graphql", strings.NewReader(body))
		case 3:
			req, _ = http.NewRequest(http.MethodGet, ts.URL+"/graphiql/"+randName()+"/"+randName(), nil)
		case 4:
			req, _ = http.NewRequest(http.MethodGet, ts.URL+"/"+randName(), nil)
		}
		req.Header.Set("Content-Type", "application/json")
		reqs = append(reqs, req)
	}
	work := make(chan *http.Request)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for req := range work {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	for _, req := range reqs {
		work <- req
	}
	close(work)
	wg.Wait()

	r := send(t, mustGet(t, ts.URL+"/metrics"))
	if len(r.raw) > metricsBytesBound {
		t.Errorf("/metrics is %d bytes after %d requests, more than %d", len(r.raw), requests, metricsBytesBound)
	}
	series, paths, ops := 0, map[string]bool{}, map[string]bool{}
	var total int
	seriesRE := regexp.MustCompile(`^emigraph_http_requests_total\{path="([^"]*)",operation="([^"]*)",type="([^"]*)",status="(\d+)"\} (\d+)$`)
	for _, line := range strings.Split(r.raw, "\n") {
		if !strings.HasPrefix(line, "emigraph_http_requests_total") {
			continue
		}
		series++
		m := seriesRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("malformed series %q", line)
			continue
		}
		paths[m[1]], ops[m[2]] = true, true
		var n int
		fmt.Sscan(m[5], &n)
		total += n
	}
	if series > metricsSeriesBound {
		t.Errorf("%d request series after %d requests, more than %d", series, requests, metricsSeriesBound)
	}
	if total != requests {
		t.Errorf("the series count %d requests, want %d", total, requests)
	}
	for p := range paths {
		switch p {
		case "/graphql", "/graphiql", "/explore", "/healthz", "/readyz", "/metrics", "/", "other":
		default:
			t.Errorf("path label %q is not a route", p)
		}
	}
	if len(ops) > maxOps+2 || !ops["other"] {
		t.Errorf("%d operation labels (want at most %d names, \"other\" and \"\"); other counted: %v", len(ops), maxOps, ops["other"])
	}
	t.Logf("%d requests: %d series, %d operation labels, /metrics %d bytes", requests, series, len(ops), len(r.raw))
}

// Operation names are labelled only when they are GraphQL names of at
// most 64 bytes, and only up to Config.MaxOperationLabels distinct ones.
func TestMetricsOperationLabels(t *testing.T) {
	ts, _ := start(t, func(c *server.Config) { c.MaxOperationLabels = 2 })
	for _, name := range []string{"First", "Second", "Third", "First"} {
		post(t, ts.URL, "application/json", "", fmt.Sprintf(`{"query":"query %s { __typename }"}`, name))
	}
	long := strings.Repeat("L", 65)
	post(t, ts.URL, "application/json", "", fmt.Sprintf(`{"query":"query %s { __typename }"}`, long))
	r := send(t, mustGet(t, ts.URL+"/metrics"))
	for _, want := range []string{
		`emigraph_http_requests_total{path="/graphql",operation="First",type="query",status="200"} 2`,
		`emigraph_http_requests_total{path="/graphql",operation="Second",type="query",status="200"} 1`,
		`emigraph_http_requests_total{path="/graphql",operation="other",type="query",status="200"} 2`,
	} {
		if !strings.Contains(r.raw, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, r.raw)
		}
	}
	if strings.Contains(r.raw, "Third") || strings.Contains(r.raw, long) {
		t.Errorf("/metrics labels a name past the cap or too long:\n%s", r.raw)
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Log lines carry their units, and a write refused for its content (a 200
// with ok: false) is logged as refused, with its code.
func TestLogsSayUnitsAndRefusals(t *testing.T) {
	ts, logs := start(t, nil)
	body := `{"query":"mutation { importFacts(format: \"jsonl\", document: \"{\\\"kind\\\":\\\"entity\\\",\\\"id\\\":\\\"Bad Id\\\"}\") { ok } }"}`
	r := post(t, ts.URL, "application/json", "", body, "Authorization", "Bearer "+testToken)
	if r.status != 200 || !strings.Contains(r.raw, `"ok":false`) {
		t.Fatalf("a bad import: %d %s", r.status, r.raw)
	}
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		json.Unmarshal([]byte(l), &line)
	}
	if line["error"] != "refused" || line["error_code"] != "invalid" {
		t.Errorf("the refused import's log line: %v", line)
	}
	if _, ok := line["duration_ms"].(float64); !ok {
		t.Errorf("the log line has no duration_ms: %v", line)
	}
}
