package bulk

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"

	"github.com/emigraph/emigraph/graph/badger/internal/badgerfmt"
)

// orderedSink passes a family's keys to its tables, checking that they
// come in increasing order, and keeps the first and the last.
type orderedSink struct {
	out         *badgerfmt.TableSink
	prev        []byte
	first, last []byte
	n           int
}

// add writes a key and its value; keys must come in increasing order.
func (w *orderedSink) add(k, value []byte) error {
	// a cheap guard: tables with keys out of order would read wrong, silently
	if w.n > 0 && bytes.Compare(k, w.prev) <= 0 {
		return fmt.Errorf("bulk load: keys out of order at %q", k)
	}
	if w.n == 0 {
		w.first = bytes.Clone(k)
	}
	w.n++
	w.prev = append(w.prev[:0], k...)
	return w.out.Add(k, value)
}

// done ends the family and returns its first and last key.
func (w *orderedSink) done() ([2][]byte, error) {
	if w.n > 0 {
		w.last = bytes.Clone(w.prev)
	}
	return [2][]byte{w.first, w.last}, w.out.Done()
}

// write writes a family into out, and returns the first and last key
// written: sorted in memory, or, if it spilled runs, merged from them.
func (f *Family) write(ctx context.Context, out *badgerfmt.TableSink) ([2][]byte, error) {
	w := &orderedSink{out: out}
	var scratch []byte
	value := func(v []byte) []byte {
		if f.Expand != nil {
			scratch = f.Expand(scratch[:0], v)
			return scratch
		}
		return v
	}
	add, done := w.add, w.done
	if f.Pack != nil {
		add = func(k, v []byte) error { return f.Pack(k, v, w.add) }
		done = func() ([2][]byte, error) {
			if err := f.Pack(nil, nil, w.add); err != nil {
				out.Abandon()
				return [2][]byte{}, err
			}
			return w.done()
		}
	}
	if len(f.runs) > 0 || f.spillErr != nil {
		i := 0
		err := f.merge(func(k, v []byte) error {
			if i++; i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			return add(k, value(v))
		})
		if err != nil {
			out.Abandon()
			return [2][]byte{}, err
		}
		return done()
	}
	f.sort()
	var touched byte
	for i, it := range f.order {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				out.Abandon()
				return [2][]byte{}, err
			}
		}
		// Entries are read in key order, scattered in memory: reading one a
		// few places ahead lets the processor fetch it while this one is
		// written, rather than wait for every one in turn.
		if j := i + prefetchAhead; j < len(f.order) {
			ahead := f.order[j].e
			touched ^= f.chunks[ahead.chunk][ahead.off]
		}
		if err := add(f.key(it.e), value(f.value(it.e))); err != nil {
			out.Abandon()
			return [2][]byte{}, err
		}
	}
	prefetchSink.Store(uint32(touched))
	return done()
}

const prefetchAhead = 16

// prefetchSink keeps the reads ahead from being optimised away.
var prefetchSink atomic.Uint32
