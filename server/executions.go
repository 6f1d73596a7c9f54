package server

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
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
type executions struct {
	slots   chan struct{}
	wait    time.Duration
	waiting atomic.Int64
	refused atomic.Int64
}

// defaultMaxExecutions is the default bound: four per CPU, and at least 8.
// Queries mostly use CPU (the store's reads come from memory), so more at
// once than that adds memory, not answers.
func defaultMaxExecutions() int { return max(4*runtime.GOMAXPROCS(0), 8) }

// defaultQueueTimeout bounds a query's wait for a slot when the Config
// leaves QueueTimeout 0 (and the request's deadline, if shorter).
const defaultQueueTimeout = 5 * time.Second

func newExecutions(n int, wait time.Duration) *executions {
	if n <= 0 {
		return nil
	}
	return &executions{slots: make(chan struct{}, n), wait: wait}
}

// errQueueFull is acquire's answer when no slot came free in time.
type errQueueFull struct{}

func (errQueueFull) Error() string { return "no execution slot came free in time" }

// acquire waits for a slot, up to the queue timeout or ctx's end, and
// returns the function that gives it back. A nil executions bounds
// nothing.
func (e *executions) acquire(ctx context.Context) (func(), error) {
	if e == nil {
		return func() {}, nil
	}
	release := func() { <-e.slots }
	select {
	case e.slots <- struct{}{}:
		return release, nil
	default:
	}
	e.waiting.Add(1)
	defer e.waiting.Add(-1)
	timer := time.NewTimer(e.wait)
	defer timer.Stop()
	select {
	case e.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		e.refused.Add(1)
		return nil, errQueueFull{}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// running is the number of executions holding a slot.
func (e *executions) running() int { return len(e.slots) }

// refuseExecution answers a query that got no slot: 503 with Retry-After,
// code overloaded when the queue timeout passed, timeout when the
// request's deadline did.
func (s *Server) refuseExecution(w http.ResponseWriter, media string, info *reqInfo, err error) {
	w.Header().Set("Retry-After", "1")
	if errors.As(err, new(errQueueFull)) {
		info.errorKind = "overloaded"
		s.writeCodedError(w, media, http.StatusServiceUnavailable, "overloaded", "the server is running "+
			strconv.Itoa(cap(s.executions.slots))+" queries, its limit (serve --max-executions), and none finished within "+
			s.executions.wait.String()+" (serve --queue-timeout): try again later")
		return
	}
	info.errorKind = "timeout"
	s.writeCodedError(w, media, http.StatusServiceUnavailable, "timeout", "the request's "+s.cfg.RequestTimeout.String()+
		" deadline passed while it waited for the queries before it: try again later")
}
