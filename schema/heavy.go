package schema

import (
	"context"
)

// Heavy requests take turns. A request that reads much, or returns much,
// keeps a core busy for a good part of a second; sixteen of them at once
// would keep both cores of a small server busy and every other request
// waiting behind them for the scheduler (a plain lookup's p50 went from
// 3 ms to 125-181 ms). So a request is heavy once it has read more than
// heavyRecords records (its budget's gate), or from the start when the cost
// limit estimates its result at more than heavyItems items; at most
// Limits.MaxHeavy heavy requests run at once (half the CPUs), and the
// others wait for a turn within their deadline. Light requests, nearly
// every real one, never wait, and find a core free.
const (
	heavyRecords = 1000
	heavyItems   = 10_000
)

// turn is a request's claim to run heavy: taken once at most, and given
// back when the request is done.
type turn struct {
	ctx   context.Context
	slots chan struct{}
	held  bool
}

func (a *API) turn(ctx context.Context) *turn { return &turn{ctx: ctx, slots: a.heavy} }

// take waits for a turn; the error is the context's, when the deadline
// passes first.
func (t *turn) take() error {
	if t.held {
		return nil
	}
	select {
	case t.slots <- struct{}{}:
		t.held = true
		return nil
	case <-t.ctx.Done():
		return t.ctx.Err()
	}
}

func (t *turn) done() {
	if t.held {
		<-t.slots
		t.held = false
	}
}
