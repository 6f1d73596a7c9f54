package graph

import (
	"context"
	"math"
	"runtime"
	"sync/atomic"
)

// ELIMIT is the code of a request refused because it asks for more work or
// more results than its limits allow; the message says what to narrow.
const ELIMIT = "limit_exceeded"

// A Budget bounds the work of one request, counted as it is done: the
// stored records its reads decode (a relation or an entity), the index
// entries they read without a record (an edge of the graph, a figure of
// the figures index, a posting of search) and the keys they only count.
// Stores charge it while they read (Records, Entries, Keys), and a store
// that can tell from its counters what a read will cost asks Afford
// before it starts, so that a count that would read a hub's every
// relation is refused before it reads one. So the work of a request is
// bounded whatever it returns, as what it returns is by the cost limit.
//
// A budget also keeps a long request from holding a core: every
// yieldEvery units it yields the processor (runtime.Gosched), so that a
// small request waits behind a long one for a fraction of a millisecond,
// not for the scheduler's 10 ms slices.
//
// A nil *Budget is no limit; its methods are safe to call.
type Budget struct {
	limit int64 // in units
	used  atomic.Int64
	// past gateAt units, gate is called once (see Gate)
	gateAt int64
	gate   func() error
	gated  atomic.Bool
}

// The costs, in units, of what a budget counts, in proportion to the time
// each takes and the memory a read may hold: reading a relation or an
// entity looks up its key and decodes its JSON, some 20 µs; an index entry
// is read in order and parsed into strings, some 1.5 µs, but a path search
// keeps of each an edge and the entity it leads to, so that an entry counts
// an eighth of a record; a key only counted costs some 0.3 µs.
const (
	RecordCost = 64
	EntryCost  = 8
	KeyCost    = 1
)

// yieldEvery is how many units a budget lets pass between yields: about a
// tenth of a millisecond of work.
const yieldEvery = 512

// NewBudget returns a budget of the given number of records (an entry
// counts for EntryCost/RecordCost of one, a key for KeyCost/RecordCost);
// 0 or less is no limit, but a budget still, that counts and yields.
func NewBudget(records int) *Budget {
	if records <= 0 {
		return &Budget{limit: math.MaxInt64}
	}
	return &Budget{limit: int64(records) * RecordCost}
}

type budgetKey struct{}

// WithBudget returns ctx carrying b for the reads made with it.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetOf returns the budget ctx carries (nil: none).
func BudgetOf(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}

// Gate has the budget call gate once its request has read more than after
// records, before it reads on: to wait for a turn among the requests that
// read much (schema.Limits.MaxHeavy). An error of gate (the request's
// deadline passed while it waited) is the error of the read. Gate is set
// before the budget is used.
func (b *Budget) Gate(after int, gate func() error) {
	if b != nil {
		b.gateAt, b.gate = int64(after)*RecordCost, gate
	}
}

// Records charges n records read.
func (b *Budget) Records(n int) error { return b.spend(int64(n) * RecordCost) }

// Entries charges n index entries read.
func (b *Budget) Entries(n int) error { return b.spend(int64(n) * EntryCost) }

// Keys charges n keys counted.
func (b *Budget) Keys(n int) error { return b.spend(int64(n) * KeyCost) }

func (b *Budget) spend(units int64) error {
	if b == nil || units <= 0 {
		return nil
	}
	used := b.used.Add(units)
	if used/yieldEvery != (used-units)/yieldEvery {
		runtime.Gosched()
	}
	if used > b.limit {
		return b.exceeded()
	}
	if b.gate != nil && used > b.gateAt && !b.gated.Swap(true) {
		return b.gate()
	}
	return nil
}

func (b *Budget) exceeded() error {
	return Errorf(ELIMIT, "this request read more than one request may: %s records (relations and entities; %d index entries or %d keys count as one): "+
		"narrow it (a predicate, a direction, a date range, an entity), ask for smaller pages, or leave totalCount out",
		Thousands(int(b.limit/RecordCost)), RecordCost/EntryCost, RecordCost/KeyCost)
}

// Left is how many records the budget has left (the largest int for none).
func (b *Budget) Left() int {
	if b == nil {
		return int(^uint(0) >> 1)
	}
	return int(max(0, b.limit-b.used.Load()) / RecordCost)
}

// Afford refuses, before a read starts, a read of about records records
// that the budget cannot pay for: what says what the read is ("counting
// the relations of country/russia with otherType reads its 230,791
// relations") and narrow what would make it smaller ("a predicate or a
// direction"). Nothing is charged: the read charges what it reads.
func (b *Budget) Afford(records int, what, narrow string) error {
	if b == nil || records <= b.Left() {
		return nil
	}
	return Errorf(ELIMIT, "%s, more than the %s records this request may still read (one request may read %s): narrow it (%s)",
		what, Thousands(b.Left()), Thousands(int(b.limit/RecordCost)), narrow)
}
