package server

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request latency
// histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics is a small Prometheus text-format registry: requests by path,
// operation, type and status; a latency histogram; errors by kind.
//
// Every label value comes from a closed set, so that no client can grow the
// registry (or /metrics) without end: paths are the known routes or "other";
// operation names are GraphQL names of at most maxOperationNameLength bytes,
// the first maxOperations distinct ones kept and any later one (or any other
// string) counted as "other"; types are query, mutation, subscription or
// empty; statuses are three digits; error kinds are the known ones or "other".
type metrics struct {
	mu            sync.Mutex
	maxOperations int
	operations    map[string]bool  // operation names given a label of their own
	requests      map[string]int64 // label set -> count
	errors        map[string]int64
	buckets       []int64
	sum           float64
	count         int64
}

// maxOperationNameLength bounds an operation name that gets a label of its own.
const maxOperationNameLength = 64

// otherLabel is the label value of everything outside a closed set.
const otherLabel = "other"

func newMetrics(maxOperations int) *metrics {
	return &metrics{maxOperations: maxOperations, operations: map[string]bool{},
		requests: map[string]int64{}, errors: map[string]int64{}, buckets: make([]int64, len(latencyBuckets))}
}

// labelEscaper escapes a Prometheus label value; made once, since building
// a replacer for every request cost as much as the rest of observe.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func label(v string) string {
	return labelEscaper.Replace(v)
}

// pathLabel is the route a path belongs to, or "other".
func pathLabel(path string) string {
	switch path {
	case "/graphql", "/graphiql", "/explore", "/healthz", "/readyz", "/metrics", "/", "/admin/backup", "/admin/export", "/admin/import":
		return path
	}
	if strings.HasPrefix(path, "/graphiql/") {
		return "/graphiql" // the playground's assets
	}
	if strings.HasPrefix(path, "/explore/") {
		return "/explore" // the explorer's views and assets
	}
	return otherLabel
}

// typeLabel is the operation type, or "other" for anything unexpected.
func typeLabel(kind string) string {
	switch kind {
	case "", "query", "mutation", "subscription":
		return kind
	}
	return otherLabel
}

// errorKindLabel is the kind of a failure, or "other" for one not listed.
func errorKindLabel(kind string) string {
	switch kind {
	case "parse", "validation", "variables", "execution", "timeout", "forbidden", "panic", "refused", "overloaded":
		return kind
	}
	return otherLabel
}

// validOperationName reports whether op is a GraphQL name
// ([_A-Za-z][_0-9A-Za-z]*) of at most maxOperationNameLength bytes.
func validOperationName(op string) bool {
	if op == "" || len(op) > maxOperationNameLength {
		return false
	}
	for i := 0; i < len(op); i++ {
		c := op[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// operationLabel is op if it is a name already counted or there is room for
// one more; empty stays empty; anything else is "other". m.mu is held.
func (m *metrics) operationLabel(op string) string {
	switch {
	case op == "":
		return ""
	case !validOperationName(op):
		return otherLabel
	case m.operations[op]:
		return op
	case len(m.operations) < m.maxOperations:
		m.operations[op] = true
		return op
	}
	return otherLabel
}

func (m *metrics) observe(path string, info *reqInfo, status int, d time.Duration) {
	if status < 100 || status > 999 {
		status = 0 // never sent by net/http; keeps the label three digits or 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := fmt.Sprintf(`path="%s",operation="%s",type="%s",status="%d"`,
		pathLabel(path), label(m.operationLabel(info.operation)), typeLabel(info.kind), status)
	m.requests[key]++
	if info.errorKind != "" {
		m.errors[fmt.Sprintf(`kind="%s"`, errorKindLabel(info.errorKind))]++
	}
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			m.buckets[i]++
		}
	}
	m.sum += sec
	m.count++
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m := s.metrics
	var b strings.Builder
	m.mu.Lock()
	b.WriteString("# HELP emigraph_http_requests_total HTTP requests by path, GraphQL operation name and type, and status.\n# TYPE emigraph_http_requests_total counter\n")
	for _, k := range sortedKeys(m.requests) {
		fmt.Fprintf(&b, "emigraph_http_requests_total{%s} %d\n", k, m.requests[k])
	}
	b.WriteString("# HELP emigraph_errors_total Requests that failed, by kind (parse, validation, variables, execution, timeout, forbidden, panic, refused, overloaded, other).\n# TYPE emigraph_errors_total counter\n")
	for _, k := range sortedKeys(m.errors) {
		fmt.Fprintf(&b, "emigraph_errors_total{%s} %d\n", k, m.errors[k])
	}
	b.WriteString("# HELP emigraph_http_request_duration_seconds Request latency.\n# TYPE emigraph_http_request_duration_seconds histogram\n")
	for i, le := range latencyBuckets {
		fmt.Fprintf(&b, "emigraph_http_request_duration_seconds_bucket{le=\"%g\"} %d\n", le, m.buckets[i])
	}
	fmt.Fprintf(&b, "emigraph_http_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", m.count)
	fmt.Fprintf(&b, "emigraph_http_request_duration_seconds_sum %g\n", m.sum)
	fmt.Fprintf(&b, "emigraph_http_request_duration_seconds_count %d\n", m.count)
	m.mu.Unlock()
	if e := s.executions; e != nil {
		b.WriteString("# HELP emigraph_graphql_executions Queries executing now; the limit is --max-executions.\n# TYPE emigraph_graphql_executions gauge\n")
		fmt.Fprintf(&b, "emigraph_graphql_executions %d\n", e.running())
		b.WriteString("# HELP emigraph_graphql_waiting Queries waiting for an execution slot.\n# TYPE emigraph_graphql_waiting gauge\n")
		fmt.Fprintf(&b, "emigraph_graphql_waiting %d\n", e.waiting.Load())
		b.WriteString("# HELP emigraph_graphql_overloaded_total Queries answered 503 because no slot came free within --queue-timeout.\n# TYPE emigraph_graphql_overloaded_total counter\n")
		fmt.Fprintf(&b, "emigraph_graphql_overloaded_total %d\n", e.refused.Load())
	}
	if cl := s.conns.Load(); cl != nil {
		b.WriteString("# HELP emigraph_connections_open Connections open.\n# TYPE emigraph_connections_open gauge\n")
		fmt.Fprintf(&b, "emigraph_connections_open %d\n", cl.open())
		b.WriteString("# HELP emigraph_connections_refused_total Connections answered 503 and closed past a cap: the total (--max-conns) or one client's (--max-conns-per-client).\n# TYPE emigraph_connections_refused_total counter\n")
		fmt.Fprintf(&b, "emigraph_connections_refused_total{cap=\"client\"} %d\n", cl.refusedClient.Load())
		fmt.Fprintf(&b, "emigraph_connections_refused_total{cap=\"total\"} %d\n", cl.refusedTotal.Load())
		b.WriteString("# HELP emigraph_connections_reclaimed_total Connections doing nothing (idle, or silent since they connected) closed to make room under a cap.\n# TYPE emigraph_connections_reclaimed_total counter\n")
		fmt.Fprintf(&b, "emigraph_connections_reclaimed_total %d\n", cl.reclaimed.Load())
	}
	if s.cfg.StoreSize != nil {
		b.WriteString("# HELP emigraph_store_size_bytes Space the store takes on disk (the blocks allocated to its files).\n# TYPE emigraph_store_size_bytes gauge\n")
		fmt.Fprintf(&b, "emigraph_store_size_bytes %d\n", s.cfg.StoreSize())
	}
	w.Write([]byte(b.String()))
}

func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
