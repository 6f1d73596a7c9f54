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
// operation and status; a latency histogram; errors by kind.
type metrics struct {
	mu       sync.Mutex
	requests map[string]int64 // label set -> count
	errors   map[string]int64
	buckets  []int64
	sum      float64
	count    int64
}

func newMetrics() *metrics {
	return &metrics{requests: map[string]int64{}, errors: map[string]int64{}, buckets: make([]int64, len(latencyBuckets))}
}

func label(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func (m *metrics) observe(path string, info *reqInfo, status int, d time.Duration) {
	if path != "/graphql" && path != "/healthz" && path != "/readyz" && path != "/metrics" && !strings.HasPrefix(path, "/graphiql") {
		path = "other" // unbounded label values would grow the registry without end
	}
	op := info.operation
	if len(op) > 64 {
		op = op[:64]
	}
	key := fmt.Sprintf(`path="%s",operation="%s",type="%s",status="%d"`, label(path), label(op), label(info.kind), status)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[key]++
	if info.errorKind != "" {
		m.errors[fmt.Sprintf(`kind="%s"`, label(info.errorKind))]++
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
	b.WriteString("# HELP emigraph_errors_total Requests that failed, by kind (parse, validation, execution, timeout, forbidden, panic).\n# TYPE emigraph_errors_total counter\n")
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
	if s.cfg.StoreSize != nil {
		b.WriteString("# HELP emigraph_store_size_bytes Size of the Badger store on disk.\n# TYPE emigraph_store_size_bytes gauge\n")
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
