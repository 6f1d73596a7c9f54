package server

import (
	"context"
	"errors"
	"hash/maphash"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// executions bounds how many GraphQL queries execute at once. The limits
// of schema bound the work and the result of each; this bounds how many
// of them hold memory and CPU together, so that a crowd of clients sending
// the costliest documents the limits admit cannot multiply that memory
// without end. A query waits for a slot up to the queue timeout (within
// its deadline), then is answered 503 with Retry-After. Mutations are not
// counted: they need the write token, and run one at a time anyway.
//
// Three quarters of the slots are kept for documents whose last run was
// fast (fastExecution or less): with one queue, a plain lookup waited
// behind every costly document ahead of it (under 16 clients sending issue
// 19's scans, its p99 went from 1 s with no bound to 5 s, and some were
// refused). A document not seen yet, or slow last time, takes the other
// quarter; one seen fast takes any slot. So a client that varies its
// documents to look new gets the costly quarter only, and one that makes
// a fast document slow (by its variables) loses it the fast slots after
// one run. Either way no more than the limit run at once.
type executions struct {
	slow, fast chan struct{}
	wait       time.Duration
	seen       *fastDocuments
	waiting    atomic.Int64
	refused    atomic.Int64
}

// fastExecution is the longest run that counts as fast: ten times what
// the benchmark's questions take on a million relations, and a tenth of
// what the scans of issue 19 took.
const fastExecution = 250 * time.Millisecond

// defaultMaxExecutions is the default bound: four per CPU, and at least 8.
// Queries mostly use CPU (the store's reads come from memory), so more at
// once than that adds memory, not answers.
func defaultMaxExecutions() int { return max(4*runtime.GOMAXPROCS(0), 8) }

func newExecutions(n int, wait time.Duration) *executions {
	if n <= 0 {
		return nil
	}
	slow := max(n/4, 1)
	return &executions{slow: make(chan struct{}, slow), fast: make(chan struct{}, n-slow), wait: wait, seen: newFastDocuments(4096)}
}

// errQueueFull is acquire's answer when no slot came free in time.
type errQueueFull struct{}

func (errQueueFull) Error() string { return "no execution slot came free in time" }

// acquire waits for a slot for the document query (with its operation
// name), up to the queue timeout or ctx's end, and returns the function to
// call when it has run: it gives the slot back and remembers how long the
// run took. A nil executions bounds nothing.
func (e *executions) acquire(ctx context.Context, query, operation string) (func(), error) {
	if e == nil {
		return func() {}, nil
	}
	key := e.seen.key(query, operation)
	fast := e.fast
	if !e.seen.fast(key) {
		fast = nil // a nil channel is never ready: the slow half only
	}
	began := time.Now()
	done := func(slots chan struct{}) func() {
		return func() {
			e.seen.record(key, time.Since(began) <= fastExecution)
			<-slots
		}
	}
	// a fast document takes a fast slot when there is one, leaving the
	// others to new and slow documents
	select {
	case fast <- struct{}{}:
		return done(fast), nil
	default:
	}
	select {
	case e.slow <- struct{}{}:
		return done(e.slow), nil
	default:
	}
	e.waiting.Add(1)
	defer e.waiting.Add(-1)
	timer := time.NewTimer(e.wait)
	defer timer.Stop()
	select {
	case fast <- struct{}{}:
		began = time.Now()
		return done(fast), nil
	case e.slow <- struct{}{}:
		began = time.Now()
		return done(e.slow), nil
	case <-timer.C:
		e.refused.Add(1)
		return nil, errQueueFull{}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// running is the number of executions holding a slot.
func (e *executions) running() int { return len(e.slow) + len(e.fast) }

// limit is the number of slots.
func (e *executions) limit() int { return cap(e.slow) + cap(e.fast) }

// fastDocuments remembers whether the last run of each document was fast,
// for a bounded number of documents (one forgotten is treated as new).
type fastDocuments struct {
	seed maphash.Seed
	max  int
	mu   sync.Mutex
	last map[uint64]bool
}

func newFastDocuments(n int) *fastDocuments {
	return &fastDocuments{seed: maphash.MakeSeed(), max: n, last: map[uint64]bool{}}
}

// key identifies a document and operation (a random seed keeps clients from
// making two documents share a key).
func (f *fastDocuments) key(query, operation string) uint64 {
	var h maphash.Hash
	h.SetSeed(f.seed)
	h.WriteString(operation)
	h.WriteByte(0)
	h.WriteString(query)
	return h.Sum64()
}

func (f *fastDocuments) fast(key uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last[key]
}

func (f *fastDocuments) record(key uint64, fast bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.last[key]; !ok && len(f.last) >= f.max {
		for k := range f.last { // forget one at random
			delete(f.last, k)
			break
		}
	}
	f.last[key] = fast
}

// refuseExecution answers a query that got no slot: 503 with Retry-After,
// code overloaded when the queue timeout passed, timeout when the
// request's deadline did.
func (s *Server) refuseExecution(w http.ResponseWriter, media string, info *reqInfo, err error) {
	w.Header().Set("Retry-After", "1")
	if errors.As(err, new(errQueueFull)) {
		info.errorKind = "overloaded"
		s.writeCodedError(w, media, http.StatusServiceUnavailable, "overloaded", "the server is running "+
			strconv.Itoa(s.executions.limit())+" queries, its limit (serve --max-executions), and none finished within "+
			s.executions.wait.String()+" (serve --queue-timeout): try again later")
		return
	}
	info.errorKind = "timeout"
	s.writeCodedError(w, media, http.StatusServiceUnavailable, "timeout", "the request's "+s.cfg.RequestTimeout.String()+
		" deadline passed while it waited for the queries before it: try again later")
}
