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

	"github.com/emigraph/emigraph/schema"
)

// executions bounds how many GraphQL queries execute at once. The limits
// of schema bound the work and the result of each; this bounds how many
// of them hold memory and CPU together, so that a crowd of clients sending
// the costliest documents the limits admit cannot multiply that memory
// without end. A query waits for a slot up to the queue timeout (within
// its deadline), then is answered 503 with Retry-After. Mutations are not
// counted: they need the write token, and run one at a time anyway.
//
// Three quarters of the slots are kept for documents whose runs were fast
// (fastExecution or less, on a moving average): with one queue, a plain
// lookup waited behind every costly document ahead of it (under 16 clients
// sending issue 19's scans, its p99 went from 1 s with no bound to 5 s,
// and some were refused). A document slow on average takes the other
// quarter; one seen fast takes any slot; one not seen yet takes the other
// quarter, or a fast slot while more than half of them are free (else a
// client's first lookup waited behind the crowd of slow documents, and was
// refused, and so never learned fast). So a client that varies its
// documents to look new gets the costly quarter and at most half the fast
// slots, and one that makes a fast document slow (by its variables) loses
// it the fast slots after one costly run. Either way no more than the
// limit run at once.
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

// DefaultMaxExecutions is the default bound: four per CPU, and at least 8.
// Queries mostly use CPU (the store's reads come from memory), so more at
// once than that adds memory, not answers.
func DefaultMaxExecutions() int { return max(4*runtime.GOMAXPROCS(0), 8) }

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
	fast, known := e.seen.fast(key)
	began := time.Now()
	done := func(slots chan struct{}) func() {
		return func() {
			e.seen.record(key, time.Since(began))
			<-slots
		}
	}
	// a fast document takes a fast slot when there is one, leaving the
	// others to new and slow documents
	if fast {
		select {
		case e.fast <- struct{}{}:
			return done(e.fast), nil
		default:
		}
	}
	select {
	case e.slow <- struct{}{}:
		return done(e.slow), nil
	default:
	}
	// a new document may borrow a fast slot while more than half of them
	// are free: a client's first lookup must not wait behind a crowd of
	// slow documents it will never be one of, and a crowd of new documents
	// still leaves half the fast slots to the documents known fast
	if !known && 2*len(e.fast) < cap(e.fast) {
		select {
		case e.fast <- struct{}{}:
			return done(e.fast), nil
		default:
		}
	}
	waitFast := e.fast
	if !fast {
		waitFast = nil // a nil channel is never ready: the slow slots only
	}
	e.waiting.Add(1)
	defer e.waiting.Add(-1)
	timer := time.NewTimer(e.wait)
	defer timer.Stop()
	select {
	case waitFast <- struct{}{}:
		began = time.Now()
		return done(waitFast), nil
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

// fastDocuments remembers how long each document ran, as a moving average
// that halves the weight of every earlier run: one costly run (seconds)
// makes a document slow at once, while one slow moment of a fast document
// (a garbage collection, a busy CPU) does not. It keeps a bounded number
// of documents; one forgotten is treated as new.
type fastDocuments struct {
	seed maphash.Seed
	max  int
	mu   sync.Mutex
	took map[uint64]time.Duration
}

func newFastDocuments(n int) *fastDocuments {
	return &fastDocuments{seed: maphash.MakeSeed(), max: n, took: map[uint64]time.Duration{}}
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

// fast reports whether the document's runs average fastExecution or less,
// and whether it has run (among those remembered).
func (f *fastDocuments) fast(key uint64) (fast, known bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	took, ok := f.took[key]
	return ok && took <= fastExecution, ok
}

func (f *fastDocuments) record(key uint64, took time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	before, ok := f.took[key]
	switch {
	case ok:
		took = (before + took) / 2
	case len(f.took) >= f.max:
		for k := range f.took { // forget one at random
			delete(f.took, k)
			break
		}
	}
	f.took[key] = took
}

// refuseExecution answers a query that got no slot: 503 with Retry-After,
// code overloaded when the queue timeout passed, timeout when the
// request's deadline did.
func (s *Server) refuseExecution(w http.ResponseWriter, media string, info *reqInfo, err error) {
	w.Header().Set("Retry-After", "1")
	if errors.As(err, new(errQueueFull)) {
		info.errorKind = "overloaded"
		s.writeCodedError(w, media, http.StatusServiceUnavailable, codeOverloaded, "the server is running "+
			strconv.Itoa(s.executions.limit())+" queries, its limit (serve --max-executions), and none finished within "+
			s.executions.wait.String()+" (serve --queue-timeout): try again later")
		return
	}
	info.errorKind = "timeout"
	s.writeCodedError(w, media, http.StatusServiceUnavailable, schema.ETIMEOUT, "the request's "+s.cfg.RequestTimeout.String()+
		" deadline passed while it waited for the queries before it: try again later")
}
